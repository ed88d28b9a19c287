"""Running searches against Newsroom's own index: SQLite FTS5 or PostgreSQL full-text search.

Each backend answers one search request — the editors' promoted posts for the query, the
ranked page of hits with their highlighted title and excerpt, and the number of hits — in
ONE SQL statement. It is built for 10,000+ posts of ~800 words, where reading every match's
full text (or full tsvector) to rank it is what costs:

- every match is found through the full-text index and counted without reading its text;
- ranking is exact (title > subtitle/summary > names > body) for every match when there are
  few, and for the best candidates when there are many (see each backend);
- highlights are computed for the returned page only.

The backends live in ``search.sqlite_backend`` and ``search.postgres_backend``, the parts
their statements share (and the ``<mark>`` highlighting of their rows) in ``search.statement``;
this module picks the one the database in use needs.
"""

from __future__ import annotations

from django.db import connection

from search.postgres_backend import PostgresBackend
from search.sqlite_backend import SQLiteBackend
from search.statement import Hit, SearchResult

__all__ = ["Hit", "PostgresBackend", "SQLiteBackend", "SearchResult", "get_backend"]


def get_backend() -> SQLiteBackend | PostgresBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(
        f"Newsroom search supports SQLite and PostgreSQL, not {connection.vendor}"
    )
