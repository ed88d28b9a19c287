"""Many workers, no stale content: gunicorn with 4 workers, a publish from another process.

Each configuration gets its own database (an SQLite file, or a fresh PostgreSQL database when
the suite runs on PostgreSQL) and real processes: ``manage.py`` to migrate and publish,
gunicorn to serve. After every worker has served (and cached) a post, another process
publishes a new title; 50 reads must all show it, with a new ETag.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from tests.servers import base_env, gunicorn, http_get, manage

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


def _configurations() -> list[str]:
    if ON_POSTGRES:
        return ["postgres+redis", "postgres+locmem"]
    return ["sqlite+locmem"]


@pytest.fixture(params=_configurations())
def cluster(request, tmp_path):
    """A migrated database with one post, served by gunicorn with 4 workers."""
    env = base_env(tmp_path)
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

    manage(env, "migrate", "--noinput", "-v0")
    page_id = int(manage(env, "shell", "-c", CREATE_POST).strip().splitlines()[-1])
    try:
        with gunicorn(env, workers=4) as base:
            yield {"env": env, "url": f"{base}/api/v3/news/{page_id}/"}
    finally:
        if database_name:
            import psycopg

            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')


def test_publish_from_another_process_is_seen_by_every_worker(cluster):
    url = cluster["url"]
    # Warm every worker's view (and cache) of the post: gunicorn spreads 40 requests over 4.
    warm = [http_get(url) for _ in range(40)]
    assert all(status == 200 for status, _, _ in warm)
    assert {body["title"] for _, _, body in warm} == {"Original title"}
    old_etags = {etag for _, etag, _ in warm}
    assert len(old_etags) == 1 and "" not in old_etags
    old_etag = old_etags.pop()
    assert http_get(url, old_etag)[0] == 304  # revalidation works before the change

    manage(cluster["env"], "shell", "-c", PUBLISH_CHANGE.format(title="Changed elsewhere"))

    reads = [http_get(url) for _ in range(50)]
    assert [status for status, _, _ in reads] == [200] * 50
    assert {body["title"] for _, _, body in reads} == {"Changed elsewhere"}
    assert old_etag not in {etag for _, etag, _ in reads}
    # A client still holding the old ETag gets the new content, not a 304.
    status, _, body = http_get(url, old_etag)
    assert status == 200 and body["title"] == "Changed elsewhere"
