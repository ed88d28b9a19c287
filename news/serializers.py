"""The JSON of pages: a news card and a full page, built once here and used by every endpoint.

API v3, API v2, preview, feeds and search call ``news_cards`` and ``page_detail``; nothing
else builds page JSON. Both bulk-load what they need through one ``Resolver``, so their query
count does not depend on the number of cards or blocks. The queries, and the related rows they
preload, are ``news.read.selectors``'; the pieces of JSON (images, people, rich text) are
``news.read``'s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from wagtail.models import Page

from news import api_cache
from news.models import NewsPage
from news.read.images import image_data, related_image, social_image_data
from news.read.people import person_data
from news.read.resolver import Resolver, page_path, resolving
from news.read.richtext import rich_text_html
from news.read.selectors import (
    NEWS_CARD_DEFERRED,
    card_rows,
    news_queryset,
    prefetch_card_data,
    visible_news_page_row,
    with_card_prefetches,
)
from news.related import related_queryset

RELATED_POSTS = 3
logger = logging.getLogger(__name__)


def visible_news_page(page_id: int, *, request=None) -> NewsPage | None:
    """The live, public, unexpired post ``page_id`` (bare: no prefetches), or None.

    Read through the row cache under the request's content generation (news.api_cache), so
    a render that missed the response cache does not pay for building the page query again.
    """
    api_cache.depends_on(f"page:{page_id}")
    generation = getattr(request, "_newsroom_generation", None) if request is not None else None
    label = "news.newspage.visible"
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


def _is_bare(page: NewsPage) -> bool:
    """Fetched from the database without card prefetches (and not a preview in memory)."""
    return (
        page.pk is not None
        and "authors" not in getattr(page, "_prefetched_objects_cache", {})
        and not getattr(page, "_cluster_related_objects", None)
    )


def _authors(page: NewsPage) -> list[dict]:
    return [person_data(author.person) for author in page.authors.all()]


def _want_card_images(resolver: Resolver, page: NewsPage) -> None:
    resolver.want_image(page.feature_image_id)
    for author in page.authors.all():
        resolver.want_person_images(author.person)
    for organisation in page.organisations.all():
        resolver.want_image(organisation.logo_id)


def _card_dependencies(page: NewsPage) -> tuple[str, ...]:
    """The dependency tags of a card (news.api_cache): the post, its feature image, its
    authors with their headshots and organisations, its organisations with their logos."""
    tags = {f"page:{page.pk}", f"image:{page.feature_image_id}"}
    for author in page.authors.all():
        person = author.person
        tags |= {f"person:{person.pk}", f"image:{person.headshot_id}"}
        if person.organisation_id:
            tags |= {f"organisation:{person.organisation_id}"}
            tags |= {f"image:{person.organisation.logo_id}"}
    for organisation in page.organisations.all():
        tags |= {f"organisation:{organisation.pk}", f"image:{organisation.logo_id}"}
    return tuple(sorted(tag for tag in tags if not tag.endswith(":None")))


def _card(page: NewsPage) -> dict[str, Any]:
    api_cache.depends_on(*_card_dependencies(page))
    date = page.display_date
    return {
        "id": page.pk,
        "type": "news.NewsPage",
        "title": page.title,
        "subtitle": page.subtitle,
        "path": page_path(page),
        "date": date.isoformat() if date else None,
        "summary": page.summary,
        "feature_image": image_data(
            related_image(page, "feature_image"), alt=page.feature_image_alt or None
        ),
        "authors": _authors(page),
        "byline": page.byline,
        "category": {"name": page.category.name, "slug": page.category.slug}
        if page.category_id
        else None,
        "tags": sorted(tag.name for tag in page.tags.all()),
        "organisations": [
            {"id": org.pk, "slug": org.slug, "name": org.name} for org in page.organisations.all()
        ],
        "reading_time": page.reading_time,
    }


# --- The card cache --------------------------------------------------------------------------
#
# A card is a pure function of the database at one content generation (news.api_cache: every
# change a reader could see starts a new one) and of the site the request came to (a card's
# path is relative to it). Cards are cached under (generation, host, page id): a cached card
# can never be served after the change that made it obsolete, in any process. Only used when
# the request has already read the generation (every public API request does, once), never
# for previews (drafts).


def _card_keys(page_ids: Sequence[int], request) -> dict[int, str] | None:
    generation = getattr(request, "_newsroom_generation", None) if request is not None else None
    if generation is None:
        return None
    host = request.get_host()
    return {pk: f"newsroom:card2:{generation}:{host}:{pk}" for pk in page_ids}


def _cache_get(keys: dict[int, str] | None) -> dict[int, dict[str, Any]]:
    """Cached cards by page id; the answer being rendered depends on what each one shows
    (its tags are stored with it)."""
    if not keys:
        return {}
    try:
        found = api_cache.response_cache().get_many(list(keys.values()))
    except Exception:  # a cache outage degrades to building the cards
        logger.warning("card cache read failed", exc_info=True)
        return {}
    cards = {}
    for pk, key in keys.items():
        if key in found:
            card, tags = found[key]
            api_cache.depends_on(*tags)
            cards[pk] = card
    return cards


def _cache_set(
    keys: dict[int, str] | None, cards: dict[int, dict[str, Any]], pages: Sequence[NewsPage]
) -> None:
    if not keys or not cards:
        return
    tags = {page.pk: _card_dependencies(page) for page in pages if page.pk in cards}
    try:
        api_cache.response_cache().set_many(
            {keys[pk]: (card, tags[pk]) for pk, card in cards.items() if pk in keys},
            getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600),
        )
    except Exception:
        logger.warning("card cache write failed", exc_info=True)


def news_cards(
    pages: Sequence[NewsPage], *, request=None, resolver: Resolver | None = None
) -> list[dict[str, Any]]:
    """Cards for ``pages`` (already fetched with ``with_card_prefetches``)."""
    keys = _card_keys([page.pk for page in pages if page.pk], request)
    cached = _cache_get(keys)
    todo = [page for page in pages if page.pk not in cached]
    if todo:
        resolver = resolver or Resolver(request=request)
        for page in todo:
            _want_card_images(resolver, page)
        resolver.load()
        with resolving(resolver):
            built = {page.pk: _card(page) for page in todo}
        _cache_set(keys, built, todo)
        cached.update(built)
    return [cached[page.pk] for page in pages]


def cards_for_ids(page_ids: Sequence[int], *, request=None) -> list[dict[str, Any]]:
    """Cards for these live posts, in this order: cached ones from the card cache, the rest
    loaded (pages without their body, with card prefetches) and built. Posts that are no
    longer visible to readers are left out."""
    keys = _card_keys(page_ids, request)
    cards = _cache_get(keys)
    missing = [pk for pk in page_ids if pk not in cards]
    if missing:
        pages = list(with_card_prefetches(card_rows(missing)))
        cards.update(zip([p.pk for p in pages], news_cards(pages, request=request), strict=True))
    return [cards[pk] for pk in page_ids if pk in cards]


def _related_rows(page: NewsPage, limit: int) -> list[NewsPage]:
    """Up to ``limit`` live posts related to ``page``, best first (ranking: news.related; one
    query; without their body, which a card does not show)."""
    queryset = related_queryset(page, news_queryset())
    return [] if queryset is None else list(queryset.defer(*NEWS_CARD_DEFERRED)[:limit])


def _cached_related(page: NewsPage, request) -> tuple[list[int], list[NewsPage] | None]:
    """The ids of ``page``'s related posts through the cache, keyed like cards by the content
    generation (which every change of a post, its tags, organisations or visibility bumps);
    on a miss also the rows (one query: a cold render does not pay for ids, then rows)."""
    generation = request._newsroom_generation
    key = f"newsroom:related:{generation}:{page.pk}:{page.category_id}:{RELATED_POSTS}"
    try:
        related_ids = api_cache.response_cache().get(key)
    except Exception:
        logger.warning("related posts cache read failed", exc_info=True)
        related_ids = None
    if related_ids is not None:
        api_cache.depends_on_related(page.pk, page.category_id, related_ids)
        return related_ids, None
    rows = _related_rows(page, RELATED_POSTS)
    related_ids = [row.pk for row in rows]
    api_cache.depends_on_related(page.pk, page.category_id, related_ids)
    try:
        api_cache.response_cache().set(
            key, related_ids, getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600)
        )
    except Exception:
        logger.warning("related posts cache write failed", exc_info=True)
    return related_ids, rows


def related_ids(page_id: int, category_id: int | None) -> list[int]:
    """The ids of a stored post's related posts now (one query): how the answer cache
    revalidates a cached detail after the set of live posts changed (news.api_cache)."""
    queryset = related_queryset(NewsPage(pk=page_id, category_id=category_id), news_queryset())
    if queryset is None:
        return []
    return list(queryset.values_list("pk", flat=True)[:RELATED_POSTS])


def page_detail(page: Page, *, request=None, include_drafts: bool = False) -> dict[str, Any]:
    """The full JSON of any page type: the same code path for published pages and previews.

    ``page`` must be the specific page. A NewsPage may come from ``with_card_prefetches``, be
    a preview carrying its authors and tags in memory, or come bare from ``news_queryset()``
    — then its card data and its related posts' are prefetched together (fewest queries).
    """
    resolver = Resolver(request=request, include_drafts=include_drafts)
    if isinstance(page, NewsPage):
        keys = None if include_drafts or not page.pk else _card_keys([page.pk], request)
        if keys is not None:
            # Cards from the card cache where possible; the page's own card data and the
            # missing related posts' are prefetched together, with the body's references.
            related_ids, rows = _cached_related(page, request)
            keys = _card_keys([page.pk, *related_ids], request)
            cards = _cache_get(keys)
            missing = [pk for pk in related_ids if pk not in cards]
            if rows is None and missing:
                rows = list(card_rows(missing))
            related = [row for row in rows or [] if row.pk in missing]
        else:
            related = _related_rows(page, RELATED_POSTS) if page.pk else []
            related_ids = [other.pk for other in related]
            cards = {}
        own = [] if page.pk in cards else [page]
        bare = [page] if own and _is_bare(page) else []
        prefetch_card_data(bare + related, include_drafts=include_drafts and bool(bare))
        for card_page in own + related:
            _want_card_images(resolver, card_page)
        _want_page(resolver, page)
        resolver.load()
        with resolving(resolver):
            built = {card_page.pk: _card(card_page) for card_page in own + related}
            _cache_set(keys, built, own + related)
            cards.update(built)
            card = cards[page.pk] if page.pk else built[None]
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
    prefetch_card_data(bare)
    for page in pages:
        _want_card_images(resolver, page)
        _want_page(resolver, page)
    resolver.load()
    with resolving(resolver):
        return [_news_page_data(page, _card(page), []) for page in pages]


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
