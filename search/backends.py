"""Running searches against Newsroom's own index: SQLite FTS5 or PostgreSQL full-text search.

Each backend answers one ranked, filtered, paginated search — ids, scores, total and the
highlighted title and excerpt of the returned rows — in ONE SQL statement: the inner query
ranks every match and counts them with a window function, the outer one highlights only the
page of results. Ranking weighs title > subtitle/summary > names (authors, tags, category,
organisations) > body. Highlights come back from the database with \\x02/\\x03 around matched
words (characters the indexer strips from all text), and are turned into escaped HTML with
``<mark>`` here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from search import fulltext_sql as ddl
from search.query import ParsedQuery

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
    total: int


def marked_html(text: str | None) -> str:
    """Escape ``text`` for HTML and turn the database's markers into ``<mark>`` elements."""
    escaped = html.escape(text or "", quote=False)
    # Markers come in pairs; drop a stray one rather than leave an unclosed element.
    if escaped.count(MARK_START) != escaped.count(MARK_END):
        return escaped.replace(MARK_START, "").replace(MARK_END, "")
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _best_excerpt(*candidates: str | None) -> str:
    """The first candidate that contains a match, else the first non-empty one."""
    for text in candidates:
        if text and MARK_START in text:
            return marked_html(text)
    return marked_html(next((t for t in candidates if t), ""))


def _where_extra(
    filter_sql: tuple[str, list] | None, exclude_ids: list[int], column: str
) -> tuple[str, list]:
    """Conditions every search adds on document ``d``: not expired, filters, exclusions."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql, params = " AND (d.expire_at IS NULL OR d.expire_at > %s)", [now]
    if filter_sql is not None:
        sql += f" AND {column} IN ({filter_sql[0]})"
        params += list(filter_sql[1])
    if exclude_ids:
        sql += f" AND {column} NOT IN ({', '.join(['%s'] * len(exclude_ids))})"
        params += list(exclude_ids)
    return sql, params


class SQLiteBackend:
    """FTS5 with bm25 column weights; ``snippet()``/``highlight()`` for the excerpt."""

    # bm25 weights in FTS column order: title, subtitle, summary, names, body.
    WEIGHTS = "10.0, 5.0, 5.0, 2.0, 1.0"

    @staticmethod
    def match_expression(parsed: ParsedQuery, *, prefix: bool = False) -> str:
        # Words are letters and digits only (see search.query), so quoting them in FTS5's
        # string syntax cannot produce an operator or a syntax error.
        star = " *" if prefix else ""
        parts = [f'"{term}"{star}' for term in parsed.terms]
        parts += ['"' + " ".join(phrase) + '"' for phrase in parsed.phrases]
        return " AND ".join(parts)

    def search(
        self,
        parsed: ParsedQuery,
        *,
        filter_sql: tuple[str, list] | None,
        exclude_ids: list[int],
        limit: int,
        offset: int,
    ) -> SearchResult:
        match = self.match_expression(parsed)
        extra, extra_params = _where_extra(filter_sql, exclude_ids, "d.page_id")
        fts, doc = ddl.FTS_TABLE, ddl.DOCUMENT_TABLE
        # Three layers because FTS5 refuses bm25() next to a window function: match and
        # score; count and sort; highlight only the rows of the requested page.
        sql = f"""
            SELECT r.page_id, r.score, r.total,
                   highlight(g.{fts}, 0, char(2), char(3)),
                   snippet(g.{fts}, 4, char(2), char(3), '…', {SNIPPET_WORDS}),
                   snippet(g.{fts}, -1, char(2), char(3), '…', {SNIPPET_WORDS})
            FROM (
                SELECT m.page_id, m.score, m.date, COUNT(*) OVER () AS total
                FROM (
                    SELECT f.rowid AS page_id, bm25(f.{fts}, {self.WEIGHTS}) AS score,
                           d.date AS date
                    FROM {fts} f JOIN {doc} d ON d.page_id = f.rowid
                    WHERE f.{fts} MATCH %s {extra}
                ) m
                ORDER BY m.score, m.date DESC, m.page_id DESC
                LIMIT %s OFFSET %s
            ) r
            JOIN {fts} g ON g.rowid = r.page_id
            WHERE g.{fts} MATCH %s
            ORDER BY r.score, r.date DESC, r.page_id DESC
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *extra_params, limit, offset, match])
            rows = cursor.fetchall()
        hits = [
            Hit(
                page_id=row[0],
                score=-float(row[1]),
                title_html=marked_html(row[3]),
                excerpt_html=_best_excerpt(row[4], row[5]),
            )
            for row in rows
        ]
        total = rows[0][2] if rows else None
        return SearchResult(hits=hits, total=total if total is not None else -1)

    def count(self, parsed: ParsedQuery, *, filter_sql, exclude_ids) -> int:
        extra, extra_params = _where_extra(filter_sql, exclude_ids, "d.page_id")
        sql = f"""SELECT COUNT(*) FROM {ddl.FTS_TABLE} f
                  JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = f.rowid
                  WHERE f.{ddl.FTS_TABLE} MATCH %s {extra}"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.match_expression(parsed), *extra_params])
            return cursor.fetchone()[0]

    def suggest(self, parsed: ParsedQuery, *, limit: int) -> list[tuple[int, str]]:
        words = parsed.words()
        match = " AND ".join(f'"{w}" *' for w in words)
        extra, extra_params = _where_extra(None, [], "d.page_id")
        sql = f"""SELECT t.rowid, d.title FROM {ddl.TITLE_FTS_TABLE} t
                  JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = t.rowid
                  WHERE t.{ddl.TITLE_FTS_TABLE} MATCH %s {extra}
                  ORDER BY bm25(t.{ddl.TITLE_FTS_TABLE}), d.date DESC, t.rowid DESC LIMIT %s"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *extra_params, limit])
            return [(row[0], row[1]) for row in cursor.fetchall()]


