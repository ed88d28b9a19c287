"""Newsroom's v3 routers: news listing and detail, route lookup, feeds, and a trivial ping.

Every page JSON comes from ``news.serializers`` (``news_cards`` / ``page_detail``); these views
only choose *which* pages, check parameters, and go through ``public_response`` for ETag,
304 and the response cache.
"""

# Django Ninja declares parameters as Query(...)/Path(...) defaults, by design.
# ruff: noqa: B008

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from typing import Any, Literal

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Site

from cms.api import schemas
from cms.api.http import JSON, ProblemError, json_result, public_response
from news import api_cache
from news.api_cache import CachedResponse
from news.feeds import FEED_FORMATS, render_feed
from news.models import NewsPage, NewsPageTag
from news.read.resolver import page_path
from news.read.selectors import (
    card_values,
    news_queryset,
    reader_visible,
    visible_news_page_at,
    with_card_prefetches,
)
from news.read.statements import Statement, compiled_rows_query, convert_rows, statement_cursor
from news.serializers import (
    cards_for_ids,
    cards_for_rows,
    page_detail,
    remember_visible_news_page,
    visible_news_page,
)
from search.filters import FILTER_PARAMS, ParamError, parse_filters

ERRORS = {400: schemas.Problem, 404: schemas.Problem, 422: schemas.Problem}
LIMIT_MAX = 100
MAX_OFFSET = 1_000_000
MAX_PATH = 1024
MAX_ID = 2**62  # larger ids would overflow the database's integer, i.e. a 500

router = Router(tags=["news"])
route_router = Router(tags=["routing"])
feeds_router = Router(tags=["feeds"])
ping_router = Router(tags=["ping"])

Ordering = Literal["-date", "date", "title", "-title"]
ORDER_BY = {
    "-date": ("-date", "-pk"),
    "date": ("date", "pk"),
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
}
LISTING_PARAMS = ("limit", "offset", *FILTER_PARAMS, "ordering")


# --- News listing ----------------------------------------------------------------------------


def _filtered_news(filters: dict[str, Any], now: Any = None):
    """Visible news posts that pass ``filters`` (checked by ``search.filters.parse_filters``)."""
    tag, category = filters.get("tag"), filters.get("category")
    organisation, person = filters.get("organisation"), filters.get("person")
    year, month = filters.get("year"), filters.get("month")
    date_from, date_to = filters.get("date_from"), filters.get("date_to")
    queryset = news_queryset(now=now)
    if tag:
        queryset = queryset.filter(
            Exists(
                NewsPageTag.objects.filter(content_object=OuterRef("pk")).filter(
                    Q(tag__slug=tag) | Q(tag__name__iexact=tag)
                )
            )
        )
    if category:
        queryset = queryset.filter(category__slug=category)
    # Only published people and organisations can be filtered by: a draft's slug must give
    # what a made-up slug gives, or the count would reveal that the draft exists.
    if organisation:
        through = NewsPage.organisations.through
        queryset = queryset.filter(
            Exists(
                through.objects.filter(
                    newspage_id=OuterRef("pk"),
                    organisation__slug=organisation,
                    organisation__live=True,
                )
            )
        )
    if person:
        through = NewsPage.people.through
        queryset = queryset.filter(
            Exists(
                through.objects.filter(
                    newspage_id=OuterRef("pk"), person__slug=person, person__live=True
                )
            )
        )
    if year is not None:
        queryset = queryset.filter(date__year=year)
    if month is not None:
        queryset = queryset.filter(date__month=month)
    if date_from:
        queryset = queryset.filter(date__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(date__date__lte=date_to)
    return queryset


@functools.lru_cache(maxsize=512)
def _listing_statement(vendor: str, filters: tuple, ordering: str) -> tuple[str, tuple, list]:
    """SQL, parameters and converters for the card rows of one page of the listing
    (``LIMIT %s OFFSET %s`` appended): the cards missing from the card cache are built from
    these rows, with no query of their own for them.

    Newest or oldest first, the database walks the posts' date index and stops after the
    page (``news_post_date_idx``). The total is not counted here: a window count would read
    every visible post for each page (``_listing_total``).

    Built against the database's clock (``Now()``), with the page's bounds as parameters, the
    statement is a pure function of the filters, the ordering and the schema, so each
    process compiles it once: building and compiling this ORM query costs several times more
    than running it.
    """
    queryset = _filtered_news(dict(filters), now=Now()).order_by(*ORDER_BY[ordering])
    sql, params, converters = compiled_rows_query(card_values(queryset))
    # The same clause on SQLite and PostgreSQL.
    return f"{sql} LIMIT %s OFFSET %s", params, converters


@functools.lru_cache(maxsize=512)
def _count_statement(vendor: str, filters: tuple) -> tuple[str, tuple]:
    """SQL and parameters counting the posts that pass ``filters`` (compiled once, as above)."""
    queryset = _filtered_news(dict(filters), now=Now()).order_by()
    sql, params = queryset.values("pk").query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) counted", tuple(params)


