"""DDL of the full-text structures that sit beside ``SearchDocument``, per database vendor.

Kept out of the migration file so that tests and ``rebuild_news_index`` can recreate them.
SQLite: three external-content FTS5 tables kept in step by triggers — ``newsroom_search_fts``
(porter stemming, every weighted column) for search, ``newsroom_search_head_fts`` (the same
without the body) for ranking very large result sets cheaply, ``newsroom_search_title_fts``
(no stemming, prefix indexes) for search-as-you-type. PostgreSQL: generated ``tsvector``
columns (see below) with GIN indexes.
"""

DOCUMENT_TABLE = "newsroom_search_searchdocument"
FTS_TABLE = "newsroom_search_fts"
TITLE_FTS_TABLE = "newsroom_search_title_fts"
HEAD_FTS_TABLE = "newsroom_search_head_fts"
FTS_COLUMNS = ("title", "subtitle", "summary", "names", "body")
HEAD_COLUMNS = FTS_COLUMNS[:-1]
SQLITE_TABLES = (FTS_TABLE, HEAD_FTS_TABLE, TITLE_FTS_TABLE)

_cols = ", ".join(FTS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
_head = ", ".join(HEAD_COLUMNS)
_new_head = ", ".join(f"new.{c}" for c in HEAD_COLUMNS)
_old_head = ", ".join(f"old.{c}" for c in HEAD_COLUMNS)

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        {_cols}, content='{DOCUMENT_TABLE}', content_rowid='page_id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE VIRTUAL TABLE {HEAD_FTS_TABLE} USING fts5(
        {_head}, content='{DOCUMENT_TABLE}', content_rowid='page_id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE VIRTUAL TABLE {TITLE_FTS_TABLE} USING fts5(
        title, content='{DOCUMENT_TABLE}', content_rowid='page_id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4')""",
    f"""CREATE TRIGGER newsroom_search_doc_ai AFTER INSERT ON {DOCUMENT_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.page_id, {_new});
        INSERT INTO {HEAD_FTS_TABLE}(rowid, {_head}) VALUES (new.page_id, {_new_head});
        INSERT INTO {TITLE_FTS_TABLE}(rowid, title) VALUES (new.page_id, new.title);
    END""",
    f"""CREATE TRIGGER newsroom_search_doc_ad AFTER DELETE ON {DOCUMENT_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.page_id, {_old});
        INSERT INTO {HEAD_FTS_TABLE}({HEAD_FTS_TABLE}, rowid, {_head})
            VALUES ('delete', old.page_id, {_old_head});
        INSERT INTO {TITLE_FTS_TABLE}({TITLE_FTS_TABLE}, rowid, title)
            VALUES ('delete', old.page_id, old.title);
    END""",
    f"""CREATE TRIGGER newsroom_search_doc_au AFTER UPDATE ON {DOCUMENT_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.page_id, {_old});
        INSERT INTO {HEAD_FTS_TABLE}({HEAD_FTS_TABLE}, rowid, {_head})
            VALUES ('delete', old.page_id, {_old_head});
        INSERT INTO {TITLE_FTS_TABLE}({TITLE_FTS_TABLE}, rowid, title)
            VALUES ('delete', old.page_id, old.title);
        INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.page_id, {_new});
        INSERT INTO {HEAD_FTS_TABLE}(rowid, {_head}) VALUES (new.page_id, {_new_head});
        INSERT INTO {TITLE_FTS_TABLE}(rowid, title) VALUES (new.page_id, new.title);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS newsroom_search_doc_au",
    "DROP TRIGGER IF EXISTS newsroom_search_doc_ad",
    "DROP TRIGGER IF EXISTS newsroom_search_doc_ai",
    f"DROP TABLE IF EXISTS {TITLE_FTS_TABLE}",
    f"DROP TABLE IF EXISTS {HEAD_FTS_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