class PostgresBackend:
    """tsvector (weights A–D) + GIN, ``ts_rank_cd`` for ranking, ``ts_headline`` for excerpts."""

    CONFIG = "english"
    # ts_rank_cd weights for D (body), C (names), B (subtitle, summary), A (title).
    WEIGHTS = "{0.05, 0.3, 0.6, 1.0}"
    # One contiguous passage around the best match (fragment mode cuts it to a few words).
    HEADLINE_OPTIONS = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=16"
    )
    TITLE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"

    def tsquery(self, parsed: ParsedQuery) -> tuple[str, list]:
        """A tsquery built only from functions that read plain text (never tsquery syntax)."""
        parts, params = [], []
        if parsed.terms:
            parts.append(f"plainto_tsquery('{self.CONFIG}', %s)")
            params.append(" ".join(parsed.terms))
        for phrase in parsed.phrases:
            parts.append(f"phraseto_tsquery('{self.CONFIG}', %s)")
            params.append(" ".join(phrase))
        return " && ".join(parts), params

    def search(
        self,
        parsed: ParsedQuery,
        *,
        filter_sql: tuple[str, list] | None,
        exclude_ids: list[int],
        limit: int,
        offset: int,
    ) -> SearchResult:
        tsquery, tsquery_params = self.tsquery(parsed)
        extra, extra_params = _where_extra(filter_sql, exclude_ids, "d.page_id")
        doc = ddl.DOCUMENT_TABLE
        sql = f"""
            WITH query AS (SELECT {tsquery} AS q)
            SELECT r.page_id, r.score, r.total,
                   ts_headline('{self.CONFIG}', d.title, query.q, %s),
                   ts_headline('{self.CONFIG}', d.body, query.q, %s),
                   ts_headline('{self.CONFIG}',
                               concat_ws(' ', d.subtitle, d.summary, d.names), query.q, %s)
            FROM (
                SELECT d.page_id, ts_rank_cd(%s::float4[], d.search_vector, query.q) AS score,
                       d.date, COUNT(*) OVER () AS total
                FROM {doc} d CROSS JOIN query
                WHERE d.search_vector @@ query.q {extra}
                ORDER BY score DESC, d.date DESC NULLS LAST, d.page_id DESC
                LIMIT %s OFFSET %s
            ) r
            JOIN {doc} d ON d.page_id = r.page_id CROSS JOIN query
            ORDER BY r.score DESC, r.date DESC NULLS LAST, r.page_id DESC
        """
        params = [
            *tsquery_params,
            self.TITLE_OPTIONS,
            self.HEADLINE_OPTIONS,
            self.HEADLINE_OPTIONS,
            self.WEIGHTS,
            *extra_params,
            limit,
            offset,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        hits = [
            Hit(
                page_id=row[0],
                score=float(row[1]),
                title_html=marked_html(row[3]),
                excerpt_html=_best_excerpt(row[4], row[5]),
            )
            for row in rows
        ]
        return SearchResult(hits=hits, total=rows[0][2] if rows else -1)

    def count(self, parsed: ParsedQuery, *, filter_sql, exclude_ids) -> int:
        tsquery, tsquery_params = self.tsquery(parsed)
        extra, extra_params = _where_extra(filter_sql, exclude_ids, "d.page_id")
        sql = f"""SELECT COUNT(*) FROM {ddl.DOCUMENT_TABLE} d
                  WHERE d.search_vector @@ ({tsquery}) {extra}"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [*tsquery_params, *extra_params])
            return cursor.fetchone()[0]

    def suggest(self, parsed: ParsedQuery, *, limit: int) -> list[tuple[int, str]]:
        # Words are letters and digits only, so quoting them as lexemes is safe.
        prefix_query = " & ".join(f"'{w}':*" for w in parsed.words())
        extra, extra_params = _where_extra(None, [], "d.page_id")
        sql = f"""WITH query AS (SELECT to_tsquery('simple', %s) AS q)
                  SELECT d.page_id, d.title FROM {ddl.DOCUMENT_TABLE} d CROSS JOIN query
                  WHERE d.title_vector @@ query.q {extra}
                  ORDER BY ts_rank(d.title_vector, query.q) DESC, d.date DESC NULLS LAST,
                           d.page_id DESC
                  LIMIT %s"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [prefix_query, *extra_params, limit])
            return [(row[0], row[1]) for row in cursor.fetchall()]


def get_backend() -> SQLiteBackend | PostgresBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(
        f"Newsroom search supports SQLite and PostgreSQL, not {connection.vendor}"
    )
