"""Content-Security-Policy for the CMS's own pages (django-csp), and the API docs switch.

Two policies, chosen by path:

- **Strict** (``CONTENT_SECURITY_POLICY``): everything the CMS serves that is not the admin
  — the API (JSON, feeds), the interactive API docs (Swagger UI from the project's own
  static files: ``script-src 'self'``, nothing inline, no third-party origin), documents,
  health checks, Wagtail's page redirects.
- **Admin** (``NEWSROOM_CSP_ADMIN``, for ``/admin/`` and ``/django-admin/``): Wagtail 8's
  admin still renders inline ``<script>`` blocks (inline panels, date pickers) and inline
  styles, so ``'unsafe-inline'`` is needed for scripts and styles there; everything else is
  still pinned (no third-party scripts, no plugins, forms post only to the CMS, frames
  limited to the CMS itself, the preview frontend and the two video hosts of the embed
  block). See docs/security-preview-media.md.
"""

from __future__ import annotations

from typing import Any

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase
from ninja.openapi.docs import Swagger

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class NewsroomCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the admin's policy under the admin's paths."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase):
        # Wagtail renders an admin preview by running the middleware again on a dummy request
        # for the page's own URL: leave the header to the real (admin) request around it.
        if getattr(request, "is_dummy", False):
            return response
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        admin_policy = getattr(settings, "NEWSROOM_CSP_ADMIN", None)
        if (
            not report_only
            and parts.config is None
            and admin_policy
            and request.path_info.startswith(ADMIN_PREFIXES)
        ):
            parts.config = {**admin_policy, "frame-src": _admin_frame_src(admin_policy)}
        return parts


def _admin_frame_src(policy: dict[str, Any]) -> list[str]:
    """The admin may frame the frontend (the preview panel shows it): its current origins."""
    from urllib.parse import urlsplit

    urls = [getattr(settings, "NEWSROOM_FRONTEND_URL", "")]
    preview = getattr(settings, "WAGTAIL_HEADLESS_PREVIEW", {}) or {}
    urls += list((preview.get("CLIENT_URLS") or {}).values())
    sources = list(policy.get("frame-src") or ["'self'"])
    for url in urls:
        parts = urlsplit(url or "")
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
        if origin and origin not in sources:
            sources.append(origin)
    return sources


class ShippedSwagger(Swagger):
    """Swagger UI from the static files Django Ninja ships (``ninja`` in INSTALLED_APPS).

    ``NEWSROOM_API_DOCS`` (off in production by default) turns the page off: 404. The
    OpenAPI document itself (``/api/v3/openapi.json``) stays: it is the API's contract.
    """

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any):
        if not getattr(settings, "NEWSROOM_API_DOCS", False):
            raise Http404("The interactive API docs are turned off (NEWSROOM_API_DOCS).")
        return super().render_page(request, api, **kwargs)
