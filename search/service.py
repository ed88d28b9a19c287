"""One search request, start to finish: promotions, ranked hits, cards, and recording the query.

Result order: the editors' promoted posts for this query (Wagtail search promotions, in their
admin order, only live public posts that pass the filters) and then the ranked matches
without those posts. ``limit``/``offset`` and ``count`` apply to that combined list.

Queries per request do not depend on ``limit``: for the query log (first page only) 1 on
PostgreSQL and 2 on SQLite, 1 statement for promotions plus the ranked and highlighted page of
hits (a second only when ``offset`` is past the last hit, to count), 1 for the content
generation that keys the card cache, and — when some card is not cached — the cards' fixed
cost (``news.serializers``): at most 10.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits

from news import api_cache
from news.read.resolver import page_path
from news.read.selectors import news_queryset
from news.serializers import cards_for_ids
from search import filters as search_filters
from search.backends import Hit, get_backend
from search.query import ParsedQuery, check_length, parse, words_of
from search.query import QueryError as QueryError  # re-exported for the API


def normalise(query_string: str) -> str:
    from modelsearch.utils import normalise_query_string

    return normalise_query_string(query_string)


def log_cap() -> int:
    """How many distinct query strings the search log takes a day (``NEWSROOM_SEARCH_LOG_MAX_
    QUERIES_PER_DAY``); once reached, only queries already logged today are counted."""
    return int(getattr(settings, "NEWSROOM_SEARCH_LOG_MAX_QUERIES_PER_DAY", 1000))


def record_query(query_string: str) -> None:
    """Count the search for the admin's "Search terms" report.

    Writes what ``Query.get(q).add_hit()`` writes (the normalised query string and today's
    hit counter: one row per distinct query per day, not one per search), but as upserts: the
    ORM version costs 3 queries for a known query and up to 10 for a new one, and can race on
    the unique query string.

    The log is bounded: a query string that is not yet logged today is only added while fewer
    than ``log_cap()`` distinct queries have been logged today (anonymous readers could
    otherwise add a row per made-up query forever); past the cap the searches of queries
    already logged today are still counted. ``manage.py prune_search_log`` deletes old days.

    On PostgreSQL this is one statement, committed asynchronously: every autocommitted write
    otherwise waits for its WAL flush (1-10 ms on a busy disk), and a hit counter may lose the
    last fraction of a second of searches in a crash without harm — the database itself stays
    consistent. SQLite (WAL, ``synchronous=NORMAL``) does not sync on commit, so there it is
    two cheap statements (three once the day's cap is reached).
    """
    query_table = Query._meta.db_table
    hits_table = QueryDailyHits._meta.db_table
    cap = log_cap()
    today = timezone.localdate()
    normalised = normalise(query_string)
    # Counting stops at the cap, so the test reads at most ``cap`` index entries.
    under_cap = f"""(SELECT COUNT(*) FROM (SELECT 1 FROM {hits_table} WHERE date = %s
        LIMIT %s) AS today) < %s"""
    upsert_query = f"""INSERT INTO {query_table} (query_string) SELECT %s WHERE {under_cap}
        ON CONFLICT (query_string) DO UPDATE SET query_string = excluded.query_string
        RETURNING id"""
    upsert_params = [normalised, today, cap, cap]
    on_conflict = f"ON CONFLICT (query_id, date) DO UPDATE SET hits = {hits_table}.hits + 1"
    count_known = f"""UPDATE {hits_table} SET hits = hits + 1 WHERE date = %s
        AND query_id = (SELECT id FROM {query_table} WHERE query_string = %s)"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # set_config(..., true) lasts for this statement's own transaction only. Past the
            # cap ``q`` is empty and ``known`` counts a query already logged today.
            cursor.execute(
                f"""WITH async AS (SELECT set_config('synchronous_commit', 'off', true)),
                    q AS ({upsert_query}),
                    counted AS (INSERT INTO {hits_table} (query_id, date, hits)
                        SELECT q.id, %s, 1 FROM q, async {on_conflict} RETURNING 1),
                    known AS ({count_known} AND NOT EXISTS (SELECT 1 FROM q) RETURNING 1)
                    SELECT (SELECT COUNT(*) FROM counted), (SELECT COUNT(*) FROM known)""",
                [*upsert_params, today, today, normalised],
            )
            return
        cursor.execute(upsert_query, upsert_params)
        row = cursor.fetchone()
        if row is None:  # today's cap reached: count it only if it is logged today already
            cursor.execute(count_known, [today, normalised])
            return
        cursor.execute(
            f"INSERT INTO {hits_table} (query_id, date, hits) VALUES (%s, %s, 1) {on_conflict}",
            [row[0], today],
        )


def prune_log(days: int | None = None) -> tuple[int, int]:
    """Delete the search log's days older than ``days`` (``NEWSROOM_SEARCH_LOG_DAYS``), then
    the query strings left without any day and without an editor's promotion. Returns the
    number of (daily rows, query strings) deleted."""
    if days is None:
        days = int(getattr(settings, "NEWSROOM_SEARCH_LOG_DAYS", 30))
    oldest = timezone.localdate() - dt.timedelta(days=days)
    deleted_days, _ = QueryDailyHits.objects.filter(date__lt=oldest).delete()
    orphans = Query.objects.filter(daily_hits__isnull=True, editors_picks__isnull=True)
    deleted = orphans.delete()[1]
    return deleted_days, deleted.get(Query._meta.label, 0)


def cached_cards(page_ids: list[int], *, request=None) -> dict[int, dict[str, Any]]:
    """The news cards of these posts, by id: the listing's own cards and card cache
    (``news.serializers.cards_for_ids``, keyed by the content generation, so never stale).
    Posts that are no longer live and public get no card."""
    if not page_ids:
        return {}
    if request is not None:
        api_cache.current_generation(request)  # read once; it keys the card cache
    return {card["id"]: card for card in cards_for_ids(page_ids, request=request)}


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
        return {"count": 0, "limit": params.limit, "offset": params.offset, "items": []}

    backend = get_backend()
    filter_sql = search_filters.filter_condition(params.filters)
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
    return {
        "count": len(promoted) + total_hits,
        "limit": params.limit,
        "offset": params.offset,
        "items": items,
    }


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
    paths = {page.pk: page_path(page) for page in pages}
    return {
        "items": [
            {"id": pk, "title": title, "path": paths[pk]} for pk, title in found if pk in paths
        ]
    }
