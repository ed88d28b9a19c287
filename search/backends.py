"""Running searches against Newsroom's own index: SQLite FTS5 or PostgreSQL full-text search.

Each backend answers one search request — the editors' promoted posts for the query, the
ranked page of hits with their highlighted title and excerpt, and the number of hits — in
ONE SQL statement. It is built for 10,000+ posts of ~800 words, where reading every match's
full text (or full tsvector) to rank it is what costs:

- every match is found through the full-text index and counted without reading its text;
- ranking is exact (title > subtitle/summary > names > body) for every match when there are
  few, and for the best candidates when there are many (see each backend);
- highlights are computed for the returned page only.

Highlights come back from the database with \\x02/\\x03 around matched words (characters the
indexer strips from all text), and are turned into escaped HTML with ``<mark>`` here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, SearchPromotion

from search import fulltext_sql as ddl
from search.models import SearchDocument
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


def _best_excerpt(*candidates: str | None) -> str:
    """The first candidate that contains a match, else the first non-empty one."""
    for text in candidates:
        if text and MARK_START in text:
            return marked_html(text)
    return marked_html(next((t for t in candidates if t), ""))


def _where_extra(
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


def _promoted_cte(query_string: str, filter_sql: tuple[str, list] | None) -> tuple[str, list]:
    """Promoted posts for the (normalised) query that are indexed (live, public), unexpired
    and pass the filters; the editors' order is (sort_order, id)."""
    extra, params = _where_extra(filter_sql, [], "d.page_id")
    sql = f"""SELECT sp.page_id AS page_id, sp.sort_order AS sort_order, sp.id AS id
        FROM {SearchPromotion._meta.db_table} sp
        JOIN {Query._meta.db_table} qs ON qs.id = sp.query_id
        JOIN {ddl.DOCUMENT_TABLE} d ON d.page_id = sp.page_id
        WHERE qs.query_string = %s {extra}"""
    return sql, [query_string, *params]


def _page_bounds(greatest: str, least: str) -> str:
    """LIMIT/OFFSET of the ranked hits once the promoted posts take the first places.

    At least one row is always asked for, so that the window count comes back whenever there
    is any hit at the offset (the caller drops rows the page has no room for)."""
    promoted = "(SELECT count(*) FROM promoted)"
    shown = f"{least}(%(limit)s, {greatest}(0, {promoted} - %(offset)s))"
    return f"LIMIT {greatest}(1, %(limit)s - {shown}) OFFSET {greatest}(0, %(offset)s - {promoted})"


def _named(sql: str, names: dict[str, object], positional: list) -> tuple[str, list]:
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


