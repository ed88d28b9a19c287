"""The JSON of pages: a news card and a full page, built once here and used by every endpoint.

API v3, API v2, preview, feeds and search call ``news_cards`` and ``page_detail``; nothing
else builds page JSON. Both bulk-load what they need through one ``Resolver``, so their query
count does not depend on the number of cards or blocks. The queries, and the related rows they
preload, are ``news.read.selectors``'; the pieces of JSON (images, people, rich text) are
``news.read``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects
from wagtail.models import Page

from news import api_cache
from news.cards import (
    CARD_ROWS,
    CardSource,
    add_links,
    build_card,
    card_cache_get,
    card_cache_keys,
    card_cache_set,
    source_of_page,
    source_of_row,
    sources_for_ids,
    sources_for_rows,
    want_card_images,
)
from news.models import NewsPage
from news.read import near_cache
from news.read.images import related_image, social_image_data
from news.read.resolver import Resolver, page_path, resolving
from news.read.richtext import rich_text_html
from news.read.selectors import (
    NEWS_CARD_RELATED,
    prefetch_card_data,
    visible_news_page_row,
)
from news.related import (
    RELATED_POSTS,
    related_card_rows,
    related_ids,  # noqa: F401  (the answer cache's revalidation uses it)
)

logger = logging.getLogger(__name__)


VISIBLE_NEWS_PAGE_ROWS = "news.newspage.visible"  # the row cache's label of visible posts


def visible_news_page(page_id: int, *, request=None) -> NewsPage | None:
    """The live, public, unexpired post ``page_id`` (bare: no prefetches), or None.

    Read through the row cache under the request's content generation (news.api_cache), so
    a render that missed the response cache does not pay for building the page query again.
    """
    api_cache.depends_on(f"page:{page_id}")
    generation = getattr(request, "_newsroom_generation", None) if request is not None else None
    label = VISIBLE_NEWS_PAGE_ROWS
    if generation is not None:
        rows, absent = api_cache.get_rows(generation, label, [page_id])
        if page_id in absent:
            return None
        if page_id in rows:
            return rows[page_id]
    page = visible_news_page_row(page_id)
    if generation is not None:
        if page is None:
            api_cache.set_rows(generation, label, {}, [page_id])
        else:
            api_cache.set_rows(generation, label, {page_id: page})
    return page


def remember_visible_news_page(page: NewsPage, *, request=None) -> None:
    """Keep ``page`` (read by another statement, such as a route lookup's) in the row cache
    where ``visible_news_page`` looks, under the request's content generation."""
    generation = getattr(request, "_newsroom_generation", None) if request is not None else None
    if generation is not None:
        api_cache.set_rows(generation, VISIBLE_NEWS_PAGE_ROWS, {page.pk: page})


def _is_bare(page: NewsPage) -> bool:
    """Fetched from the database without card prefetches (and not a preview in memory)."""
    return (
        page.pk is not None
        and "authors" not in getattr(page, "_prefetched_objects_cache", {})
        and not getattr(page, "_cluster_related_objects", None)
    )


def _build_cards(
    sources: Sequence[CardSource], resolver: Resolver, keys: dict[int, str] | None = None
) -> dict[Any, dict[str, Any]]:
    """Cards of ``sources`` by post id, built in the active (loaded) resolver; cached under
    ``keys``."""
    built = {source.pk: build_card(source, resolver) for source in sources}
    card_cache_set(keys, built)
    return {pk: card for pk, (card, _tags) in built.items()}


def news_cards(pages: Sequence[NewsPage], *, request=None) -> list[dict[str, Any]]:
    """Cards for ``pages`` (already fetched with ``with_card_prefetches``: feeds)."""
    keys = card_cache_keys([page.pk for page in pages if page.pk], request)
    cached = card_cache_get(keys)
    todo = [source_of_page(page, links=True) for page in pages if page.pk not in cached]
    if todo:
        cached.update(_cards_of(todo, request, keys))
    return [cached[page.pk] for page in pages]


def _cards_of(
    sources: Sequence[CardSource], request, keys: dict[int, str] | None
) -> dict[Any, dict[str, Any]]:
    resolver = Resolver(request=request)
    for source in sources:
        want_card_images(resolver, source)
    resolver.load()
    with resolving(resolver):
        return _build_cards(sources, resolver, keys)


def cards_for_ids(page_ids: Sequence[int], *, request=None) -> list[dict[str, Any]]:
    """Cards for these live posts, in this order: cached ones from the card cache, the rest
    read as plain rows (``news.cards``) and built. Posts that are no longer visible to
    readers are left out."""
    return _cards_for(page_ids, request, sources_for_ids)


def cards_for_rows(rows: Sequence[tuple], *, request=None) -> list[dict[str, Any]]:
    """Cards for these visible posts' card rows (``CARD_COLUMNS``, as the listing reads
    them), in this order: cached ones from the card cache, the rest built from their rows
    (one statement for what they list)."""
    by_id = {row[0]: row for row in rows}
    return _cards_for(
        list(by_id), request, lambda missing: sources_for_rows(by_id[pk] for pk in missing)
    )


def _cards_for(
    page_ids: Sequence[int], request, sources_of: Callable[[list[int]], dict[int, CardSource]]
) -> list[dict[str, Any]]:
    keys = card_cache_keys(page_ids, request)
    cards = card_cache_get(keys)
    missing = [pk for pk in page_ids if pk not in cards]
    if missing:
        sources = sources_of(missing)
        cards.update(_cards_of([sources[pk] for pk in missing if pk in sources], request, keys))
    return [cards[pk] for pk in page_ids if pk in cards]


def _cached_related(page: NewsPage, request) -> tuple[list[int], list[tuple] | None]:
    """The ids of ``page``'s related posts through the cache, keyed like cards by the content
    generation (which every change of a post, its tags, organisations or visibility bumps);
    on a miss also their card rows (one statement: the ranking selects the card columns)."""
    generation = request._newsroom_generation
    key = f"newsroom:related:{generation}:{page.pk}:{page.category_id}:{RELATED_POSTS}"
    try:
        related_ids = near_cache.get_many(api_cache.cache_alias(), [key]).get(key)
    except Exception:
        logger.warning("related posts cache read failed", exc_info=True)
        related_ids = None
    if related_ids is not None:
        api_cache.depends_on_related(page.pk, page.category_id, related_ids)
        return related_ids, None
    rows = related_card_rows(page)
    related_ids = [row[0] for row in rows]
    api_cache.depends_on_related(page.pk, page.category_id, related_ids)
    try:
        near_cache.set_many(
            api_cache.cache_alias(),
            {key: related_ids},
            getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600),
        )
    except Exception:
        logger.warning("related posts cache write failed", exc_info=True)
    return related_ids, rows


