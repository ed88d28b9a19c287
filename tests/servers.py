"""Real processes for tests: free ports, ``manage.py`` runs, gunicorn, a private PostgreSQL
instance and a private Redis server, plus a tiny HTTP client that never raises on 4xx/5xx."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Environment for a subprocess CMS: the developer's env minus database/cache choices."""
    drop = {"DATABASE_URL", "CACHE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.dev",
        DEBUG="0",
        MEDIA_ROOT=str(tmp_path / "media"),
        NEWSROOM_WEBHOOK_URLS="",
    )
    env.update(overrides)
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def http_get(url: str, etag: str | None = None, timeout: float = 10) -> tuple[int, str, dict]:
    """(status, ETag, JSON body) — HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("ETag", ""), _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("ETag", ""), _json(error.read())


def _json(raw: bytes) -> dict:
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {"_raw": raw[:200].decode("utf-8", "replace")}


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 4, timeout: float = 120) -> Iterator[str]:
    """Serve the CMS with gunicorn on a free port; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "cms.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "30"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if http_get(f"{base}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            server.terminate()
            raise AssertionError(f"gunicorn did not start: {server.communicate()[1][-3000:]!r}")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


class PrivatePostgres:
    """A PostgreSQL instance of the test's own: its own data folder and port."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-pg-"))
        self.port = free_port()
        shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.folder / "data"), "-A", "trust",
                           "-U", "postgres", "--no-sync"])  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, command: list[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-o", options,
                           "-l", str(self.folder / "log"), "-w", "start"])  # fmt: skip

    def stop(self) -> None:
        self._as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"]
        )

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A Redis server of the test's own on a free port (nothing on disk)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
