"""Back up and restore the database and local media, for both SQLite and PostgreSQL.

A backup is a folder: ``database.dump`` (``pg_dump`` custom format) or ``database.sqlite3``
(SQLite's online backup), ``media.tar.gz`` when media are on the local disk (with object
storage, the bucket's own versioning/replication is the backup), and ``manifest.json``.
Restoring replaces the configured database's content and bumps the API's content generation,
so no cache anywhere can keep serving what was there before.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection


class BackupError(Exception):
    pass


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-1000:]}")


def _local_media_root() -> Path | None:
    storage = default_storage._wrapped if hasattr(default_storage, "_wrapped") else None
    if storage is None:
        default_storage._setup()
        storage = default_storage._wrapped
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def backup(destination: Path, *, include_media: bool = True) -> dict:
    """Write a backup into ``destination`` (created; must be empty) and return its manifest."""
    engine = _engine()
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty.")
    if engine == "postgresql":
        env, args = _pg_env_and_args()
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
             "--file", str(destination / "database.dump"), connection.settings_dict["NAME"]],
            env,
        )  # fmt: skip
        database_file = "database.dump"
    else:
        connection.ensure_connection()
        target = sqlite3.connect(destination / "database.sqlite3")
        with target:
            connection.connection.backup(target)
        target.close()
        database_file = "database.sqlite3"
    media_root = _local_media_root()
    media_file = None
    if include_media and media_root is not None and media_root.exists():
        media_file = "media.tar.gz"
        with tarfile.open(destination / media_file, "w:gz") as archive:
            archive.add(media_root, arcname="media")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "engine": engine,
        "database": database_file,
        "media": media_file,
    }
    (destination / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(source: Path, *, include_media: bool = True) -> dict:
    """Replace the configured database (and local media) with the backup in ``source``."""
    manifest_path = source / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"{source} has no manifest.json: not a Newsroom backup.")
    manifest = json.loads(manifest_path.read_text())
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"The backup is of {manifest['engine']}, the database is {engine}.")
    if engine == "postgresql":
        env, args = _pg_env_and_args()
        connection.close()
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", *args, "--dbname", connection.settings_dict["NAME"],
             str(source / manifest["database"])],
            env,
        )  # fmt: skip
    else:
        connection.ensure_connection()
        backup_db = sqlite3.connect(source / manifest["database"])
        with backup_db:
            backup_db.backup(connection.connection)
        backup_db.close()
    media_root = _local_media_root()
    if include_media and manifest.get("media") and media_root is not None:
        staging = media_root.parent / f".restore-{os.getpid()}"
        with tarfile.open(source / manifest["media"], "r:gz") as archive:
            archive.extractall(staging, filter="data")
        if media_root.exists():
            shutil.rmtree(media_root)
        shutil.move(str(staging / "media"), str(media_root))
        shutil.rmtree(staging, ignore_errors=True)
    from news import api_cache

    api_cache.invalidate("restore from backup")
    return manifest