def _split_rows(rows: list[tuple], *, order) -> tuple[list[tuple], list[int]]:
    """Hit rows in rank order (``order`` sorts them), and the promoted page ids in the
    editors' order."""
    hits = order([row for row in rows if row[0] == "h"])
    promoted = sorted(
        (row for row in rows if row[0] == "p"),
        key=lambda row: (row[2] is None, row[2] or 0, row[3]),
    )
    return hits, [row[1] for row in promoted]


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
        head_match = self.match_expression(parsed, any_=True)
        promoted_sql, promoted_params = _promoted_cte(query_string, filter_sql)
        extra, extra_params = _where_extra(filter_sql, [], "d.page_id")
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
        # FTS5 refuses its ranking functions next to a window function or inside a flattened
        # subquery: each ranking runs in its own materialised CTE.
        sql = f"""
            WITH promoted AS MATERIALIZED ({promoted_sql}),
            total AS MATERIALIZED (
                SELECT count(*) AS n
                FROM {fts} f JOIN {doc} d {covering} ON d.page_id = f.rowid
                WHERE {matches}
            ),
            exact AS MATERIALIZED (
                SELECT f.rowid AS page_id, d.date AS date,
                       bm25(f.{fts}, {self.WEIGHTS}) AS score
                FROM {fts} f JOIN {doc} d {covering} ON d.page_id = f.rowid
                WHERE {matches}
                LIMIT {exact_only}
            ),
            recent AS MATERIALIZED (
                SELECT f.rowid AS page_id, d.date AS date
                FROM {fts} f JOIN {doc} d {covering} ON d.page_id = f.rowid
                WHERE {matches}
                ORDER BY d.date DESC, f.rowid DESC LIMIT {recent_only}
            ),
            head AS MATERIALIZED (
                -- The rowid range lets FTS5 skip the doclists of posts outside it: page ids
                -- mostly grow with dates, so the newest matches sit in a narrow range.
                SELECT h.rowid AS page_id, bm25(h.{head}, {self.HEAD_WEIGHTS}) AS score
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
                        FROM {fts} f JOIN {doc} d {covering} ON d.page_id = f.rowid
                        WHERE {matches}
                        ORDER BY d.date DESC, f.rowid DESC
                        LIMIT {older_only} OFFSET %(recent)s
                    )
                )
                ORDER BY tier, score, date DESC, page_id DESC {_page_bounds("max", "min")}
            ),
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
            )
            SELECT 'h', m.page_id, m.score, (SELECT n FROM total), m.date, m.title, m.body,
                   e.excerpt, m.tier
            FROM marked m LEFT JOIN elsewhere e ON e.page_id = m.page_id
            UNION ALL
            SELECT 'p', page_id, sort_order, id, NULL, NULL, NULL, NULL, NULL FROM promoted
        """
        sql, params = _named(
            sql,
            {
                "limit": limit,
                "offset": offset,
                "exact_limit": self.EXACT_RANK_LIMIT,
                "recent": self.RECENT_RANK_LIMIT,
            },
            [
                *promoted_params,
                *[match, *extra_params] * 3,
                head_match,
                match,
                *extra_params,
                match,
                match,
            ],
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        hit_rows, promoted = _split_rows(rows, order=self._rank_order)
        hits = [
            Hit(
                page_id=row[1],
                score=-float(row[2]),
                title_html=marked_html(row[5]),
                excerpt_html=_best_excerpt(row[6], row[7]),
            )
            for row in hit_rows
        ]
        total = hit_rows[0][3] if hit_rows else -1
        return SearchResult(hits=hits, total=total, promoted=promoted)

    @staticmethod
    def _rank_order(rows: list[tuple]) -> list[tuple]:
        # The statement's order (tier, score, newest, highest id), restored after UNION ALL;
        # a window function for it would sort every match, not just the page (~20 ms more).
        rows = sorted(rows, key=lambda row: row[1], reverse=True)
        rows.sort(key=lambda row: "" if row[4] is None else str(row[4]), reverse=True)
        rows.sort(key=lambda row: (row[8], row[2]))
        return rows

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
        promoted_sql, promoted_params = _promoted_cte(query_string, filter_sql)
        extra, extra_params = _where_extra(filter_sql, [], "d.page_id")
        doc, cfg = ddl.DOCUMENT_TABLE, self.CONFIG
        sql = f"""
            WITH query AS MATERIALIZED ({query_sql}),
            promoted AS MATERIALIZED ({promoted_sql}),
            matches AS MATERIALIZED (
                SELECT d.page_id, d.date,
                       ts_rank(%(weights)s::float4[], d.head_vector, query.q) AS head_score
                FROM {doc} d CROSS JOIN query
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
                    FROM best b JOIN {doc} d ON d.page_id = b.page_id CROSS JOIN query
                    UNION ALL
                    -- The matches after the candidates, in the same order; LIMIT 0 (no sort)
                    -- until a page gets past the candidates.
                    (SELECT page_id, date, 1, head_score FROM matches
                     ORDER BY head_score DESC, date DESC NULLS LAST, page_id DESC
                     OFFSET %(candidates)s
                     LIMIT GREATEST(0, %(offset)s + %(limit)s - %(candidates)s))
                ) ranked
                ORDER BY tier, score DESC, date DESC NULLS LAST, page_id DESC
                {_page_bounds("GREATEST", "LEAST")}
            )
            SELECT 'h', p.page_id, p.score, (SELECT count(*) FROM matches), p.date,
                   ts_headline('{cfg}', d.title, query.q, %(title_options)s),
                   b.headline,
                   -- The other columns only when the body holds no match (a title-only hit).
                   CASE WHEN strpos(b.headline, chr(2)) = 0 THEN
                       ts_headline('{cfg}', concat_ws(' ', d.subtitle, d.summary, d.names),
                                   query.q, %(options)s) END,
                   p.tier
            FROM page p JOIN {doc} d ON d.page_id = p.page_id CROSS JOIN query
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
            ) b
            UNION ALL
            SELECT 'p', page_id, sort_order, id, NULL, NULL, NULL, NULL, NULL FROM promoted
        """
        sql, params = _named(
            sql,
            {
                "limit": limit,
                "offset": offset,
                "weights": self.WEIGHTS,
                "candidates": self.EXACT_RANK_CANDIDATES,
                "title_options": self.TITLE_OPTIONS,
                "options": self.HEADLINE_OPTIONS,
                "before": self.WINDOW_BEFORE,
                "window": self.WINDOW_CHARS,
            },
            [*query_params, *promoted_params, *extra_params],
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        hit_rows, promoted = _split_rows(rows, order=self._rank_order)
        hits = [
            Hit(
                page_id=row[1],
                score=float(row[2]),
                title_html=marked_html(row[5]),
                excerpt_html=_best_excerpt(row[6], row[7]),
            )
            for row in hit_rows
        ]
        total = hit_rows[0][3] if hit_rows else -1
        return SearchResult(hits=hits, total=total, promoted=promoted)

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
        extra, extra_params = _where_extra(filter_sql, exclude_ids, "d.page_id")
        sql = f"""WITH query AS MATERIALIZED ({query_sql})
                  SELECT COUNT(*) FROM {ddl.DOCUMENT_TABLE} d CROSS JOIN query
                  WHERE {self._match(parsed, "query")} {extra}"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [*query_params, *extra_params])
            return cursor.fetchone()[0]

    def suggest(self, parsed: ParsedQuery, *, limit: int) -> list[tuple[int, str]]:
        # Words are letters and digits only, so quoting them as lexemes is safe.
        prefix_query = " & ".join(f"'{w}':*" for w in parsed.words())
        extra, extra_params = _where_extra(None, [], "d.page_id")
        sql = f"""WITH query AS MATERIALIZED (SELECT to_tsquery('simple', %s) AS q)
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
