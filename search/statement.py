"""What the SQLite and PostgreSQL search statements share, and the reading of their rows.

Each backend (``search.sqlite_backend``, ``search.postgres_backend``) builds ONE statement
per search from the same parts: the promoted posts for the query (``promoted_cte``), the
conditions every search adds on the document ``d`` (``where_extra``: not expired, the
listing filters, exclusions), the LIMIT/OFFSET of ranked hits once promoted posts take the
first places (``page_bounds``), and the promoted rows after the hits (``PROMOTED_ROWS``).
``run_search`` executes it and turns its rows into a ``SearchResult``.

Highlights come back from the database with \\x02/\\x03 around matched words (characters the
indexer strips from all text), and are turned into escaped HTML with ``<mark>`` here.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from search import fulltext_sql as ddl

MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_WORDS = 32


@dataclass
class Hit:
    page_id: int
    score: float
    title_html: str
    excerpt_html: str


@dataclass
class SearchResult:
    hits: list[Hit]
    # Ranked hits in all (promotions not included); -1 when the page held no ranked hit.
    total: int
    # Promoted posts for the query that pass the filters, in the editors' order.
    promoted: list[int] = field(default_factory=list)


def marked_html(text: str | None) -> str:
    """Escape ``text`` for HTML and turn the database's markers into ``<mark>`` elements."""
    escaped = html.escape(text or "", quote=False)
    # Markers come in pairs; drop a stray one rather than leave an unclosed element.
    if escaped.count(MARK_START) != escaped.count(MARK_END):
        return escaped.replace(MARK_START, "").replace(MARK_END, "")
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def best_excerpt(*candidates: str | None) -> str:
    """The first candidate that contains a match, else the first non-empty one."""
    for text in candidates:
        if text and MARK_START in text:
            return marked_html(text)
    return marked_html(next((t for t in candidates if t), ""))


def where_extra(
    filter_sql: tuple[str, list] | None, exclude_ids: list[int], column: str
) -> tuple[str, list]:
    """Conditions every search adds on document ``d``: not expired, filters (a condition on
    ``d``, see ``search.filters.filter_condition``), exclusions."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql, params = " AND (d.expire_at IS NULL OR d.expire_at > %s)", [now]
    if filter_sql is not None:
        sql += f" AND {filter_sql[0]}"
        params += list(filter_sql[1])
    if exclude_ids:
        sql += f" AND {column} NOT IN ({', '.join(['%s'] * len(exclude_ids))})"
        params += list(exclude_ids)
    return sql, params


def promoted_cte(query_string: str, filter_sql: tuple[str, list] | None) -> tuple[str, list]:
    """Promoted posts for the (normalised) query that are indexed (live, public), unexpired
    and pass the filters; the editors' order is (sort_order, id)."""
    extra, params = where_extra(filter_sql, [], "d.page_id")
    sql = f"""SELECT sp.page_id AS page_id, sp.sort_order AS sort_order, sp.id AS id
        FROM {SearchPromotion._meta.db_table} sp
        JOIN {Query._meta.db_table} qs ON qs.id = sp.query_id
        JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = sp.page_id
        WHERE qs.query_string = %s {extra}"""
    return sql, [query_string, *params]


def page_bounds(greatest: str, least: str) -> str:
    """LIMIT/OFFSET of the ranked hits once the promoted posts take the first places.

    At least one row is always asked for, so that the window count comes back whenever there
    is any hit at the offset (the caller drops rows the page has no room for)."""
    promoted = "(SELECT count(*) FROM promoted)"
    shown = f"{least}(%(limit)s, {greatest}(0, {promoted} - %(offset)s))"
    return f"LIMIT {greatest}(1, %(limit)s - {shown}) OFFSET {greatest}(0, %(offset)s - {promoted})"


def named(sql: str, names: dict[str, object], positional: list) -> tuple[str, list]:
    """Expand %(name)s placeholders into positional ones (Django's SQLite cursor takes one
    style at a time), keeping the order of the remaining %s parameters."""
    out, params, index, position = [], [], 0, 0
    while True:
        start = sql.find("%", index)
        if start < 0:
            out.append(sql[index:])
            break
        out.append(sql[index:start])
        if sql.startswith("%s", start):
            params.append(positional[position])
            position += 1
            out.append("%s")
            index = start + 2
        elif sql.startswith("%(", start):
            end = sql.index(")s", start)
            params.append(names[sql[start + 2 : end]])
            out.append("%s")
            index = end + 2
        else:  # "%%"
            out.append(sql[start : start + 2])
            index = start + 2
    assert position == len(positional), "unused positional parameters"
    return "".join(out), params


def split_rows(rows: list[tuple], *, order) -> tuple[list[tuple], list[int]]:
    """Hit rows in rank order (``order`` sorts them), and the promoted page ids in the
    editors' order."""
    hits = order([row for row in rows if row[0] == "h"])
    promoted = sorted(
        (row for row in rows if row[0] == "p"),
        key=lambda row: (row[2] is None, row[2] or 0, row[3]),
    )
    return hits, [row[1] for row in promoted]


# The promoted posts, after the hits: the statement's rows are
# (kind, page_id, score | sort_order, total | id, date, title, excerpt, other excerpt, tier).
PROMOTED_ROWS = "SELECT 'p', page_id, sort_order, id, NULL, NULL, NULL, NULL, NULL FROM promoted"


def run_search(
    sql: str,
    names: dict[str, object],
    positional: list,
    *,
    order: Callable[[list[tuple]], list[tuple]],
    score: Callable[[object], float],
) -> SearchResult:
    """Execute one search statement (``named`` parameters) and read its hit and promoted
    rows: hits in rank order (``order``) with their score made "higher is better"."""
    sql, params = named(sql, names, positional)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hit_rows, promoted = split_rows(rows, order=order)
    hits = [
        Hit(
            page_id=row[1],
            score=score(row[2]),
            title_html=marked_html(row[5]),
            excerpt_html=best_excerpt(row[6], row[7]),
        )
        for row in hit_rows
    ]
    total = hit_rows[0][3] if hit_rows else -1
    return SearchResult(hits=hits, total=total, promoted=promoted)
