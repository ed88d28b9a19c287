"""Faults with real servers: a PostgreSQL restart during traffic, and Redis going away.

PostgreSQL: an instance of the test's own (own data folder and port) behind gunicorn; while
it is down, requests get a 503 JSON quickly (no hang, no HTML error page); once it is back,
service recovers by itself. Redis: a private redis-server as the cache; when it stops, the API
keeps serving correct content and /readyz reports the cache as down.
"""

from __future__ import annotations

import time

from tests.servers import (
    PrivatePostgres,
    PrivateRedis,
    base_env,
    gunicorn,
    http_get,
    manage,
)

CREATE_POST = """
from news.demo import DemoLoader
from news.models import NewsPage
home, index = DemoLoader().site_tree()
page = NewsPage(title="Fault tolerant", slug="faults", summary="Still here.")
index.add_child(instance=page)
page.save_revision().publish()
print(page.pk)
"""


def _prepare(env: dict) -> int:
    manage(env, "migrate", "--noinput", "-v0")
    return int(manage(env, "shell", "-c", CREATE_POST).strip().splitlines()[-1])


def test_postgres_restart_gives_quick_503s_then_recovers(tmp_path):
    postgres = PrivatePostgres()
    try:
        postgres.start()
        env = base_env(tmp_path, DATABASE_URL=postgres.url)
        page_id = _prepare(env)
        with gunicorn(env, workers=2) as base:
            url = f"{base}/api/v3/news/{page_id}/"
            assert http_get(url)[0] == 200

            postgres.stop()
            during = []
            for _ in range(6):
                started = time.monotonic()
                status, _, body = http_get(url, timeout=15)
                during.append((status, body, time.monotonic() - started))
            assert {status for status, _, _ in during} == {503}
            assert all(body.get("status") == 503 for _, body, _ in during)  # JSON, not HTML
            assert max(elapsed for _, _, elapsed in during) < 5  # quick, no hang
            assert http_get(f"{base}/readyz")[2]["checks"]["database"] == "down"

            postgres.start()
            deadline = time.monotonic() + 30
            status, body = 0, {}
            while time.monotonic() < deadline:
                status, _, body = http_get(url)
                if status == 200:
                    break
                time.sleep(0.5)
            assert status == 200 and body["title"] == "Fault tolerant"
            # Every worker recovers, not just one.
            assert {http_get(url)[0] for _ in range(10)} == {200}
    finally:
        postgres.destroy()


def test_redis_stopping_bypasses_the_cache_and_readyz_says_so(tmp_path):
    redis = PrivateRedis()
    redis.start()
    try:
        env = base_env(
            tmp_path,
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            CACHE_URL=redis.url,
        )
        page_id = _prepare(env)
        with gunicorn(env, workers=2) as base:
            url = f"{base}/api/v3/news/{page_id}/"
            assert http_get(url)[2]["title"] == "Fault tolerant"
            assert http_get(f"{base}/readyz")[2]["checks"]["cache"] == "ok"

            redis.stop()
            answers = [http_get(url) for _ in range(6)]
            assert {status for status, _, _ in answers} == {200}
            assert {body["title"] for _, _, body in answers} == {"Fault tolerant"}
            status, _, body = http_get(f"{base}/readyz")
            assert status == 503 and body["checks"]["cache"] == "down"

            # A change published while Redis is down is served at once (nothing stale).
            manage(
                env,
                "shell",
                "-c",
                "from news.models import NewsPage\n"
                "p = NewsPage.objects.get(slug='faults'); p.title = 'Changed without Redis'\n"
                "p.save_revision().publish()",
            )
            assert http_get(url)[2]["title"] == "Changed without Redis"
    finally:
        redis.stop()
