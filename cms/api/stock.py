"""Tightens Wagtail's stock v3 endpoints: what an anonymous reader may see, and bad offsets.

Wagtail's public tier (``get_public_pages_queryset``) returns live pages outside view
restrictions but does not look at ``expire_at``: a page past its expiry stays visible until
the ``publish_scheduled`` command runs. Newsroom's rule is "expired pages never appear", so
the function the v3 pages router calls for anonymous requests is replaced here, once, before
the router is used: ``reader_visible`` plus Wagtail's site scoping.

Wagtail's listings (pages, images, documents, redirects) accept any ``offset`` ≥ 0, and an
offset past the database's integer range is a 500 (SQLite: "datatype mismatch" or an
OverflowError; PostgreSQL: bigint out of range). Its paginator already answers 400 for a
``limit`` over ``WAGTAILAPI_LIMIT_MAX``; it answers 400 for an offset over ``MAX_OFFSET``
too, and the OpenAPI document states that maximum (``cms.api.openapi``).

Wagtail's ``/pages/find/`` reads ``?site=hostname[:port]`` without catching what a bad
value raises (a non-numeric port: ValueError from the database field; a hostname shared by
several sites: ValueError from Wagtail), so both were 500s. The listing already turns them
into 400s; the find view is wrapped to do the same.

Wagtail's redirects endpoints (``/api/v3/redirects/``, ``/find/``, ``/{id}/``) are public and
would list redirects to drafts and private pages (``redirect_page_id``). Anonymous readers, and
token holders who may not manage redirects, only get redirects to a link or to a page readers
can see (``cms.redirects``); the others are left out of the listing and are a 404.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja.errors import HttpError
from wagtail.api.v3 import querysets as v3_querysets
from wagtail.api.v3.pagination import WagtailLimitOffsetPagination
from wagtail.api.v3.querysets import get_pages_queryset
from wagtail.api.v3.routers.pages import router as pages_router
from wagtail.api.validators import SiteFilterValidator
from wagtail.contrib.redirects.api.v3.router import router as redirects_router
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Site

from cms import redirects
from news.models import NewsPage
from news.read.selectors import reader_visible, visible_page_by_path
from news.serializers import detail_for, visible_news_page

# The same bound as Newsroom's own listings.
MAX_OFFSET = 1_000_000

_stock_paginate = WagtailLimitOffsetPagination.paginate_queryset


def get_public_pages_queryset(request, model=None):
    """Wagtail's public tier with Newsroom's visibility rule (``reader_visible``: live, not
    expired, outside every view restriction, in one SQL condition — Wagtail's own reads every
    restriction row first), scoped to the requested site like Wagtail's."""
    model = model or Page
    queryset = reader_visible(model._default_manager.all())
    site = SiteFilterValidator(site=request.GET.get("site"), request=request).site_obj
    if site is None:  # no site configured
        return queryset.none()
    scoped = queryset.descendant_of(site.root_page, inclusive=True)
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        for translation in site.root_page.get_translations():
            scoped |= queryset.descendant_of(translation, inclusive=True)
    return scoped


def paginate_queryset(self, queryset, pagination, request, **params: Any) -> dict[str, Any]:
    """Wagtail's pagination, refusing an offset no listing can reach (before any query)."""
    if pagination.offset > MAX_OFFSET:
        raise HttpError(400, f"offset cannot be higher than {MAX_OFFSET}")
    if queryset.model is Redirect and not redirects.may_see_every_redirect(request):
        queryset = redirects.visible_redirects(queryset)
    return _stock_paginate(self, queryset, pagination, request, **params)


def check_site_parameter(view):
    """A bad ``site`` is the client's mistake: 400, as on the pages listing."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        site = kwargs.get("site")
        if site:
            _hostname, colon, port = site.partition(":")
            if colon and not (port.isascii() and port.isdigit()):
                raise HttpError(400, "site: give a hostname, or hostname:port (a number).")
        try:
            return view(request, *args, **kwargs)
        except ValueError as error:
            if isinstance(error.__cause__, Site.MultipleObjectsReturned):
                raise HttpError(400, str(error)) from None
            raise

    wrapper._newsroom_checks_site = True
    return wrapper


def public_post(request, page_id: int) -> NewsPage | None:
    """For a reader (no user, no ``site`` parameter): the post ``page_id`` if the public tier
    (``get_public_pages_queryset``) holds it, as the news endpoints read it (one statement
    compiled once per process, or the row cache); None: Wagtail's own way decides."""
    if request.user.is_authenticated or "site" in request.GET:
        return None
    site = Site.find_for_request(request)
    post = visible_news_page(page_id, request=request) if site is not None else None
    if post is None or not post.path.startswith(site.root_page.path):
        return None
    # Its visible pages are the site's (v2's parent field reads its parent within them).
    post._newsroom_site_root_path = site.root_page.path
    # What Wagtail's queryset selects with the page (ContentType's cache: no query).
    post.content_type = ContentType.objects.get_for_id(post.content_type_id)
    return post