def page_detail(page: Page, *, request=None, include_drafts: bool = False) -> dict[str, Any]:
    """The full JSON of any page type: the same code path for published pages and previews.

    ``page`` must be the specific page. A NewsPage may come from ``with_card_prefetches``, be
    a preview carrying its authors and tags in memory, or come bare from ``news_queryset()``
    — then its card data and its related posts' are prefetched together (fewest queries).
    """
    resolver = Resolver(request=request, include_drafts=include_drafts)
    if isinstance(page, NewsPage):
        keys = None if include_drafts or not page.pk else card_cache_keys([page.pk], request)
        if keys is not None:
            # Cards from the card cache where possible; the ranking reads the related posts'
            # card rows on a miss; what the missing cards list is read in one statement.
            related_ids, rows = _cached_related(page, request)
            keys = card_cache_keys([page.pk, *related_ids], request)
            cards = card_cache_get(keys)
        else:
            rows = related_card_rows(page) if page.pk else []
            related_ids = [row[0] for row in rows]
            cards = {}
        missing = [pk for pk in related_ids if pk not in cards]
        if rows is None and missing:
            rows = CARD_ROWS.run(ids=missing)
        unlinked = {row[0]: source_of_row(row) for row in rows or [] if row[0] in missing}
        related = list(unlinked.values())
        own = []
        if page.pk not in cards:
            bare = _is_bare(page) and not include_drafts
            if _is_bare(page) and include_drafts:  # a preview of a stored post: drafts too
                prefetch_card_data([page], include_drafts=True)
            own = [source_of_page(page, links=not bare)]
            if bare:
                unlinked[page.pk] = own[0]
        add_links(unlinked)
        for source in own + related:
            want_card_images(resolver, source)
        _want_page(resolver, page)
        resolver.load()
        with resolving(resolver):
            cards.update(_build_cards(own + related, resolver, keys))
            card = cards[page.pk]
            return _news_page_data(page, card, [cards[pk] for pk in related_ids if pk in cards])
    with resolving(resolver):
        data = _base_data(page)
        for field in ("intro", "tagline"):
            if hasattr(page, field):
                value = getattr(page, field)
                data[field] = rich_text_html(value) if field == "intro" else value
        return data


