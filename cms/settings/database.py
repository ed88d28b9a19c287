"""The database connection settings: persistent, health-checked connections by default.

A web process serves many requests; opening a connection for each one (and, on SQLite,
running the WAL pragmas again) cost most of a cached API answer's time. So each thread keeps
its connection for ``DB_CONN_MAX_AGE`` seconds, and Django checks at the start of every
request that a kept connection still works (``CONN_HEALTH_CHECKS``), replacing it when the
database restarted in between. Gunicorn's sync workers serve one request at a time, so one
kept connection per worker is what a pool would give them, without another dependency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from cms.env import env_bool, env_int, env_str

# Seconds a connection is kept between requests (0: a new connection for every request).
DEFAULT_CONN_MAX_AGE = 600

# Runs of one statement on a connection before psycopg prepares it (psycopg's own default).
PREPARE_THRESHOLD = 5

# Run once on each new SQLite connection (and so once per kept connection): WAL lets readers
# go on while the admin writes; NORMAL syncing is safe with WAL and avoids a disk flush per
# commit.
SQLITE_INIT_COMMAND = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"


def default_database(sqlite_path: Path) -> dict[str, Any]:
    """``DATABASES["default"]`` from ``DATABASE_URL`` (SQLite file in the project if unset)."""
    database = dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{sqlite_path}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", DEFAULT_CONN_MAX_AGE),
        conn_health_checks=True,
    )
    if "postgresql" in database["ENGINE"]:
        # Fail fast (then 503 JSON) rather than hang when PostgreSQL is unreachable.
        database.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 3)
        if env_bool("DB_PREPARED_STATEMENTS", True):
            # psycopg prepares a statement after it ran this many times on a connection; only
            # the API's compiled statements can be (news.read.statements): Django's own cursor
            # binds values on the client. Off behind a pooler that cannot keep them.
            database["OPTIONS"]["prepare_threshold"] = PREPARE_THRESHOLD
    elif database["ENGINE"] == "django.db.backends.sqlite3":
        # The admin's live preview panel and "Preview in new tab" write at the same moment;
        # WAL + IMMEDIATE transactions + a busy timeout keep SQLite from answering "locked".
        database["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": SQLITE_INIT_COMMAND,
        }
    return database
