"""S3-compatible media storage that stores SVG files with their proper type.

S3 serves an object with the Content-Type stored with it; a wrong or missing type lets a
browser guess. SVG objects are stored as ``image/svg+xml``. S3 cannot add
``Content-Security-Policy`` or ``X-Content-Type-Options`` to a response by itself: the CDN in
front of the bucket must (docs/images.md gives a CloudFront response-headers policy); the
policy is kept in the object's metadata (``x-amz-meta-content-security-policy``) so a CDN
function can copy it.
"""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage

from news.svg import SVG_CSP, is_svg_name


class MediaS3Storage(S3Storage):
    """django-storages' S3 storage, with SVG objects typed and marked."""

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        params = super().get_object_parameters(name)
        if is_svg_name(name):
            params["ContentType"] = "image/svg+xml"
            params["Metadata"] = {
                **params.get("Metadata", {}),
                "content-security-policy": SVG_CSP,
            }
        return params
