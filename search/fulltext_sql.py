"""DDL of the full-text structures that sit beside ``SearchDocument``, per database vendor.

Kept out of the migration file so that tests and ``rebuild_news_index`` can recreate them.
SQLite: two external-content FTS5 tables kept in step by triggers — ``newsroom_search_fts``
(porter stemming, every weighted column) for search, ``newsroom_search_title_fts`` (no
stemming, prefix indexes) for search-as-you-type. PostgreSQL: generated ``tsvector`` columns
(weights A–D for search, an unstemmed title vector for suggestions) with GIN indexes.
"""

DOCUMENT_TABLE = "newsroom_search_searchdocument"
FTS_TABLE = "newsroom_search_fts"
TITLE_FTS_TABLE = "newsroom_search_title_fts"
FTS_COLUMNS = ("title", "subtitle", "summary", "names", "body")

_cols = ", ".join(FTS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        {_cols}, content='{DOCUMENT_TABLE}', content_rowid='page_id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE VIRTUAL TABLE {TITLE_FTS_TABLE} USING fts5(
        title, content='{DOCUMENT_TABLE}', content_rowid='page_id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4')""",
    f"""CREATE TRIGGER newsroom_search_doc_ai AFTER INSERT ON {DOCUMENT_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.page_id, {_new});
        INSERT INTO {TITLE_FTS_TABLE}(rowid, title) VALUES (new.page_id, new.title);
    END""",
    f"""CREATE TRIGGER newsroom_search_doc_ad AFTER DELETE ON {DOCUMENT_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.page_id, {_old});
        INSERT INTO {TITLE_FTS_TABLE}({TITLE_FTS_TABLE}, rowid, title)
            VALUES ('delete', old.page_id, old.title);
    END""",
    f"""CREATE TRIGGER newsroom_search_doc_au AFTER UPDATE ON {DOCUMENT_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_cols}) VALUES ('delete', old.page_id, {_old});
        INSERT INTO {TITLE_FTS_TABLE}({TITLE_FTS_TABLE}, rowid, title)
            VALUES ('delete', old.page_id, old.title);
        INSERT INTO {FTS_TABLE}(rowid, {_cols}) VALUES (new.page_id, {_new});
        INSERT INTO {TITLE_FTS_TABLE}(rowid, title) VALUES (new.page_id, new.title);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS newsroom_search_doc_au",
    "DROP TRIGGER IF EXISTS newsroom_search_doc_ad",
    "DROP TRIGGER IF EXISTS newsroom_search_doc_ai",
    f"DROP TABLE IF EXISTS {TITLE_FTS_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

# 'english' stems and drops stop words like SQLite's porter tokenizer stems; the title vector
# uses 'simple' so that a typed prefix ("runn") still matches the word it starts ("running").
POSTGRES_CREATE = [
    f"""ALTER TABLE {DOCUMENT_TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, subtitle || ' ' || summary), 'B')
        || setweight(to_tsvector('english'::regconfig, names), 'C')
        || setweight(to_tsvector('english'::regconfig, body), 'D')) STORED""",
    f"""ALTER TABLE {DOCUMENT_TABLE} ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, title)) STORED""",
    f"CREATE INDEX newsroom_search_vector_gin ON {DOCUMENT_TABLE} USING GIN (search_vector)",
    f"CREATE INDEX newsroom_search_title_gin ON {DOCUMENT_TABLE} USING GIN (title_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS newsroom_search_title_gin",
    "DROP INDEX IF EXISTS newsroom_search_vector_gin",
    f"ALTER TABLE {DOCUMENT_TABLE} DROP COLUMN IF EXISTS title_vector",
    f"ALTER TABLE {DOCUMENT_TABLE} DROP COLUMN IF EXISTS search_vector",
]


def statements(vendor: str, *, create: bool) -> list[str]:
    """The DDL to create (or drop) the full-text structures on ``vendor``; [] if unsupported."""
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRES_CREATE if create else POSTGRES_DROP
    return []
