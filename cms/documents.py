"""Documents are served only through Wagtail's serve view, with caching that fits each one.

Wagtail's view (``/documents/<id>/<name>``) checks the collection's view restrictions before
it streams the file (local storage) or redirects to a signed URL (S3, cms/storage.py). This
wrapper adds what Wagtail leaves out: ``Cache-Control``. A document in a restricted
collection (and the login or password page that guards it) is ``private, no-store``; a
public one may be cached by anyone for ``NEWSROOM_DOCUMENT_MAX_AGE`` seconds — a redirect to
a signed URL only for part of the signature's lifetime. Media files are never served at
``/media/documents/…`` (cms/urls.py; production web servers must not expose that folder
either: docs/security-preview-media.md).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from wagtail.documents import get_document_model
from wagtail.documents.views.serve import serve as wagtail_serve

from cms.storage import document_url_expiry


def _restricted(document_id: int) -> bool:
    document = (
        get_document_model().objects.filter(pk=document_id).select_related("collection").first()
    )
    return document is not None and document.collection.get_view_restrictions().exists()


def serve(request: HttpRequest, document_id: str, document_filename: str) -> HttpResponse:
    response = wagtail_serve(request, document_id, document_filename)
    if response.status_code >= 400:
        return response
    if _restricted(int(document_id)):
        response["Cache-Control"] = "private, no-store"
        return response
    max_age = int(getattr(settings, "NEWSROOM_DOCUMENT_MAX_AGE", 3600))
    if response.status_code in (301, 302):
        # The target is a signed URL: never reuse the redirect once it may have expired.
        max_age = min(max_age, document_url_expiry() // 2)
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response
