"""``GET /api/v3/site/``: the site's chrome in one request — name, tagline, home page,
navigation and feed URLs — for the site the request's host belongs to.

The navigation is what editors manage under Settings → Navigation (``home.NavigationSettings``):
their ordered menu items (a page or an external URL each) and, as they choose, the home page's
children with "Show in menus" ticked. A page is listed only while a reader may see it (live,
not expired, no view restriction: ``news.read.selectors.reader_visible``) and only when it
belongs to this site's tree; its ``href`` is its frontend path (``page_path``).

Like Newsroom's other public endpoints the answer goes through ``public_response``: strict
parameters (none are accepted), the generation ETag and 304, the response cache. Every change
to the setting, its items, pages or sites bumps the content generation (news/api_cache.py).
A render costs a constant handful of queries whatever the length of the menu.
"""

from __future__ import annotations

import functools
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router
from pydantic import BaseModel, ConfigDict, Field
from wagtail.models import Page, Site

from cms.api.http import ProblemError, json_result, public_response
from cms.api.schemas import Problem
from home.models import MenuPages, NavigationMenuItem, NavigationSettings
from news.read.resolver import page_path
from news.read.selectors import reader_visible

router = Router(tags=["site"])


# --- The contract ----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NavigationItem(_Strict):
    """One entry of the site's menu."""

    type: Literal["page", "external"]
    label: str = Field(description="The editor's label, else the page's title (or the URL).")
    href: str = Field(
        description="The page's frontend path (e.g. `/news/`), or the external absolute URL."
    )
    page_id: int | None = Field(description="The page's id; null for an external link.")


class SiteHome(_Strict):
    """The site's root page."""

    id: int
    title: str
    path: str = Field(description="Its frontend path (`/`).")


class SiteFeeds(_Strict):
    """Feeds of the latest news, as paths on the API's origin."""

    rss: str
    atom: str


class SiteInfo(_Strict):
    """The site's name, tagline, home page, navigation and feeds."""

    name: str = Field(description="The site's name (Settings → Sites), else the home page title.")
    tagline: str = Field(description="The home page's tagline (may be empty).")
    home: SiteHome | None = Field(
        description="The root page; null while it is not visible to readers."
    )
    navigation: list[NavigationItem] = Field(
        description="The menu, in order: reader-visible pages and external links only."
    )
    feeds: SiteFeeds


# --- Building the answer ---------------------------------------------------------------------


@functools.cache
def _feeds() -> dict[str, str]:
    return {
        "rss": reverse("wagtailapi_v3:feed_rss"),
        "atom": reverse("wagtailapi_v3:feed_atom"),
    }


def _navigation(site: Site, root: Page) -> list[dict]:
    """The menu of ``site``: editors' items and/or "show in menus" children, visible ones only.

    Three queries at most (setting, items, pages), whatever the number of items.
    """
    setting = NavigationSettings.objects.filter(site=site).values_list("pk", "menu_pages").first()
    items = (
        list(
            NavigationMenuItem.objects.filter(setting_id=setting[0])
            .order_by("sort_order", "pk")
            .values_list("link_page_id", "link_url", "label")
        )
        if setting
        else []
    )
    menu_pages = setting[1] if setting else MenuPages.AUTO
    with_menu_pages = menu_pages in (MenuPages.BEFORE, MenuPages.AFTER) or (
        menu_pages == MenuPages.AUTO and not items
    )

    chosen_ids = {page_id for page_id, _, _ in items if page_id}
    wanted = Q(pk__in=chosen_ids) if chosen_ids else Q(pk__in=[])
    if with_menu_pages:
        wanted |= Q(depth=root.depth + 1, show_in_menus=True)
    pages: dict[int, Page] = {}
    if chosen_ids or with_menu_pages:
        # Only pages of this site's tree: the frontend routes nothing else.
        queryset = Page.objects.filter(wanted, path__startswith=root.path).order_by("path")
        pages = {page.pk: page for page in reader_visible(queryset)}

    def page_item(page: Page, label: str = "") -> dict | None:
        path = page_path(page)
        if not path:  # not routable on any site
            return None
        return {"type": "page", "label": label or page.title, "href": path, "page_id": page.pk}

    listed: list[dict | None] = []
    for page_id, url, label in items:
        if page_id:
            page = pages.get(page_id)
            listed.append(page_item(page, label) if page is not None else None)
        elif url:
            listed.append({"type": "external", "label": label or url, "href": url, "page_id": None})

    automatic: list[dict | None] = []
    if with_menu_pages:
        automatic = [
            page_item(page)
            for page in pages.values()
            if page.depth == root.depth + 1 and page.show_in_menus and page.pk not in chosen_ids
        ]

    ordered = automatic + listed if menu_pages == MenuPages.BEFORE else listed + automatic
    return [item for item in ordered if item is not None]


def site_payload(request: HttpRequest) -> dict:
    """The JSON of ``GET /api/v3/site/`` for the site of ``request`` (404 when none matches)."""
    site = Site.find_for_request(request)
    if site is None:
        raise ProblemError(404, "No site is configured for this host.")
    root = site.root_page  # selected together with the site
    # Visible root: its tagline (null when the root is not a HomePage); no row: not visible.
    row = (
        reader_visible(Page.objects.filter(pk=root.pk))
        .values_list("pk", "homepage__tagline")
        .first()
    )
    home = None
    if row is not None:
        home = {"id": root.pk, "title": root.title, "path": page_path(root) or "/"}
    return {
        "name": site.site_name or (root.title if row is not None else site.hostname),
        "tagline": (row[1] or "") if row is not None else "",
        "home": home,
        "navigation": _navigation(site, root),
        "feeds": _feeds(),
    }


# --- The endpoint ----------------------------------------------------------------------------


@router.get(
    "/",
    response={200: SiteInfo, 400: Problem, 404: Problem},
    summary="The site: name, tagline, home page, navigation and feeds",
    description=(
        "The site is the one the request's host belongs to (Wagtail's sites; the default site "
        "otherwise). `navigation` is managed by editors under Settings → Navigation: pages "
        "(only while published and public; `href` is the frontend path) and external links. "
        "No query parameters. 404 when no site matches the host."
    ),
    operation_id="site_info",
)
def site_info(request: HttpRequest) -> HttpResponse:
    return public_response(request, lambda: json_result(site_payload(request)))