def _listing_total(
    request: HttpRequest, filters: tuple, found: int, limit: int, offset: int
) -> int:
    """How many posts pass ``filters``, for a page that found ``found`` of them.

    A short page that is not empty is the last one: its end is the total. Otherwise the
    count is read once per content generation and filters (every change that can add, remove
    or re-file a post makes a new generation, in every process) and kept in the shared row
    cache, so the other pages of a listing do not count again.
    """
    if 0 < found < limit or (found == 0 and offset == 0):
        return offset + found

    def count() -> int:
        sql, params = _count_statement(connection.vendor, filters)
        with statement_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    return _kept_per_generation(
        api_cache.current_generation(request), "news.listing.count", filters, count
    )


def _kept_per_generation(generation: str, name: str, key: Any, read: Callable[[], Any]) -> Any:
    """``read()``, once per content generation and ``key`` (hashed), kept in the row cache:
    what a listing reads about all of its posts (its total, its order)."""
    label = f"{name}:{hashlib.sha256(repr(key).encode()).hexdigest()[:20]}"
    cached, _absent = api_cache.get_rows(generation, label, [0])
    if 0 in cached:
        return cached[0]
    value = read()
    api_cache.set_rows(generation, label, {0: value})
    return value


@dataclasses.dataclass(frozen=True)
class ListingOrder:
    """The ids of the posts that pass a listing's filters, in its order: all of them
    (``complete``) or the first ``LISTING_ORDER_MAX``."""

    ids: list[int]
    complete: bool


# Ids kept per generation, filters and ordering (ints pickled: ~5 bytes each in the cache).
LISTING_ORDER_MAX = 5_000


@functools.lru_cache(maxsize=512)
def _listing_order_statement(vendor: str, filters: tuple, ordering: str) -> tuple[str, tuple]:
    """SQL and parameters of the ids of the posts passing ``filters`` in ``ordering``, the
    first ``LISTING_ORDER_MAX`` + 1 (compiled once, as ``_listing_statement``)."""
    queryset = _filtered_news(dict(filters), now=Now()).order_by(*ORDER_BY[ordering])
    sql, params = queryset.values("pk").query.sql_with_params()
    return f"{sql} LIMIT {LISTING_ORDER_MAX + 1}", tuple(params)


def _listing_order(request: HttpRequest, filters: tuple, ordering: str) -> ListingOrder | None:
    """The listing's order under the request's content generation, read once per generation,
    filters and ordering and kept in the row cache (every change that can add, remove, hide,
    re-date or re-title a post makes a new generation, in every process, expiry included).

    A page is then a slice of it: its cards come from the card cache, and only the missing
    ones are read, by id. Deep pages cost what the first does; with ``LIMIT … OFFSET``
    PostgreSQL walked every post before the page (2–3 ms at a few hundred posts deep).
    None: no generation (nothing is cached for this request)."""
    generation = getattr(request, "_newsroom_generation", None)
    if generation is None:
        return None

    def order() -> ListingOrder:
        sql, params = _listing_order_statement(connection.vendor, filters, ordering)
        with statement_cursor() as cursor:
            cursor.execute(sql, params)
            ids = [pk for (pk,) in cursor.fetchall()]
        return ListingOrder(ids[:LISTING_ORDER_MAX], complete=len(ids) <= LISTING_ORDER_MAX)

    return _kept_per_generation(generation, "news.listing.order", (filters, ordering), order)