def _parent_for_reader(page: Page) -> None:
    """Wagtail's page schema shows the parent (treebeard's ``get_parent``, which keeps what
    it read on the page) whatever its state: a live page under a draft or expired section
    would show that section's title. A reader gets it only when readers may see it (else
    ``parent`` is null, as v2's is), read by a statement compiled once per process."""
    if page.depth > 1:
        page._cached_parent_obj = visible_page_by_path(page.path[: -page.steplen])


def page_detail_keeping_locale(view):
    """Wagtail's page detail view, but the specific page keeps the locale its base row was
    read with (``get_pages_queryset`` selects it; ``Page.specific`` drops it): one query
    less for every page JSON, which shows the page's locale."""

    @wraps(view)
    def wrapper(request, page_id: int, version: str = "live", rich_text_format=None):
        post = public_post(request, page_id)
        if post is not None:
            detail_for(post, request)
            _parent_for_reader(post)
            return post
        page = get_object_or_404(get_pages_queryset(request), pk=page_id)
        if version == "draft" and request.user.is_authenticated:
            return page.get_latest_revision_as_object()
        specific = page.specific
        if not request.user.is_authenticated:
            _parent_for_reader(specific)
        if specific is not page and "locale" in page._state.fields_cache:
            specific.locale = page.locale
        if isinstance(specific, NewsPage):
            # The live post's JSON, built now with the request (its site, and for an
            # anonymous reader the generation-keyed row and card caches): Wagtail's field
            # resolvers then read it (news.api_fields) and would otherwise build it without.
            detail_for(specific, request)
        return specific

    wrapper._newsroom_keeps_locale = True
    return wrapper


def _wrap_find_page() -> None:
    # Before the router is bound to the API (cms.api.urls reads ``api.urls`` afterwards):
    # the bound copies of the operation take their view function from these.
    for path_view in pages_router.path_operations.values():
        for operation in path_view.operations:
            is_find = getattr(operation, "operation_id", None) == "pages_find"
            if is_find and not getattr(operation.view_func, "_newsroom_checks_site", False):
                operation.view_func = check_site_parameter(operation.view_func)
            is_detail = getattr(operation, "operation_id", None) == "pages_detail"
            if is_detail and not getattr(operation.view_func, "_newsroom_keeps_locale", False):
                operation.view_func = page_detail_keeping_locale(operation.view_func)


def hide_redirects_to_hidden_pages(view):
    """Redirect detail and find: a redirect to a page readers cannot see is a 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not redirects.may_see_every_redirect(request):
            found = None
            if kwargs.get("redirect_id") is not None:
                found = Redirect.objects.filter(pk=kwargs["redirect_id"]).first()
            elif kwargs.get("html_path"):
                found = get_redirect(request, kwargs["html_path"])
            elif kwargs.get("id"):
                found = Redirect.objects.filter(pk=kwargs["id"]).first()
            if found is not None and not redirects.is_visible(found):
                raise Http404("No Redirect matches the given query.")
        return view(request, *args, **kwargs)

    wrapper._newsroom_hides_redirects = True
    return wrapper


def _wrap_redirect_reads() -> None:
    for path_view in redirects_router.path_operations.values():
        for operation in path_view.operations:
            reads = getattr(operation, "operation_id", None) in {
                "redirects_detail",
                "redirects_find",
            }
            if reads and not getattr(operation.view_func, "_newsroom_hides_redirects", False):
                operation.view_func = hide_redirects_to_hidden_pages(operation.view_func)


def install() -> None:
    """Idempotent: wrap the stock functions once."""
    if v3_querysets.get_public_pages_queryset is not get_public_pages_queryset:
        v3_querysets.get_public_pages_queryset = get_public_pages_queryset
    if WagtailLimitOffsetPagination.paginate_queryset is not paginate_queryset:
        WagtailLimitOffsetPagination.paginate_queryset = paginate_queryset
    _wrap_find_page()
    _wrap_redirect_reads()
