"""Search on SQLite: FTS5 with bm25 column weights, ``snippet()``/``highlight()`` for the
excerpt, all in one statement per search (see ``search.statement`` for the shared parts)."""

from __future__ import annotations

from django.db import connection

from search import fulltext_sql as ddl
from search.models import SearchDocument
from search.query import ParsedQuery
from search.statement import (
    PROMOTED_ROWS,
    SNIPPET_WORDS,
    SearchResult,
    page_bounds,
    promoted_cte,
    run_search,
    where_extra,
)


def _negated(score: object) -> float:
    return -float(score)


class SQLiteBackend:
    """FTS5 with bm25 column weights; ``snippet()``/``highlight()`` for the excerpt.

    bm25 reads every instance of the query's words in each match, so it is computed over all
    matches only when there are at most ``EXACT_RANK_LIMIT`` of them (a few ms). A query that
    matches more posts than that — words in a large part of the archive — ranks only its
    ``RECENT_RANK_LIMIT`` newest matches, by bm25 over the title, subtitle, summary and names
    (a separate, small FTS5 table, where any of the words counts) and then by date; the older
    matches follow, newest first. The body's word counts barely separate thousands of posts
    that all contain the word, and recency does; ranking every match cost 1-2 µs a post, the
    bulk of a common-word search.
    """

    # bm25 weights in FTS column order: title, subtitle, summary, names, body.
    WEIGHTS = "10.0, 5.0, 5.0, 2.0, 1.0"
    HEAD_WEIGHTS = "10.0, 5.0, 5.0, 2.0"
    EXACT_RANK_LIMIT = 2000
    RECENT_RANK_LIMIT = 1000

    @staticmethod
    def match_expression(parsed: ParsedQuery, *, prefix: bool = False, any_: bool = False) -> str:
        # Words are letters and digits only (see search.query), so quoting them in FTS5's
        # string syntax cannot produce an operator or a syntax error.
        star = " *" if prefix else ""
        parts = [f'"{term}"{star}' for term in parsed.terms]
        parts += ['"' + " ".join(phrase) + '"' for phrase in parsed.phrases]
        return (" OR " if any_ else " AND ").join(parts)

    def search(
        self,
        parsed: ParsedQuery,
        *,
        query_string: str,
        filter_sql: tuple[str, list] | None,
        limit: int,
        offset: int,
    ) -> SearchResult:
        match = self.match_expression(parsed)
        promoted_sql, promoted_params = promoted_cte(query_string, filter_sql)
        extra, extra_params = where_extra(filter_sql, [], "d.page_id")
        # FTS5 refuses its ranking functions next to a window function or inside a flattened
        # subquery: each ranking runs in its own materialised CTE.
        sql = f"""
            WITH promoted AS MATERIALIZED ({promoted_sql}),
            {self._ranking_ctes(extra)},
            {self._highlight_ctes()}
            SELECT 'h', m.page_id, m.score, (SELECT n FROM total), m.date, m.title, m.body,
                   e.excerpt, m.tier
            FROM marked m LEFT JOIN elsewhere e ON e.page_id = m.page_id
            UNION ALL
            {PROMOTED_ROWS}
        """
        names = {
            "limit": limit,
            "offset": offset,
            "exact_limit": self.EXACT_RANK_LIMIT,
            "recent": self.RECENT_RANK_LIMIT,
        }
        positional = [
            *promoted_params,
            # total, exact, recent; head; the older matches; marked; elsewhere.
            *[match, *extra_params] * 3,
            self.match_expression(parsed, any_=True),
            match,
            *extra_params,
            match,
            match,
        ]
        # bm25 is lower for better matches.
        return run_search(sql, names, positional, order=self._rank_order, score=_negated)

    @staticmethod
    def _ranking_ctes(extra: str) -> str:
        """The CTEs ``total`` (matches in all) and ``page`` (the ranked page of hits), with
        the rankings between them: ``exact`` (bm25 over every match, when there are few) or
        ``recent`` and ``head`` (the newest matches, by bm25 over the head columns)."""
        fts, head, doc = ddl.FTS_TABLE, ddl.HEAD_FTS_TABLE, ddl.DOCUMENT_TABLE
        # The planner would rather look rows up by rowid, reading the whole text of each
        # match (overflow pages) for its date; the covering index has what the join needs.
        covering = f"INDEXED BY {SearchDocument._meta.indexes[0].name}"
        # Which ranking runs is switched by LIMIT 0 / LIMIT -1 (no limit): SQLite evaluates
        # a LIMIT once, before scanning, where a condition in WHERE is tested row by row.
        few = "(SELECT n FROM total) <= %(exact_limit)s"
        exact_only = f"CASE WHEN {few} THEN -1 ELSE 0 END"
        recent_only = f"CASE WHEN {few} THEN 0 ELSE %(recent)s END"
        head_only = f"CASE WHEN {few} THEN 0 ELSE -1 END"
        # Matches older than the ranked ones are only read when the page reaches them.
        older_only = f"CASE WHEN {few} THEN 0 ELSE max(0, %(offset)s + %(limit)s - %(recent)s) END"
        # Every match with its date, as a condition on ``f`` joined to ``d``. It is repeated
        # rather than materialised once: writing 10,000 matches to a temporary table cost
        # more (~14 ms) than counting them (~3 ms) and sorting out the newest (~9 ms) apart.
        matches = f"f.{fts} MATCH %s {extra} AND f.rowid NOT IN (SELECT page_id FROM promoted)"
        matching = f"{fts} f JOIN {doc} d {covering} ON d.page_id = f.rowid WHERE {matches}"
        return f"""
            total AS MATERIALIZED (SELECT count(*) AS n FROM {matching}),
            exact AS MATERIALIZED (
                SELECT f.rowid AS page_id, d.date AS date,
                       bm25(f.{fts}, {SQLiteBackend.WEIGHTS}) AS score
                FROM {matching}
                LIMIT {exact_only}
            ),
            recent AS MATERIALIZED (
                SELECT f.rowid AS page_id, d.date AS date
                FROM {matching}
                ORDER BY d.date DESC, f.rowid DESC LIMIT {recent_only}
            ),
            head AS MATERIALIZED (
                -- The rowid range lets FTS5 skip the doclists of posts outside it: page ids
                -- mostly grow with dates, so the newest matches sit in a narrow range.
                SELECT h.rowid AS page_id, bm25(h.{head}, {SQLiteBackend.HEAD_WEIGHTS}) AS score
                FROM {head} h
                WHERE h.{head} MATCH %s
                  AND h.rowid >= (SELECT min(page_id) FROM recent)
                  AND h.rowid <= (SELECT max(page_id) FROM recent)
                LIMIT {head_only}
            ),
            page AS MATERIALIZED (
                SELECT page_id, date, score, tier FROM (
                    SELECT page_id, date, score, 0 AS tier FROM exact
                    UNION ALL
                    SELECT r.page_id, r.date, coalesce(hd.score, 0.0), 1
                    FROM recent r LEFT JOIN head hd ON hd.page_id = r.page_id
                    UNION ALL
                    SELECT * FROM (
                        SELECT f.rowid, d.date, 0.0, 2
                        FROM {matching}
                        ORDER BY d.date DESC, f.rowid DESC
                        LIMIT {older_only} OFFSET %(recent)s
                    )
                )
                ORDER BY tier, score, date DESC, page_id DESC {page_bounds("max", "min")}
            )"""

    @staticmethod
    def _highlight_ctes() -> str:
        """The CTEs ``marked`` (the page's hits with their highlighted title and body
        snippet) and ``elsewhere`` (an excerpt from the other columns when the body holds no
        match)."""
        fts = ddl.FTS_TABLE
        return f"""
            marked AS MATERIALIZED (
                SELECT p.page_id, p.score, p.date, p.tier,
                       highlight(g.{fts}, 0, char(2), char(3)) AS title,
                       snippet(g.{fts}, 4, char(2), char(3), '…', {SNIPPET_WORDS}) AS body
                FROM page p JOIN {fts} g ON g.rowid = p.page_id
                WHERE g.{fts} MATCH %s
            ),
            -- Only posts whose body holds no match need an excerpt from the other columns
            -- (snippet() tokenises every column it looks at; the body is most of the text).
            elsewhere AS MATERIALIZED (
                SELECT g.rowid AS page_id,
                       snippet(g.{fts}, -1, char(2), char(3), '…', {SNIPPET_WORDS}) AS excerpt
                FROM {fts} g
                WHERE g.{fts} MATCH %s
                  AND g.rowid IN (SELECT page_id FROM marked WHERE instr(body, char(2)) = 0)
            )"""

    @staticmethod
    def _rank_order(rows: list[tuple]) -> list[tuple]:
        # The statement's order (tier, score, newest, highest id), restored after UNION ALL;
        # a window function for it would sort every match, not just the page (~20 ms more).
        rows = sorted(rows, key=lambda row: row[1], reverse=True)
        rows.sort(key=lambda row: "" if row[4] is None else str(row[4]), reverse=True)
        rows.sort(key=lambda row: (row[8], row[2]))
        return rows

    def count(self, parsed: ParsedQuery, *, filter_sql, exclude_ids) -> int:
        extra, extra_params = where_extra(filter_sql, exclude_ids, "d.page_id")
        sql = f"""SELECT COUNT(*) FROM {ddl.FTS_TABLE} f
                  JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = f.rowid
                  WHERE f.{ddl.FTS_TABLE} MATCH %s {extra}"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.match_expression(parsed), *extra_params])
            return cursor.fetchone()[0]

    def suggest(self, parsed: ParsedQuery, *, limit: int) -> list[tuple[int, str]]:
        words = parsed.words()
        match = " AND ".join(f'"{w}" *' for w in words)
        extra, extra_params = where_extra(None, [], "d.page_id")
        sql = f"""SELECT t.rowid, d.title FROM {ddl.TITLE_FTS_TABLE} t
                  JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = t.rowid
                  WHERE t.{ddl.TITLE_FTS_TABLE} MATCH %s {extra}
                  ORDER BY bm25(t.{ddl.TITLE_FTS_TABLE}), d.date DESC, t.rowid DESC LIMIT %s"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *extra_params, limit])
            return [(row[0], row[1]) for row in cursor.fetchall()]
