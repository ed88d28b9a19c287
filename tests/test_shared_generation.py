"""The content generation kept in a shared cache (news/shared_generation.py): a 304 or a hit
without SQL while nothing changed, the writer's pending marker and after-commit write, the
reader's set-if-absent, time-based expiry. A local-memory cache plays the shared one
(``NEWSROOM_API_GENERATION_IN_CACHE``): one process, so one cache, as Redis is for all."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.api import http
from news import api_cache, shared_generation
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shared(settings):
    settings.NEWSROOM_API_GENERATION_IN_CACHE = True
    api_cache._memo.entries.clear()
    http.known_tags.tags.clear()
    yield
    api_cache._memo.entries.clear()


def _cached_value():
    return api_cache.response_cache().get(shared_generation.KEY)


@pytest.fixture
def post(news_index, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return publish_news_page(news_index, title="Shared", summary="First words")


def test_304_and_hit_run_no_query_while_the_generation_is_the_same(client, post):
    url = f"/api/v3/news/{post.pk}/"
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        hit = client.get(url)
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (hit["X-Cache"], hit.content) == ("hit", first.content)
    assert not_modified.status_code == 304
    assert len(queries) == 0, [q["sql"][:200] for q in queries]


def test_a_publish_is_seen_by_the_very_next_request(
    client, post, django_capture_on_commit_callbacks
):
    url = f"/api/v3/news/{post.pk}/"
    etag = client.get(url)["ETag"]
    client.get(url)  # the versions are memoised now
    with django_capture_on_commit_callbacks(execute=True):
        post.summary = "Second words"
        post.save_revision().publish()
    assert isinstance(_cached_value(), shared_generation.Generation)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["summary"] == "Second words"
    assert changed["ETag"] != etag


def test_readers_ask_the_database_until_the_writer_commits(
    post, django_capture_on_commit_callbacks
):
    before = api_cache.current_generation()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        new = api_cache.bump({f"page:{post.pk}"}, "test")
        assert _cached_value() == shared_generation.PENDING
        reader = SimpleNamespace()  # a request: the generation is memoised on it
        with CaptureQueriesContext(connection) as queries:
            api_cache.read_versions(reader, [f"page:{post.pk}"])
        assert len(queries) == 1
        assert reader._newsroom_generation == new != before
        assert _cached_value() == shared_generation.PENDING  # a reader writes nothing
    assert _cached_value().token == new


def test_a_rolled_back_bump_leaves_readers_on_the_database(client, post):
    url = f"/api/v3/news/{post.pk}/"
    versions = api_cache.read_versions(None, [f"page:{post.pk}"])
    with pytest.raises(RuntimeError), transaction.atomic():
        api_cache.bump({f"page:{post.pk}"}, "rolled back")
        raise RuntimeError
    assert _cached_value() == shared_generation.PENDING
    assert api_cache.read_versions(None, [f"page:{post.pk}"]) == versions
    assert client.get(url).json()["summary"] == "First words"


def test_a_reader_that_read_before_a_commit_cannot_overwrite_it():
    cache = api_cache.response_cache()
    old = shared_generation.Generation("1.a", None)
    new = shared_generation.Generation("2.b", None)
    shared_generation.mark_pending(cache)
    shared_generation.fill(cache, old)  # the reader read the database before the commit
    assert cache.get(shared_generation.KEY) == shared_generation.PENDING
    shared_generation.publish(cache, new)
    shared_generation.fill(cache, old)
    assert cache.get(shared_generation.KEY) == new


def test_a_missing_generation_is_added_from_the_database(post):
    api_cache.response_cache().delete(shared_generation.KEY)
    token = api_cache.current_generation()
    assert _cached_value().token == token


def test_expiry_passes_without_a_signal(client, news_index, monkeypatch):
    with transaction.atomic():
        post = publish_news_page(
            news_index, title="Expiring", expire_at=timezone.now() + dt.timedelta(hours=1)
        )
    url = f"/api/v3/news/{post.pk}/"
    api_cache.response_cache().delete(shared_generation.KEY)  # filled by the next reader
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Cache"] == "hit"
    assert _cached_value().next_expiry == post.expire_at

    # Time passes (readers' filters compare with the database's clock, so move the expiry
    # there too): no signal fires, yet the next request bumps the tags of the expired page.
    type(post).objects.filter(pk=post.pk).update(expire_at=timezone.now() - dt.timedelta(seconds=1))
    later = timezone.now() + dt.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(url).status_code == 404


def test_an_answer_stored_by_another_process_takes_the_fast_path_next(client, post):
    url = f"/api/v3/news/{post.pk}/"
    client.get(url)
    http.known_tags.tags.clear()  # this process has not seen the key: another one stored it
    assert client.get(url)["X-Cache"] == "hit"
    assert http.known_tags.tags


def test_only_caches_shared_by_processes_keep_the_generation(settings):
    del settings.NEWSROOM_API_GENERATION_IN_CACHE
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "redis": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://x:1/0"},
    }
    assert not shared_generation.enabled("default")
    assert shared_generation.enabled("redis")
