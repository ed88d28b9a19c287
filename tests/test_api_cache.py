"""HTTP caching and the response cache: ETag, 304, and never a stale read after a change.

The content generation lives in the database, so the tests also play "another process":
a second, separate local-memory cache that still holds an old answer must not serve it.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import PageViewRestriction

from cms.api import http
from cms.api import news as news_api
from news import api_cache
from news.read import near_cache
from news.serializers import page_detail
from tests.conftest import make_image, publish_news_page

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/api/v3/news/",
    "/api/v3/news/{post}/",
    "/api/v3/route/?html_path=/news/cached/",
    "/api/v3/organisations/",
    "/api/v3/organisations/example-corp/",
    "/api/v3/persons/",
    "/api/v3/persons/ada-example/",
    "/api/v3/feeds/news.rss",
    "/api/v3/feeds/news.atom",
    "/api/v3/pages/",
    "/api/v3/pages/{post}/",
    "/api/v2/pages/",
    "/api/v2/pages/{post}/",
    "/api/v3/ping",
]


@pytest.fixture
def post(news_index, person):
    from news.models import NewsPageAuthor

    return publish_news_page(
        news_index,
        title="Cached",
        summary="First words",
        authors=[NewsPageAuthor(person=person)],
        body=json.dumps([{"type": "bio", "value": {"person": person.pk, "heading": ""}}]),
    )


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_get_has_etag_and_cache_control_and_answers_304(client, post, url):
    url = url.format(post=post.pk)
    first = client.get(url)
    assert first.status_code == 200, first.content[:200]
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    other = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_process_that_never_gave_the_answer_still_answers_304(client, post, url, settings):
    """Behind a load balancer the client revalidates at another process, which has never
    given that answer (its own memory cache, no remembered tags): it finds the same ETag
    once it has the answer, and sends a 304, not the bytes again."""
    url = url.format(post=post.pk)
    settings.CACHES = {
        **settings.CACHES,
        "process_a": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "a"},
        "process_b": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"},
    }
    settings.NEWSROOM_API_CACHE_ALIAS = "process_a"
    first = client.get(url)
    assert first.status_code == 200
    settings.NEWSROOM_API_CACHE_ALIAS = "process_b"
    http.known_tags.tags.clear()
    api_cache._memo.entries.clear()
    near_cache.clear()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304, again.content[:200]
    assert again.content == b"" and again["ETag"] == first["ETag"]
    if first["X-Cache"] != "bypass":
        assert again["X-Cache"] == "miss"  # rendered here, then found to be what the client has
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])["X-Cache"] == "hit"


def test_revalidation_costs_one_query(client, post):
    url = f"/api/v3/news/{post.pk}/"
    etag = client.get(url)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    assert len(queries) == 1  # the content generation


def test_cached_answer_costs_one_query_and_is_identical(client, post):
    url = f"/api/v3/news/{post.pk}/"
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert len(queries) == 1
    assert second.content == first.content


def test_publish_then_read_is_never_stale(client, post):
    url = f"/api/v3/news/{post.pk}/"
    etag = client.get(url)["ETag"]
    client.get("/api/v3/news/")  # listing cached as well

    post.summary = "Second words"
    post.save_revision().publish()

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert client.get(url).json()["summary"] == "Second words"
    assert client.get("/api/v3/news/").json()["items"][0]["summary"] == "Second words"


def test_unpublish_and_delete_take_effect_at_once(client, post):
    assert client.get("/api/v3/news/").json()["count"] == 1
    post.unpublish()
    assert client.get(f"/api/v3/news/{post.pk}/").status_code == 404
    assert client.get("/api/v3/news/").json()["count"] == 0
    post.save_revision().publish()
    assert client.get("/api/v3/news/").json()["count"] == 1
    post.delete()
    assert client.get("/api/v3/news/").json()["count"] == 0


def test_snippet_publish_reaches_every_post_that_uses_it(client, post, person):
    url = f"/api/v3/news/{post.pk}/"
    assert client.get(url).json()["body"][0]["value"]["person"]["role"] == person.role
    person.role = "Chief Scientist"
    person.save_revision()  # a draft: nothing changes for readers
    assert client.get(url).json()["body"][0]["value"]["person"]["role"] != "Chief Scientist"
    person.save_revision().publish()
    assert client.get(url).json()["body"][0]["value"]["person"]["role"] == "Chief Scientist"
    assert client.get("/api/v3/persons/ada-example/").json()["role"] == "Chief Scientist"


def test_organisation_unpublish_and_image_change_invalidate(client, post, person, organisation):
    url = f"/api/v3/persons/{person.pk}/"
    assert client.get(url).json()["organisation"]["name"] == "Example Corp"
    organisation.unpublish()
    assert client.get(url).json()["organisation"] is None

    headshot = person.headshot
    headshot.title = "Renamed headshot"
    headshot.save()
    assert client.get(url).json()["headshot"]["title"] == "Renamed headshot"
    new_image = make_image("Replacement")
    person.headshot = new_image
    person.save_revision().publish()
    assert client.get(url).json()["headshot"]["id"] == new_image.pk


def test_redirect_and_view_restriction_changes_invalidate(client, post):
    route = "/api/v3/route/?html_path=/old/"
    assert client.get(route).status_code == 404
    Redirect.objects.create(old_path="/old", redirect_page=post)
    assert client.get(route).json()["location"] == "/news/cached/"

    assert client.get(f"/api/v3/news/{post.pk}/").status_code == 200
    PageViewRestriction.objects.create(page=post, restriction_type="login")
    assert client.get(f"/api/v3/news/{post.pk}/").status_code == 404


def test_move_changes_paths_at_once(client, post, news_index, home_page):
    from news.models import NewsIndexPage

    other = NewsIndexPage(title="Press", slug="press")
    home_page.add_child(instance=other)
    other.save_revision().publish()
    assert client.get(f"/api/v3/news/{post.pk}/").json()["path"] == "/news/cached/"
    post.move(other, pos="last-child")
    assert client.get(f"/api/v3/news/{post.pk}/").json()["path"] == "/press/cached/"


def test_expiry_without_signal_still_hides_cached_post(client, post):
    """A page passing its expire_at sends no signal; the stored next expiry bumps anyway."""
    post.expire_at = timezone.now() + dt.timedelta(hours=1)
    post.save_revision().publish()
    url = f"/api/v3/news/{post.pk}/"
    assert client.get(url).status_code == 200  # cached now
    # Time passes: make the expiry lie in the past without any signal firing.
    type(post).objects.filter(pk=post.pk).update(expire_at=timezone.now() - dt.timedelta(seconds=1))
    api_cache.ContentGeneration.objects.update(next_expiry=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(url).status_code == 404


def test_other_process_cache_cannot_serve_stale(client, post, settings):
    """Two processes = two local-memory caches; the generation comes from the database."""
    settings.CACHES = {
        **settings.CACHES,
        "process_a": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "a"},
        "process_b": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"},
    }
    url = f"/api/v3/news/{post.pk}/"
    settings.NEWSROOM_API_CACHE_ALIAS = "process_a"
    assert client.get(url).json()["summary"] == "First words"  # process A caches it

    settings.NEWSROOM_API_CACHE_ALIAS = "process_b"
    post.summary = "Published by process B"
    post.save_revision().publish()  # B's signal bumps the generation in the database
    assert client.get(url).json()["summary"] == "Published by process B"

    settings.NEWSROOM_API_CACHE_ALIAS = "process_a"  # A still holds the old bytes
    assert caches["process_a"]._cache  # (it really does hold something)
    assert client.get(url).json()["summary"] == "Published by process B"


def test_invalidate_is_callable_by_the_publishing_pipeline(client, post):
    before = api_cache.current_generation()
    after = api_cache.invalidate("test: pipeline says something changed")
    assert after != before
    assert api_cache.current_generation() == after


def test_draft_save_does_not_invalidate(post):
    before = api_cache.current_generation()
    post.title = "Draft title"
    post.save_revision()
    assert api_cache.current_generation() == before


def test_response_cache_setting_off_renders_every_answer(client, post, settings, monkeypatch):
    url = f"/api/v3/news/{post.pk}/"
    first = client.get(url)
    # The old benchmark header is gone: it never skips or clears a cache.
    with CaptureQueriesContext(connection) as cached:
        again = client.get(url, HTTP_X_NEWSROOM_BYPASS_CACHE="cold")
    assert len(cached) == 1 and again["X-Cache"] == "hit"
    settings.NEWSROOM_API_RESPONSE_CACHE = False
    rendered = []
    monkeypatch.setattr(
        news_api,
        "page_detail",
        lambda page, **kw: rendered.append(page.pk) or page_detail(page, **kw),
    )
    answers = [client.get(url) for _ in range(2)]
    assert rendered == [post.pk, post.pk]
    assert {answer["X-Cache"] for answer in answers} == {"miss"}
    assert {answer.content for answer in answers} == {first.content}


def test_head_is_get_without_body(client, post):
    get = client.get("/api/v3/news/")
    head = client.head("/api/v3/news/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert int(head["Content-Length"]) == len(get.content)
