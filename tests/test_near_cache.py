"""Each process's copy of the shared cache's self-describing entries (news/read/near_cache.py).

A local-memory cache plays the shared one (``NEWSROOM_API_GENERATION_IN_CACHE``, as in
tests/test_shared_generation.py), wrapped to record which keys reach it: a cold render of a
second post reads what it shares with the first (its author's row, the organisation, the
images' rendition data) from the process's copy, never from the shared cache; a change is
still seen at once (the copy is keyed by the generation); what a caller does to a value it got
does not reach the next caller; the copy stays within its size; nothing is copied in front of a
cache that is not shared; a cold render sends everything it caches in one write, at its end.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches

from cms.api import http
from news import api_cache
from news.models import NewsPageAuthor
from news.read import near_cache
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db


class Recorder:
    """Records the keys asked of the cache's ``get_many`` and each write (the keys of one
    ``set``/``set_many`` call); the real cache answers."""

    def __init__(self, cache):
        self.cache, self.asked, self.writes = cache, [], []

    def __getattr__(self, name):
        return getattr(self.cache, name)

    def get_many(self, keys, *args, **kwargs):
        self.asked += list(keys)
        return self.cache.get_many(keys, *args, **kwargs)

    def set(self, key, *args, **kwargs):
        self.writes.append([key])
        return self.cache.set(key, *args, **kwargs)

    def set_many(self, values, *args, **kwargs):
        self.writes.append(list(values))
        return self.cache.set_many(values, *args, **kwargs)


@pytest.fixture
def shared(settings, monkeypatch):
    settings.NEWSROOM_API_GENERATION_IN_CACHE = True
    api_cache._memo.entries.clear()
    http.known_tags.tags.clear()
    recorder = Recorder(caches["default"])
    monkeypatch.setitem(caches._connections.__dict__, "default", recorder)
    assert caches["default"] is recorder
    yield recorder
    api_cache._memo.entries.clear()
    http.known_tags.tags.clear()


def make_post(news_index, person, title):
    return publish_news_page(
        news_index,
        title=title,
        authors=[NewsPageAuthor(person=person)],
        body=json.dumps([{"type": "bio", "value": {"person": person.pk, "heading": ""}}]),
    )


def test_a_second_cold_render_reads_what_posts_share_from_the_copy(
    client, shared, news_index, person
):
    first, second = make_post(news_index, person, "First"), make_post(news_index, person, "Second")
    assert client.get(f"/api/v3/news/{first.pk}/")["X-Cache"] == "miss"
    shared.asked.clear()
    answer = client.get(f"/api/v3/news/{second.pk}/")
    assert answer["X-Cache"] == "miss"
    assert answer.json()["body"][0]["value"]["person"]["name"] == "Ada Example"
    rows = [key for key in shared.asked if ":row:" in key]
    assert not [key for key in rows if "news.person" in key or "news.organisation" in key]
    assert not [key for key in rows if "wagtailimages" in key]
    assert not [key for key in shared.asked if "newsroom:rendition:" in key]


def test_a_change_is_seen_at_once(client, shared, news_index, person):
    first, second = make_post(news_index, person, "First"), make_post(news_index, person, "Second")
    client.get(f"/api/v3/news/{first.pk}/")
    person.name = "Ada Renamed"
    person.save_revision().publish()
    body = client.get(f"/api/v3/news/{second.pk}/").json()["body"]
    assert body[0]["value"]["person"]["name"] == "Ada Renamed"
    assert client.get(f"/api/v3/news/{first.pk}/").json()["body"][0]["value"]["person"]["name"] == (
        "Ada Renamed"
    )


def test_what_a_caller_changes_does_not_reach_the_next_caller(shared):
    near_cache.set_many("default", {"newsroom:test:card": {"title": "Kept"}}, 60)
    got = near_cache.get_many("default", ["newsroom:test:card"])["newsroom:test:card"]
    got["title"] = "Changed by a caller"
    again = near_cache.get_many("default", ["newsroom:test:card"])
    assert again == {"newsroom:test:card": {"title": "Kept"}}
    assert "newsroom:test:card" not in shared.asked  # answered by the copy


def test_the_copy_stays_within_its_size_and_falls_back_to_the_shared_cache(shared, settings):
    settings.NEWSROOM_NEAR_CACHE_BYTES = 4000
    near_cache.clear()
    values = {f"newsroom:test:{n}": "x" * 500 for n in range(40)}
    near_cache.set_many("default", values, 60)
    copy = near_cache._copy()
    assert copy.currsize <= 4000 and 0 < len(copy) < 40
    assert "newsroom:test:39" in copy and "newsroom:test:0" not in copy  # least recent go
    assert near_cache.get_many("default", list(values)) == values  # the rest from the cache
    assert "newsroom:test:0" in shared.asked and "newsroom:test:39" not in shared.asked


def test_nothing_is_copied_in_front_of_a_cache_that_is_not_shared(settings):
    settings.NEWSROOM_API_GENERATION_IN_CACHE = False
    near_cache.set_many("default", {"newsroom:test:local": 1}, 60)
    assert not near_cache.active("default")
    assert "newsroom:test:local" not in near_cache._copy()
    assert near_cache.get_many("default", ["newsroom:test:local"]) == {"newsroom:test:local": 1}


def test_a_cold_render_sends_what_it_caches_in_one_write_at_its_end(
    client, shared, news_index, person
):
    # The first render of an image makes its renditions (written when they are made).
    client.get(f"/api/v3/news/{make_post(news_index, person, 'First').pk}/")
    post = make_post(news_index, person, "Written behind")
    shared.writes.clear()
    first = client.get(f"/api/v3/news/{post.pk}/")
    assert first["X-Cache"] == "miss"
    # The post's row, its related ids, the cards and the answer: one write, not one per kind.
    assert len(shared.writes) == 1, shared.writes
    written = shared.writes[0]
    assert any(":row:" in key and "news.newspage.visible" in key for key in written)
    assert any(key.startswith("newsroom:related:") for key in written)
    assert any(key.startswith("newsroom:answer:") for key in written)
    # Written to the shared cache, not only to this process's copy: another process (no copy,
    # no remembered tags) is answered from it, with the same ETag.
    near_cache.clear()
    http.known_tags.tags.clear()
    api_cache._memo.entries.clear()
    shared.writes.clear()
    again = client.get(f"/api/v3/news/{post.pk}/")
    assert again["X-Cache"] == "hit" and again["ETag"] == first["ETag"]
    assert again.content == first.content
    assert not shared.writes
    rows = [key for key in written if ":row:" in key]
    assert set(rows) <= set(caches["default"].get_many(rows))


def test_writes_wait_for_the_end_of_the_block_and_survive_an_error(shared):
    with pytest.raises(RuntimeError), near_cache.write_behind():
        near_cache.set_many("default", {"newsroom:test:a": 1}, 60)
        with near_cache.write_behind():  # nested: sent with the outer block
            near_cache.set_many("default", {"newsroom:test:b": 2}, 60)
            near_cache.set_many("default", {"newsroom:test:answer": 3}, 60, keep=False)
        assert not shared.writes
        assert near_cache.get_many("default", ["newsroom:test:a"]) == {"newsroom:test:a": 1}
        raise RuntimeError("the render failed")
    assert len(shared.writes) == 1
    assert sorted(shared.writes[0]) == [
        "newsroom:test:a",
        "newsroom:test:answer",
        "newsroom:test:b",
    ]
    assert "newsroom:test:answer" not in near_cache._copy()  # keep=False: no copy
    assert caches["default"].get("newsroom:test:b") == 2