def _want_page(resolver: Resolver, page: NewsPage) -> None:
    """Note what a post's own JSON refers to beyond its card: social image, body."""
    resolver.want_image(page.feature_image_id, social=True)
    resolver.collect_stream(page.body.stream_block, page.body.raw_data)


def _base_data(page: Page) -> dict[str, Any]:
    """What every page's JSON has (inside the active resolver)."""
    locale = getattr(page, "locale", None)
    return {
        "id": page.pk,
        "type": f"{page._meta.app_label}.{page.__class__.__name__}",
        "title": page.title,
        "slug": page.slug,
        "path": page_path(page) if page.pk else "",
        "seo": _seo(page),
        "meta": {
            "first_published_at": page.first_published_at.isoformat()
            if page.first_published_at
            else None,
            "last_published_at": page.last_published_at.isoformat()
            if page.last_published_at
            else None,
            "locale": locale.language_code if locale is not None else "",
        },
    }


def _news_page_data(page: NewsPage, card: dict, related: list[dict]) -> dict[str, Any]:
    data = _base_data(page)
    data.update(card)
    data["path"] = page_path(page) if page.pk else ""
    data["body"] = page.body.stream_block.get_api_representation(page.body, context={})
    data["related"] = related
    return data


def page_details(pages: Sequence[NewsPage], *, request=None) -> list[dict[str, Any]]:
    """``page_detail`` of many posts with one Resolver, without related posts (``[]``): for
    listings that show whole posts (API v2 with ``fields=body``), in a constant number of
    queries whatever the number of posts and blocks."""
    resolver = Resolver(request=request)
    bare = [page for page in pages if _is_bare(page)]
    # Fetched by Wagtail's listing: category and locale, unless selected with the rows.
    prefetch_related_objects(bare, *NEWS_CARD_RELATED)
    sources = [source_of_page(page, links=not _is_bare(page)) for page in pages]
    add_links({source.pk: source for source in sources if _is_bare(source.page)})
    for page, source in zip(pages, sources, strict=True):
        want_card_images(resolver, source)
        _want_page(resolver, page)
    resolver.load()
    with resolving(resolver):
        cards = _build_cards(sources, resolver)
        return [_news_page_data(page, cards[page.pk], []) for page in pages]


def detail_for(page: Page, request=None) -> dict[str, Any]:
    """The page's Newsroom JSON, built once per page object: Wagtail's own serialisers read
    several fields of it (``news.api_fields``). ``attach_details`` fills it in bulk."""
    detail = getattr(page, "_newsroom_detail", None)
    if detail is None:
        detail = page_detail(page, request=request)
        page._newsroom_detail = detail
    return detail


def attach_details(pages: Sequence[Page], *, request=None) -> None:
    """Build the Newsroom JSON of every NewsPage in ``pages`` at once (see ``page_details``)."""
    todo = [
        page
        for page in pages
        if isinstance(page, NewsPage) and getattr(page, "_newsroom_detail", None) is None
    ]
    for page, detail in zip(todo, page_details(todo, request=request), strict=True):
        page._newsroom_detail = detail


def _seo(page: Page) -> dict[str, Any]:
    # Not hasattr(page, "feature_image"): that would load the image, one query more.
    feature = related_image(page, "feature_image") if isinstance(page, NewsPage) else None
    summary = getattr(page, "summary", "")
    return {
        "title": page.seo_title or page.title,
        "description": page.search_description or summary,
        "canonical_url": getattr(page, "canonical_url", "") or "",
        "social_image": social_image_data(feature),
    }
