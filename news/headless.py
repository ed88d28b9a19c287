"""Wagtail's user bar on the headless frontend.

With ``REDIRECT_ON_PREVIEW`` the admin's preview panel shows the frontend's preview route
itself (no wrapper page in between), so Wagtail's user bar must be part of the frontend's
page for the panel's accessibility checker, content metrics and scroll restoration to work.
The frontend asks the CMS for it: ``GET /headless/userbar/?content_type=…&token=…`` answers
the user bar's HTML (absolute URLs to the admin's CSS and scripts) for a valid preview token,
and nothing (404) otherwise. Axe runs in the frontend's document and reports to the admin,
so the checker's configuration lists the frontend's origin in ``allowedOrigins``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from wagtail import hooks
from wagtail.admin.userbar import ContentCheckerItem, Userbar
from wagtail.models import Page

from news.preview import PreviewError, load_preview


def frontend_origin() -> str:
    parts = urlsplit(settings.NEWSROOM_FRONTEND_URL)
    return f"{parts.scheme}://{parts.netloc}"


class HeadlessContentCheckerItem(ContentCheckerItem):
    """Wagtail's checker, allowed to talk to the frontend, also flagging images without alt."""

    axe_run_only = [*ContentCheckerItem.axe_run_only, "image-alt"]
    axe_messages = {
        **ContentCheckerItem.axe_messages,
        "image-alt": {
            "error_name": "Image is missing alt text",
            "help_text": "Describe the image in the block's alt text field",
        },
    }

    def get_axe_spec(self, request):
        spec = super().get_axe_spec(request)
        # Axe talks across frames (the admin ↔ the frontend's document in the preview panel):
        # both sides must list the other's origin.
        origins = ["<same_origin>", frontend_origin()]
        if request is not None:
            origins.append(f"{request.scheme}://{request.get_host()}")
        admin_base = getattr(settings, "WAGTAILADMIN_BASE_URL", "")
        if admin_base:
            parts = urlsplit(admin_base)
            origins.append(f"{parts.scheme}://{parts.netloc}")
        spec["allowedOrigins"] = list(dict.fromkeys(origins))
        return spec


@hooks.register("construct_wagtail_userbar")
def use_headless_accessibility_item(request, items, page):
    for index, item in enumerate(items):
        if type(item) is not HeadlessContentCheckerItem and isinstance(item, ContentCheckerItem):
            items[index] = HeadlessContentCheckerItem(in_editor=item.in_editor)


@require_GET
def userbar(request: HttpRequest) -> HttpResponse:
    try:
        obj = load_preview(request.GET.get("content_type", ""), request.GET.get("token", ""))
    except PreviewError as error:
        return HttpResponse(status=error.status, headers={"Cache-Control": "private, no-store"})
    request.in_preview_panel = request.GET.get("in_preview_panel", "true") == "true"
    page = obj if isinstance(obj, Page) else None
    html = Userbar(object=page, position="bottom-right").render_html({"request": request})
    return HttpResponse(
        html,
        content_type="text/html; charset=utf-8",
        headers={"Cache-Control": "private, no-store"},
    )
