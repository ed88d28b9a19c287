"""S3 storage where documents are private objects reached only through short-lived signed URLs.

Images and renditions stay public, cacheable objects (their URLs go into the API). Documents
(``documents/…``) may belong to a restricted collection, and a document can move into one at
any time, so every document object is private: uploaded with the ``private`` ACL when the
bucket uses ACLs (``AWS_DEFAULT_ACL`` set), and always addressed by a signed URL that expires
after ``NEWSROOM_DOCUMENT_URL_EXPIRY`` seconds. Readers reach documents through Wagtail's
serve view (``/documents/<id>/<name>``), which checks the collection's view restrictions and
only then redirects to a freshly signed URL (``WAGTAILDOCS_SERVE_METHOD = "redirect"``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from storages.utils import clean_name

from cms.s3 import MediaS3Storage

PRIVATE_PREFIXES = ("documents/",)


def is_private(name: str) -> bool:
    return clean_name(name).startswith(PRIVATE_PREFIXES)


def document_url_expiry() -> int:
    return int(getattr(settings, "NEWSROOM_DOCUMENT_URL_EXPIRY", 300))


class NewsroomS3Storage(MediaS3Storage):
    """django-storages' S3 backend with typed SVG (``MediaS3Storage``) and private, signed
    documents."""

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        params = super().get_object_parameters(name)
        if is_private(name):
            if self.default_acl:  # the bucket uses ACLs: never the public default for these
                params["ACL"] = "private"
            # A signed URL is per reader and short-lived: no shared cache may keep the file.
            params["CacheControl"] = "private, max-age=0, no-store"
        return params

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        if not is_private(name):
            return super().url(name, parameters, expire, http_method)
        # Signed through S3 itself, even when public files go through a custom domain (CDN).
        params = dict(parameters or {})
        params["Bucket"] = self.bucket.name
        params["Key"] = self._normalize_name(clean_name(name))
        return self.connection.meta.client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=document_url_expiry() if expire is None else expire,
            HttpMethod=http_method,
        )
