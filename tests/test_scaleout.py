"""Many workers, no stale content: gunicorn with 4 workers, a publish from another process.

Each configuration gets its own database (an SQLite file, or a fresh PostgreSQL database when
the suite runs on PostgreSQL) and real processes: ``manage.py`` to migrate and publish,
gunicorn to serve. After every worker has served (and cached) a post, another process
publishes a new title; 50 reads must all show it, with a new ETag.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]

CREATE_POST = """
from news.demo import DemoLoader
from news.models import NewsPage
home, index = DemoLoader().site_tree()
page = NewsPage(title="Original title", slug="scaleout", summary="Before.")
index.add_child(instance=page)
page.save_revision().publish()
print(page.pk)
"""

PUBLISH_CHANGE = """
from news.models import NewsPage
page = NewsPage.objects.get(slug="scaleout")
page.title = "{title}"
page.save_revision().publish()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _get(url: str, etag: str | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("ETag", ""), _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("ETag", ""), {}


def _json(raw: bytes) -> dict:
    import json

    return json.loads(raw) if raw else {}


def _configurations() -> list[str]:
    if ON_POSTGRES:
        return ["postgres+redis", "postgres+locmem"]
    return ["sqlite+locmem"]


@pytest.fixture(params=_configurations())
def cluster(request, tmp_path):
    """A migrated database with one post, served by gunicorn with 4 workers."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.dev",
        DEBUG="0",
        MEDIA_ROOT=str(tmp_path / "media"),
        NEWSROOM_WEBHOOK_URLS="",
    )
    database_name = None
    if request.param.startswith("postgres"):
        import psycopg

        database_name = f"newsroom_scaleout_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{database_name}"')
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database_name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    if request.param.endswith("redis"):
        env["CACHE_URL"] = "redis://127.0.0.1:6379/0"
        env["CACHE_KEY_PREFIX"] = f"scaleout-{uuid.uuid4().hex[:8]}"

    _manage(env, "migrate", "--noinput", "-v0")
    page_id = int(_manage(env, "shell", "-c", CREATE_POST).strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "cms.wsgi",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            server.terminate()
            pytest.fail(f"gunicorn did not start: {server.communicate()[1][-3000:]!r}")
        yield {"env": env, "url": f"{base}/api/v3/news/{page_id}/"}
    finally:
        server.terminate()
        server.wait(timeout=20)
        if database_name:
            import psycopg

            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def test_publish_from_another_process_is_seen_by_every_worker(cluster):
    url = cluster["url"]
    # Warm every worker's view (and cache) of the post: gunicorn spreads 40 requests over 4.
    warm = [_get(url) for _ in range(40)]
    assert all(status == 200 for status, _, _ in warm)
    assert {body["title"] for _, _, body in warm} == {"Original title"}
    old_etags = {etag for _, etag, _ in warm}
    assert len(old_etags) == 1 and "" not in old_etags
    old_etag = old_etags.pop()
    assert _get(url, old_etag)[0] == 304  # revalidation works before the change

    _manage(cluster["env"], "shell", "-c", PUBLISH_CHANGE.format(title="Changed elsewhere"))

    reads = [_get(url) for _ in range(50)]
    assert [status for status, _, _ in reads] == [200] * 50
    assert {body["title"] for _, _, body in reads} == {"Changed elsewhere"}
    assert old_etag not in {etag for _, etag, _ in reads}
    # A client still holding the old ETag gets the new content, not a 304.
    status, _, body = _get(url, old_etag)
    assert status == 200 and body["title"] == "Changed elsewhere"
