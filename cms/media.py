"""Serving uploaded media from Django (development, or when no web server is in front).

Wraps ``django.views.static.serve`` so that every file gets ``X-Content-Type-Options:
nosniff`` and SVG files also ``Content-Security-Policy: default-src 'none'; style-src
'unsafe-inline'`` (news.svg.SVG_HEADERS): an SVG opened directly in the browser can then run
nothing and load nothing, even if something slipped past the sanitiser. Production web
servers and object storage must send the same headers: docs/images.md says how.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from django.views.static import serve

from news.svg import SVG_HEADERS, is_svg_name


def add_media_headers(response: HttpResponse, path: str) -> HttpResponse:
    """The headers every media file, and every SVG, is served with."""
    response["X-Content-Type-Options"] = "nosniff"
    if is_svg_name(path) and response.status_code in (200, 206, 304):
        for name, value in SVG_HEADERS.items():
            response[name] = value
    return response


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """A file under MEDIA_ROOT, with ``add_media_headers``."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    return add_media_headers(response, path)


def media_urlpatterns() -> list[URLPattern]:
    """The route for MEDIA_URL's path (``/media/``, also when MEDIA_URL is a full URL on the
    CMS's own origin, as in the local run). Documents are never served here: they go through
    Wagtail's serve view, which checks collection restrictions."""
    prefix = urlsplit(settings.MEDIA_URL or "").path.strip("/")
    if not prefix:
        return []
    return [re_path(rf"^{re.escape(prefix)}/(?!documents/)(?P<path>.*)$", serve_media)]