@router.get(
    "/",
    response={200: schemas.NewsList, **ERRORS},
    summary="List news posts (cards)",
    operation_id="news_list",
)
def news_list(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=LIMIT_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    filters: schemas.ListingFilters = Query(...),  # read in render(), see there
    ordering: Ordering = Query("-date"),
) -> HttpResponse:
    def render():
        try:
            # By hand, as search does: a bad filter is the same 400 in both (not Ninja's 422).
            checked = tuple(parse_filters(request.GET).items())
        except ParamError as error:
            raise ProblemError(400, str(error), error.problem_errors()) from None
        order = _listing_order(request, checked, ordering)
        if order is not None and (order.complete or offset + limit <= len(order.ids)):
            page_ids = order.ids[offset : offset + limit]
            items = cards_for_ids(page_ids, request=request) if page_ids else []
            if len(items) == len(page_ids):  # else a post is hidden since: read the page
                count = (
                    len(order.ids)
                    if order.complete
                    else _listing_total(request, checked, len(page_ids), limit, offset)
                )
                return json_result(
                    {"count": count, "limit": limit, "offset": offset, "items": items}
                )
        sql, params, converters = _listing_statement(connection.vendor, checked, ordering)
        with statement_cursor() as cursor:
            cursor.execute(sql, (*params, limit, offset))
            rows = convert_rows(cursor.fetchall(), converters)
        page_ids = [row[0] for row in rows]
        count = _listing_total(request, checked, len(page_ids), limit, offset)
        return json_result(
            {
                "count": count,
                "limit": limit,
                "offset": offset,
                "items": cards_for_rows(rows, request=request) if rows else [],
            }
        )

    return public_response(request, render, allowed=LISTING_PARAMS)


@router.get(
    "/{page_id}/",
    response={200: schemas.NewsPageDetail, **ERRORS},
    summary="A news post, fully resolved",
    operation_id="news_detail",
)
def news_detail(request: HttpRequest, page_id: int = Path(..., ge=1, le=MAX_ID)) -> HttpResponse:
    def render():
        # Bare: page_detail prefetches its card data together with its related posts'.
        page = visible_news_page(page_id, request=request)
        if page is None:
            raise ProblemError(404, f"No published news post with id {page_id}.")
        return json_result(page_detail(page, request=request))

    return public_response(request, render)


# --- Route lookup ----------------------------------------------------------------------------


def _specific_visible_page(
    request: HttpRequest, page_id: int, content_type_model: type[Page]
) -> Page | None:
    if issubclass(content_type_model, NewsPage):
        return visible_news_page(page_id, request=request)
    return reader_visible(content_type_model.objects.filter(pk=page_id)).first()


@functools.cache
def _route_statement(root_path: str) -> Statement:
    """The visible page at a url_path of the site whose root page has ``root_path`` (only
    within its tree: pages of other sites may share a url_path), as (id, content type id):
    compiled once per process and site (the database's clock: valid at every moment)."""

    def build(url_path: str):
        pages = Page.objects.filter(url_path=url_path, path__startswith=root_path)
        visible = reader_visible(pages, now=Now()).order_by("pk")
        return visible.values_list("pk", "content_type_id")[:1]

    return Statement(build)


def _route(request: HttpRequest, html_path: str):
    site = Site.find_for_request(request)
    if site is None:
        raise ProblemError(404, "No site is configured.")
    components = [part for part in html_path.split("/") if part]
    root_path = site.root_page.url_path
    url_path = root_path + "".join(f"{part}/" for part in components)

    # Most paths are posts': the post's row in one statement (kept in the row cache for its
    # detail); any other page is found by path, then read as its type.
    post = visible_news_page_at(url_path, site.root_page.path)
    if post is not None:
        api_cache.depends_on(f"page:{post.pk}")
        remember_visible_news_page(post, request=request)
        return json_result(page_detail(post, request=request))
    rows = _route_statement(site.root_page.path).run(url_path=url_path)
    row = rows[0] if rows else None
    # The answer shows that page (its own tags are recorded as it renders) or, for a
    # redirect or a 404, depends on which pages exist (news.api_cache).
    api_cache.depends_on(f"page:{row[0]}" if row is not None else api_cache.PAGES_TAG)
    if row is not None:
        from django.contrib.contenttypes.models import ContentType

        model = ContentType.objects.get_for_id(row[1]).model_class() or Page
        page = _specific_visible_page(request, row[0], model)
        if page is not None:
            return json_result(page_detail(page, request=request))

    redirect = _find_redirect(site, html_path)
    if redirect is not None:
        return json_result(redirect)
    return json_result(
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": f"Nothing is published at {html_path}.",
        },
        status=404,
    )


