"""One search request, start to finish: promotions, ranked hits, cards, and recording the query.

Result order: the editors' promoted posts for this query (Wagtail search promotions, in their
admin order, only live public posts that pass the filters) and then the ranked matches
without those posts. ``limit``/``offset`` and ``count`` apply to that combined list.

Queries per request do not depend on ``limit``: 2 for the query log (first page only), 1
statement for promotions plus the ranked and highlighted page of hits (a second only when
``offset`` is past the last hit, to count), 1 for the content generation that keys the card
cache, and — when some card is not cached — the cards' fixed cost (``news.serializers``):
at most 10.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits

from news import api_cache
from news import representation as rep
from news.serializers import news_cards, news_queryset, with_card_prefetches
from search import filters as search_filters
from search.backends import Hit, get_backend
from search.query import ParsedQuery, check_length, parse, words_of
from search.query import QueryError as QueryError  # re-exported for the API

logger = logging.getLogger(__name__)


def normalise(query_string: str) -> str:
    from modelsearch.utils import normalise_query_string

    return normalise_query_string(query_string)


def record_query(query_string: str) -> None:
    """Count the search for the admin's "Search terms" report.

    Writes exactly what ``Query.get(q).add_hit()`` writes (the normalised query string and
    today's hit counter), but as two upserts: the ORM version costs 3 queries for a known
    query and up to 10 for a new one, and can race on the unique query string.
    """
    query_table = Query._meta.db_table
    hits_table = QueryDailyHits._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {query_table} (query_string) VALUES (%s)
                ON CONFLICT (query_string) DO UPDATE SET query_string = excluded.query_string
                RETURNING id""",
            [normalise(query_string)],
        )
        query_id = cursor.fetchone()[0]
        cursor.execute(
            f"""INSERT INTO {hits_table} (query_id, date, hits) VALUES (%s, %s, 1)
                ON CONFLICT (query_id, date) DO UPDATE SET hits = {hits_table}.hits + 1""",
            [query_id, timezone.localdate()],
        )


def _card_key(generation: str, host: str, page_id: int) -> str:
    return f"newsroom:search-card:{generation}:{host}:{page_id}"


def cached_cards(page_ids: list[int], *, request=None) -> dict[int, dict[str, Any]]:
    """The news cards of these posts, from the cache where possible, built otherwise.

    Cards are ``news.serializers.news_cards`` output, cached under the API's content
    generation (``news.api_cache``): any change a reader could see — a post, a snippet, an
    image, a category or tag, a site, an expiry — starts a new generation, so a cached card
    is never served stale, in any process. The host is part of the key because a card's
    path depends on the site. Posts that are no longer live and public get no card. Costs
    1 query (the generation) plus, when some card is missing, the cards' own fixed cost.
    """
    if not page_ids:
        return {}
    generation = api_cache.current_generation(request)
    host = request.get_host() if request is not None else ""
    keys = {pk: _card_key(generation, host, pk) for pk in page_ids}
    cache = api_cache.response_cache()
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:  # a cache outage degrades to building the cards
        logger.warning("search card cache read failed", exc_info=True)
        found = {}
    cards = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in page_ids if pk not in cards]
    if missing:
        # Cards never read the body: leaving it out halves the cost of loading the posts.
        pages = with_card_prefetches(news_queryset().defer("body").filter(pk__in=missing))
        built = {card["id"]: card for card in news_cards(list(pages), request=request)}
        cards.update(built)
        try:
            cache.set_many(
                {keys[pk]: card for pk, card in built.items()},
                getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600),
            )
        except Exception:
            logger.warning("search card cache write failed", exc_info=True)
    return cards


def _promoted_item(card: dict[str, Any]) -> dict[str, Any]:
    return {
        **card,
        "promoted": True,
        "highlight": {
            "title": html.escape(card["title"], quote=False),
            "excerpt": html.escape(card.get("summary") or "", quote=False),
        },
    }


def _hit_item(card: dict[str, Any], hit: Hit) -> dict[str, Any]:
    return {
        **card,
        "promoted": False,
        "highlight": {"title": hit.title_html, "excerpt": hit.excerpt_html},
    }


def search(params: search_filters.SearchParams, *, request=None) -> dict[str, Any]:
    """The /search/ response body for validated ``params`` (raises ``QueryError`` for bad q)."""
    text = check_length(params.q)
    parsed = parse(text)
    if params.offset == 0:
        # One search, one hit: turning to page 2 of the same results is not a new search.
        record_query(text)
    if parsed.is_empty:
        # Only emoji or punctuation: nothing to look for, but not the reader's fault.
        return {"count": 0, "items": []}

    backend = get_backend()
    filter_sql = search_filters.filter_subquery(params.filters)
    # One statement: the promoted posts, the page of ranked hits after them, the hit count.
    result = backend.search(
        parsed,
        query_string=normalise(text),
        filter_sql=filter_sql,
        limit=params.limit,
        offset=params.offset,
    )
    promoted = result.promoted
    # Which promoted posts fall on this page, then how many ranked hits fill it.
    shown_promoted = promoted[params.offset : params.offset + params.limit]
    hit_offset = max(0, params.offset - len(promoted))
    hits = result.hits[: params.limit - len(shown_promoted)]
    total_hits = result.total
    if total_hits < 0 and hit_offset == 0:
        total_hits = 0  # nothing matched at all
    elif total_hits < 0:
        # Past the last ranked hit: the statement had no row to count with.
        total_hits = backend.count(parsed, filter_sql=filter_sql, exclude_ids=promoted)

    ids = [*shown_promoted, *(hit.page_id for hit in hits)]
    cards = cached_cards(ids, request=request)
    items = [_promoted_item(cards[pk]) for pk in shown_promoted if pk in cards]
    items += [_hit_item(cards[hit.page_id], hit) for hit in hits if hit.page_id in cards]
    return {"count": len(promoted) + total_hits, "items": items}


def suggest(q: str, limit: int, *, request=None) -> dict[str, Any]:
    """Titles of live posts whose words start with what was typed (search-as-you-type)."""
    text = check_length(q)
    words = words_of(text)
    if not words:
        return {"items": []}
    found = get_backend().suggest(ParsedQuery(terms=words[:8]), limit=limit)
    if not found:
        return {"items": []}
    pages = (
        news_queryset()
        .select_related(None)
        .filter(pk__in=[pk for pk, _ in found])
        .only("pk", "title", "url_path", "path", "depth")
    )
    paths = {page.pk: rep.page_path(page) for page in pages}
    return {
        "items": [
            {"id": pk, "title": title, "path": paths[pk]} for pk, title in found if pk in paths
        ]
    }
