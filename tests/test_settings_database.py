"""The default database settings: persistent, health-checked connections; on SQLite the WAL
pragmas run once for each new connection (cms/settings/database.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from cms.settings.database import DEFAULT_CONN_MAX_AGE, PREPARE_THRESHOLD, default_database


def test_defaults_keep_connections_and_check_them(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    database = default_database(tmp_path / "db.sqlite3")
    assert database["CONN_MAX_AGE"] == DEFAULT_CONN_MAX_AGE > 0
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["init_command"].count("PRAGMA") == 2
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_gets_the_same_lifetime_and_a_connect_timeout(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://newsroom@db.example:5432/newsroom")
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    monkeypatch.delenv("DB_PREPARED_STATEMENTS", raising=False)
    database = default_database(tmp_path / "unused.sqlite3")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (600, True)
    # Prepared statements for the API's compiled statements (tests/test_prepared_statements.py)
    assert database["OPTIONS"] == {"connect_timeout": 3, "prepare_threshold": PREPARE_THRESHOLD}


def test_prepared_statements_can_be_turned_off_for_a_pooler(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://newsroom@db.example:5432/newsroom")
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "false")
    assert "prepare_threshold" not in default_database(tmp_path / "unused.sqlite3")["OPTIONS"]


def test_zero_gives_a_connection_per_request(monkeypatch, tmp_path):
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    assert default_database(tmp_path / "db.sqlite3")["CONN_MAX_AGE"] == 0


def test_the_running_settings_are_these_defaults():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == DEFAULT_CONN_MAX_AGE
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's pragmas")
def test_sqlite_connection_runs_in_wal_with_normal_sync():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