def _find_redirect(site: Site, html_path: str) -> dict | None:
    # The answer (a redirect, or a 404) depends on the redirects (news.api_cache).
    api_cache.depends_on(api_cache.REDIRECTS_TAG)
    path = Redirect.normalise_path(html_path)
    redirect = (
        Redirect.get_for_site(site)
        .filter(old_path=path)
        .select_related("redirect_page")
        .order_by("site_id")  # a site-specific redirect wins over an all-sites one
        .first()
    )
    if redirect is None:
        return None
    if redirect.redirect_page_id:
        target = reader_visible(Page.objects.filter(pk=redirect.redirect_page_id)).first()
        if target is None:  # pointing at a draft or private page: reveal nothing
            return None
        location = page_path(target)  # site-relative, like every path in the API
        if redirect.redirect_page_route_path:
            location = location.rstrip("/") + redirect.redirect_page_route_path
    elif redirect.redirect_link:
        location = redirect.redirect_link
    else:
        return None
    return {
        "type": "redirect",
        "status": 301 if redirect.is_permanent else 302,
        "location": location,
        "is_permanent": redirect.is_permanent,
    }


@route_router.get(
    "/",
    response={
        200: schemas.RouteResult,
        **ERRORS,
    },
    summary="Resolve a frontend path: page JSON, a redirect, or 404",
    description=(
        "One request turns a path such as `/news/some-post/` into the page's full JSON "
        '(`type` is the page type), a redirect (`type: "redirect"`, with `status` 301/302 and '
        "`location`), or a JSON 404. Redirects answer 200 so browsers' fetch() does not follow "
        "them to a URL the frontend should decide about."
    ),
    operation_id="route_lookup",
)
def route_lookup(
    request: HttpRequest,
    html_path: str = Query(..., min_length=1, max_length=MAX_PATH, pattern=r"^/[^\x00-\x1f]*$"),
) -> HttpResponse:
    return public_response(request, lambda: _route(request, html_path), allowed=("html_path",))


# --- Feeds -----------------------------------------------------------------------------------

FEED_ITEMS = 20


def _feed_view(request: HttpRequest, fmt: str) -> HttpResponse:
    def render():
        pages = list(with_card_prefetches(news_queryset())[:FEED_ITEMS])
        body, content_type = render_feed(fmt, pages, request=request)
        return CachedResponse(status=200, content_type=content_type, body=body)

    return public_response(request, render)


FEED_NAMES = {"rss": "RSS 2.0", "atom": "Atom 1.0"}


def _feed_doc(fmt: str) -> dict:
    return {
        "responses": {
            200: {
                "description": f"{FEED_NAMES[fmt]} feed of the latest news",
                # The media type without its charset parameter: generated clients match
                # responses by media type (the header keeps "; charset=utf-8").
                "content": {FEED_FORMATS[fmt].split(";")[0]: {"schema": {"type": "string"}}},
            }
        }
    }


@feeds_router.get(
    "/news.rss",
    summary="RSS 2.0 feed of the latest news",
    operation_id="feed_rss",
    openapi_extra=_feed_doc("rss"),
)
def feed_rss(request: HttpRequest) -> HttpResponse:
    return _feed_view(request, "rss")


@feeds_router.get(
    "/news.atom",
    summary="Atom feed of the latest news",
    operation_id="feed_atom",
    openapi_extra=_feed_doc("atom"),
)
def feed_atom(request: HttpRequest) -> HttpResponse:
    return _feed_view(request, "atom")


# --- Ping ------------------------------------------------------------------------------------

PING_BODY = b'{"ok":true}'


@ping_router.get(
    "/ping",
    response={200: schemas.Ping},
    summary="Liveness check (and the benchmark's ceiling: no database, no cache)",
    operation_id="ping",
)
def ping(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(PING_BODY, content_type=JSON)
    response["Cache-Control"] = "no-store"
    return response