# 'english' stems and drops stop words like SQLite's porter tokenizer stems; the title vector
# uses 'simple' so that a typed prefix ("runn") still matches the word it starts ("running").
#
# Three vectors per document, because reading a post's full vector is what costs on PostgreSQL:
# at ~800 words it is a few kB, compressed and stored out of line (TOAST), so every row whose
# full vector is read costs a fetch and a decompression.
# - search_vector (title A, subtitle/summary B, names C, body D, with positions): matching
#   through its GIN index (exact for plain words: no row is read to match), exact ranking of
#   the best candidates only, phrase checks.
# - head_vector (title, subtitle, summary, names; a few hundred bytes, stored in line): the
#   cheap first ranking of every match.
# - pair_vector: every two adjacent lexemes of search_vector as one lexeme ("open sourc"),
#   plus '!any' in every row. A phrase's pairs are looked up in its GIN index first, so the
#   positions of search_vector are only checked for posts that really have those pairs
#   (otherwise a phrase of two common words would read the full vector of nearly every post).
POSTGRES_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION newsroom_search_vector(
        title text, subtitle text, summary text, names text, body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT setweight(to_tsvector('english'::regconfig, title), 'A')
            || setweight(to_tsvector('english'::regconfig, subtitle || ' ' || summary), 'B')
            || setweight(to_tsvector('english'::regconfig, names), 'C')
            || setweight(to_tsvector('english'::regconfig, body), 'D')
    $$""",
    # Adjacent positions (p, p + 1) of a vector, as "lexeme lexeme" strings.
    """CREATE OR REPLACE FUNCTION newsroom_search_pairs(v tsvector) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme), '{}')
        FROM (SELECT u.lexeme, p FROM unnest(v) u, unnest(u.positions) p) a
        JOIN (SELECT u.lexeme, p FROM unnest(v) u, unnest(u.positions) p) b ON b.p = a.p + 1
    $$""",
    # SET search_path FROM CURRENT: these two call newsroom_search_pairs, which pg_restore
    # (search_path '') could not find otherwise while it recomputes the generated columns.
    """CREATE OR REPLACE FUNCTION newsroom_search_pair_vector(v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
        SELECT array_to_tsvector(ARRAY['!any'] || newsroom_search_pairs(v))
    $$""",
    # The pairs a phrase needs (AND), from the vector of the phrase's own text; '!any' (every
    # row) when it has none, e.g. "the foundation" is one lexeme. Each pair is written as a
    # quoted tsquery lexeme (quotes doubled, backslashes escaped), never parsed as syntax.
    r"""CREATE OR REPLACE FUNCTION newsroom_search_pair_query(v tsvector) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
        SELECT coalesce(
            string_agg('''' || replace(replace(pair, '\', '\\'), '''', '''''') || '''', ' & '),
            '''!any''')::tsquery
        FROM unnest(newsroom_search_pairs(v)) pair
    $$""",
]
_VECTOR_ARGS = "title, subtitle, summary, names, body"
POSTGRES_CREATE = [
    *POSTGRES_FUNCTIONS,
    f"""ALTER TABLE {DOCUMENT_TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        newsroom_search_vector({_VECTOR_ARGS})) STORED""",
    f"""ALTER TABLE {DOCUMENT_TABLE} ADD COLUMN head_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, subtitle || ' ' || summary), 'B')
        || setweight(to_tsvector('english'::regconfig, names), 'C')) STORED""",
    f"""ALTER TABLE {DOCUMENT_TABLE} ADD COLUMN pair_vector tsvector GENERATED ALWAYS AS (
        newsroom_search_pair_vector(newsroom_search_vector({_VECTOR_ARGS}))) STORED""",
    f"""ALTER TABLE {DOCUMENT_TABLE} ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, title)) STORED""",
    # fastupdate off: after a bulk load a pending list would otherwise be scanned by every
    # search (and make the planner prefer reading every row).
    f"""CREATE INDEX newsroom_search_vector_gin ON {DOCUMENT_TABLE}
        USING GIN (search_vector) WITH (fastupdate = off)""",
    f"""CREATE INDEX newsroom_search_pair_gin ON {DOCUMENT_TABLE}
        USING GIN (pair_vector) WITH (fastupdate = off)""",
    f"""CREATE INDEX newsroom_search_title_gin ON {DOCUMENT_TABLE}
        USING GIN (title_vector) WITH (fastupdate = off)""",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS newsroom_search_title_gin",
    "DROP INDEX IF EXISTS newsroom_search_pair_gin",
    "DROP INDEX IF EXISTS newsroom_search_vector_gin",
    f"ALTER TABLE {DOCUMENT_TABLE} DROP COLUMN IF EXISTS title_vector",
    f"ALTER TABLE {DOCUMENT_TABLE} DROP COLUMN IF EXISTS pair_vector",
    f"ALTER TABLE {DOCUMENT_TABLE} DROP COLUMN IF EXISTS head_vector",
    f"ALTER TABLE {DOCUMENT_TABLE} DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS newsroom_search_pair_query(tsvector)",
    "DROP FUNCTION IF EXISTS newsroom_search_pair_vector(tsvector)",
    "DROP FUNCTION IF EXISTS newsroom_search_pairs(tsvector)",
    "DROP FUNCTION IF EXISTS newsroom_search_vector(text, text, text, text, text)",
]


def statements(vendor: str, *, create: bool) -> list[str]:
    """The DDL to create (or drop) the full-text structures on ``vendor``; [] if unsupported."""
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    return []
