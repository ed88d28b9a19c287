"""Search on PostgreSQL: tsvectors and GIN, ``ts_rank`` in two stages, ``ts_headline`` on
the returned page only, all in one statement per search (see ``search.statement`` for the
shared parts)."""

from __future__ import annotations

from django.db import connection

from search import fulltext_sql as ddl
from search.query import ParsedQuery
from search.statement import (
    MARK_END,
    MARK_START,
    PROMOTED_ROWS,
    SNIPPET_WORDS,
    SearchResult,
    page_bounds,
    promoted_cte,
    run_search,
    where_extra,
)


class PostgresBackend:
    """tsvectors + GIN: ``ts_rank`` in two stages, ``ts_headline`` on the returned page only.

    Every match is found through the GIN index and ranked by its small, in-line head vector
    (title, subtitle, summary, names; well under a microsecond a post); the
    ``EXACT_RANK_CANDIDATES`` best of those (ties: newest) are ranked again on the full
    vector, body included, and come first. Only those rows' full vectors are read (each a
    TOAST fetch and decompression), so a word found in every post costs about as much as a
    rare one; the other matches are only sorted when a page reaches past the candidates.
    Phrases are first narrowed through the word-pair index (see ``fulltext_sql``).
    """

    CONFIG = "english"
    # ts_rank weights for D (body), C (names), B (subtitle, summary), A (title).
    WEIGHTS = "{0.05, 0.3, 0.6, 1.0}"
    EXACT_RANK_CANDIDATES = 100
    # One contiguous passage around the best match (fragment mode cuts it to a few words).
    HEADLINE_OPTIONS = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, MinWords=16"
    )
    TITLE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"
    # The body excerpt is highlighted in a window of the body that starts a few words before
    # the first place where a query word occurs (parsing 800 words for a 32-word excerpt
    # costs ~1 ms per post, and the cost grows with the text). Few words before it: when the
    # window holds no passage with all the words, ts_headline shows its first MinWords
    # words, which must then still include that match. When the window holds no match at
    # all, the whole body is highlighted instead.
    WINDOW_BEFORE, WINDOW_CHARS = 40, 600

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

    def pair_query(self, parsed: ParsedQuery) -> tuple[str, list]:
        """The word pairs every phrase needs, as one tsquery on ``pair_vector``."""
        parts = [
            f"newsroom_search_pair_query(to_tsvector('{self.CONFIG}', %s))" for _ in parsed.phrases
        ]
        return " && ".join(parts), [" ".join(phrase) for phrase in parsed.phrases]

    def _match(self, parsed: ParsedQuery, query: str) -> str:
        condition = f"d.search_vector @@ {query}.qi"
        if parsed.phrases:
            # The pair index is exact for two-word phrases and narrows longer ones; the
            # position check on search_vector then only reads the posts that have the pairs.
            condition = f"d.pair_vector @@ {query}.pq AND {condition}"
        return condition

    def _query_cte(self, parsed: ParsedQuery) -> tuple[str, list]:
        """The query row: ``q`` (ranking, headlines), ``qi`` (matching through the GIN
        index), ``pq`` (word pairs), and the ``lexemes``/``phrases`` that place the excerpt."""
        tsquery, tsquery_params = self.tsquery(parsed)
        pair_sql, pair_params = self.pair_query(parsed) if parsed.phrases else ("NULL", [])
        phrases = [" ".join(phrase) for phrase in parsed.phrases]
        words = " ".join(parsed.words())
        # A phrase whose tsquery is just 'a' <-> 'b' is matched exactly by its pair in
        # pair_vector, so search_vector then only needs the words (AND): the GIN index
        # answers that without reading a row, where a phrase operator makes it recheck the
        # positions in the full vector of every candidate (a TOAST fetch each, ~30 µs).
        # Other phrases (3+ words, stop words inside) keep the position check.
        pair_exact = f"""(SELECT coalesce(bool_and(phraseto_tsquery('{self.CONFIG}', p)::text
                                                  ~ $re$^'[^']+' <-> '[^']+'$$re$), false)
                          FROM unnest(%s::text[]) p)"""
        # MATERIALIZED (in the callers): the planner cannot see the query's words and
        # estimates few matches, so it always goes through the GIN index. With the words in
        # view it reads every row for a common word, and reading a row's full vector is
        # exactly what costs.
        sql = f"""SELECT q, pq, lexemes, phrases,
                         CASE WHEN exact THEN plainto_tsquery('{self.CONFIG}', %s) ELSE q END AS qi
                  FROM (SELECT {tsquery} AS q, {pair_sql}::tsquery AS pq,
                               ARRAY(SELECT lexeme
                                     FROM unnest(to_tsvector('{self.CONFIG}', %s))) AS lexemes,
                               %s::text[] AS phrases,
                               {pair_exact if parsed.phrases else "false"} AS exact) x"""
        params = [words, *tsquery_params, *pair_params, words, phrases]
        if parsed.phrases:
            params.append(phrases)
        return sql, params

    def search(
        self,
        parsed: ParsedQuery,
        *,
        query_string: str,
        filter_sql: tuple[str, list] | None,
        limit: int,
        offset: int,
    ) -> SearchResult:
        query_sql, query_params = self._query_cte(parsed)
        promoted_sql, promoted_params = promoted_cte(query_string, filter_sql)
        extra, extra_params = where_extra(filter_sql, [], "d.page_id")
        sql = f"""
            WITH query AS MATERIALIZED ({query_sql}),
            promoted AS MATERIALIZED ({promoted_sql}),
            {self._ranking_ctes(parsed, extra)}
            {self._highlighted_page()}
            UNION ALL
            {PROMOTED_ROWS}
        """
        names = {
            "limit": limit,
            "offset": offset,
            "weights": self.WEIGHTS,
            "candidates": self.EXACT_RANK_CANDIDATES,
            "title_options": self.TITLE_OPTIONS,
            "options": self.HEADLINE_OPTIONS,
            "before": self.WINDOW_BEFORE,
            "window": self.WINDOW_CHARS,
        }
        positional = [*query_params, *promoted_params, *extra_params]
        return run_search(sql, names, positional, order=self._rank_order, score=float)

    def _ranking_ctes(self, parsed: ParsedQuery, extra: str) -> str:
        """The CTEs ``matches`` (every match, with its head score), ``best`` (the candidates
        ranked again on the full vector) and ``page`` (the ranked page of hits)."""
        return f"""
            matches AS MATERIALIZED (
                SELECT d.page_id, d.date,
                       ts_rank(%(weights)s::float4[], d.head_vector, query.q) AS head_score
                FROM {ddl.DOCUMENT_TABLE} d CROSS JOIN query
                WHERE {self._match(parsed, "query")} {extra}
                  AND d.page_id NOT IN (SELECT page_id FROM promoted)
            ),
            best AS MATERIALIZED (
                SELECT page_id, date FROM matches
                ORDER BY head_score DESC, date DESC NULLS LAST, page_id DESC
                LIMIT %(candidates)s
            ),
            page AS MATERIALIZED (
                SELECT page_id, date, score, tier FROM (
                    SELECT b.page_id, b.date, 0 AS tier,
                           ts_rank(%(weights)s::float4[], d.search_vector, query.q) AS score
                    FROM best b JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = b.page_id
                    CROSS JOIN query
                    UNION ALL
                    -- The matches after the candidates, in the same order; LIMIT 0 (no sort)
                    -- until a page gets past the candidates.
                    (SELECT page_id, date, 1, head_score FROM matches
                     ORDER BY head_score DESC, date DESC NULLS LAST, page_id DESC
                     OFFSET %(candidates)s
                     LIMIT GREATEST(0, %(offset)s + %(limit)s - %(candidates)s))
                ) ranked
                ORDER BY tier, score DESC, date DESC NULLS LAST, page_id DESC
                {page_bounds("GREATEST", "LEAST")}
            )"""

    def _highlighted_page(self) -> str:
        """The hit rows of the page: its posts with their highlighted title and excerpt (the
        body's best passage, or the other columns' when the body holds no match)."""
        cfg = self.CONFIG
        return f"""
            SELECT 'h', p.page_id, p.score, (SELECT count(*) FROM matches), p.date,
                   ts_headline('{cfg}', d.title, query.q, %(title_options)s),
                   b.headline,
                   -- The other columns only when the body holds no match (a title-only hit).
                   CASE WHEN strpos(b.headline, chr(2)) = 0 THEN
                       ts_headline('{cfg}', concat_ws(' ', d.subtitle, d.summary, d.names),
                                   query.q, %(options)s) END,
                   p.tier
            FROM page p JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = p.page_id CROSS JOIN query
            -- OFFSET 0 keeps each LATERAL a separate step, computed once a row: pulled up
            -- into the outer query, every mention of a headline would compute it again.
            CROSS JOIN LATERAL (
                SELECT f.first, ts_headline('{cfg}',
                    substr(d.body, GREATEST(1, coalesce(f.first, 1) - %(before)s), %(window)s),
                    query.q, %(options)s) AS headline
                -- A phrase's own words first: its words alone occur all over the body.
                FROM (SELECT coalesce(
                        (SELECT min(nullif(strpos(lb.text, ph), 0))
                         FROM unnest(query.phrases) ph),
                        (SELECT min(nullif(strpos(lb.text, l), 0))
                         FROM unnest(query.lexemes) l)) AS first
                      FROM (SELECT lower(d.body) AS text OFFSET 0) lb
                      OFFSET 0) f
                OFFSET 0
            ) w
            CROSS JOIN LATERAL (
                SELECT CASE WHEN w.first IS NULL OR strpos(w.headline, chr(2)) > 0
                            THEN w.headline
                            ELSE ts_headline('{cfg}', d.body, query.q, %(options)s) END
                       AS headline
                OFFSET 0
            ) b"""

    @staticmethod
    def _rank_order(rows: list[tuple]) -> list[tuple]:
        # The statement's order (exactly ranked candidates first, then the other matches;
        # score, newest, highest id), restored after UNION ALL;
        # sorting in SQL with a window function would cost a second sort of every match.
        rows = sorted(rows, key=lambda row: row[1], reverse=True)
        rows.sort(key=lambda row: (row[4] is not None, row[4]), reverse=True)
        rows.sort(key=lambda row: row[2], reverse=True)
        rows.sort(key=lambda row: row[8])
        return rows

    def count(self, parsed: ParsedQuery, *, filter_sql, exclude_ids) -> int:
        query_sql, query_params = self._query_cte(parsed)
        extra, extra_params = where_extra(filter_sql, exclude_ids, "d.page_id")
        sql = f"""WITH query AS MATERIALIZED ({query_sql})
                  SELECT COUNT(*) FROM {ddl.DOCUMENT_TABLE} d CROSS JOIN query
                  WHERE {self._match(parsed, "query")} {extra}"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [*query_params, *extra_params])
            return cursor.fetchone()[0]

    def suggest(self, parsed: ParsedQuery, *, limit: int) -> list[tuple[int, str]]:
        # Words are letters and digits only, so quoting them as lexemes is safe.
        prefix_query = " & ".join(f"'{w}':*" for w in parsed.words())
        extra, extra_params = where_extra(None, [], "d.page_id")
        sql = f"""WITH query AS MATERIALIZED (SELECT to_tsquery('simple', %s) AS q)
                  SELECT d.page_id, d.title FROM {ddl.DOCUMENT_TABLE} d CROSS JOIN query
                  WHERE d.title_vector @@ query.q {extra}
                  ORDER BY ts_rank(d.title_vector, query.q) DESC, d.date DESC NULLS LAST,
                           d.page_id DESC
                  LIMIT %s"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [prefix_query, *extra_params, limit])
            return [(row[0], row[1]) for row in cursor.fetchall()]
