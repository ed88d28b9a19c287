"""Precise invalidation, measured: a change makes obsolete only the answers that show it.

A site of 1,000 live posts whose detail answers are all cached; then one post is published,
a person quoted in 3 posts is renamed, and an image shown in 5 posts gets a new file. After
each, every detail is requested once: at least 99 % of the others are served from the cache
(``X-Cache: hit``), and the affected ones are fresh on that very request (``miss``, with the
new content). No answer is stale: every hit's related posts are what the database says now.
"""

from __future__ import annotations

import io

import orjson
import pytest
from django.core.files.images import ImageFile
from PIL import Image as PILImage

from news.models import NewsPage
from news.serializers import related_ids
from tests.bulk_site import build
from tests.conftest import publish_news_page

POSTS = 1000


def _details(client, posts: list[int]) -> dict[int, tuple[str, dict]]:
    answers = {}
    for pk in posts:
        response = client.get(f"/api/v3/news/{pk}/")
        assert response.status_code == 200, pk
        answers[pk] = (response["X-Cache"], orjson.loads(response.content))
    return answers


def _hits(answers) -> set[int]:
    return {pk for pk, (x_cache, _) in answers.items() if x_cache == "hit"}


def _assert_related_lists_are_current(answers) -> None:
    for pk, (_, data) in answers.items():
        shown = [card["id"] for card in data["related"]]
        category = data["category"]
        assert shown == related_ids(pk, _category_id(category)), pk


_CATEGORY_IDS: dict[str, int] = {}


def _category_id(category: dict | None) -> int | None:
    return None if category is None else _CATEGORY_IDS[category["slug"]]


@pytest.fixture
def archive(news_index):
    site = build(news_index, POSTS)
    _CATEGORY_IDS.update({category.slug: category.pk for category in site.categories})
    return site


def test_one_change_leaves_the_other_answers_cached(client, news_index, archive):
    posts = archive.posts
    first = _details(client, posts)
    assert not _hits(first)  # every answer rendered once…
    warm = _details(client, posts)
    assert _hits(warm) == set(posts)  # …then all served from the cache

    # (a) A new post is published: it appears at once; the others keep their answers,
    # except those whose related list it enters (they are fresh on this very request).
    new = publish_news_page(
        news_index, title="Breaking", summary="New", category=archive.categories[0]
    )
    new.tags.add(archive.tags[0])
    new.save_revision().publish()
    after = _details(client, [*posts, new.pk])
    assert after[new.pk][1]["title"] == "Breaking"
    misses = set(posts) - _hits(after)
    assert len(misses) <= 0.01 * len(posts), sorted(misses)
    for pk in misses:  # missed because the new post now ranks among its related posts
        assert new.pk in [card["id"] for card in after[pk][1]["related"]]
    _assert_related_lists_are_current(after)

    # (b) A person quoted in 3 posts is renamed (published): exactly those 3 are fresh.
    quoted = archive.quoted
    quoted.name = "Renamed Person"
    quoted.save_revision().publish()
    after = _details(client, posts)
    assert set(posts) - _hits(after) == set(archive.quoting_posts)
    for pk in archive.quoting_posts:
        assert b"Renamed Person" in orjson.dumps(after[pk][1])
    assert all(b"Quoted Person" not in orjson.dumps(data) for _, data in after.values())

    # (c) An image shown in 5 posts gets a new file: exactly those 5 are fresh.
    image = archive.shared_image
    buffer = io.BytesIO()
    PILImage.new("RGB", (900, 300), (10, 200, 40)).save(buffer, "PNG")
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name="replaced-picture.png")
    image.width, image.height = 900, 300
    image.renditions.all().delete()  # as Wagtail's image form does when the file changes
    image.save()
    after = _details(client, posts)
    assert set(posts) - _hits(after) == set(archive.image_posts)
    for pk in archive.image_posts:
        assert b"replaced-picture" in orjson.dumps(after[pk][1])
    assert len(_hits(after)) >= 0.99 * len(posts)


def test_a_hit_costs_one_query_and_a_304_one_query(
    client, news_index, person, django_assert_num_queries
):
    post = publish_news_page(
        news_index, title="One query", body=[("quote", {"text": "Words.", "person": person})]
    )
    url = f"/api/v3/news/{post.pk}/"
    first = client.get(url)
    with django_assert_num_queries(1):  # the versions of the answer's tags
        again = client.get(url)
    assert again["X-Cache"] == "hit"
    with django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


CACHED_ENDPOINTS = [
    "/api/v3/news/",
    "/api/v3/news/{post}/",
    "/api/v3/route/?html_path=/news/cached-everywhere/",
    "/api/v3/route/?html_path=/no/such/page/",
    "/api/v3/site/",
    "/api/v3/persons/",
    "/api/v3/persons/{person}/",
    "/api/v3/organisations/",
    "/api/v3/organisations/{organisation}/",
    "/api/v3/feeds/news.rss",
    "/api/v3/feeds/news.atom",
    "/api/v3/pages/",
    "/api/v3/pages/{post}/",
    "/api/v2/pages/",
    "/api/v2/pages/{post}/",
]


@pytest.mark.parametrize("url", CACHED_ENDPOINTS)
def test_every_cached_endpoint_says_hit_or_miss(client, news_index, person, organisation, url):
    post = publish_news_page(news_index, title="Cached everywhere", slug="cached-everywhere")
    url = url.format(post=post.pk, person=person.pk, organisation=organisation.pk)
    first = client.get(url)
    assert first["X-Cache"] == "miss", first.content[:200]
    again = client.get(url)
    assert again["X-Cache"] == "hit"
    assert again.content == first.content
    assert client.get(url, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
    # Renaming the person and republishing the post: every one of these answers can show
    # one of them, so none is served from the cache any more.
    person.name = "Renamed"
    person.save_revision().publish()
    post.title = "Cached everywhere, again"
    post.save_revision().publish()
    assert client.get(url)["X-Cache"] == "miss"


@pytest.mark.parametrize(
    "url, headers",
    [
        ("/api/v3/search/?q=cached", {}),
        ("/api/v3/pages/{post}/", {"HTTP_AUTHORIZATION": "Bearer nosuchtoken"}),
        ("/api/v3/ping", {}),
    ],
)
def test_uncached_answers_say_bypass(client, news_index, url, headers):
    post = publish_news_page(news_index, title="Cached everywhere", slug="cached-everywhere")
    response = client.get(url.format(post=post.pk), **headers)
    assert response["X-Cache"] == "bypass"


def test_a_redirect_changes_only_the_route_answers_that_read_redirects(client, news_index):
    """An import writes a redirect per post and Wagtail one per slug change: they make the
    route lookup's redirect and 404 answers obsolete, not the posts' answers."""
    from wagtail.contrib.redirects.models import Redirect

    site = build(news_index, 30)
    posts = site.posts
    listing = "/api/v3/news/?limit=5"
    route_old = "/api/v3/route/?html_path=/blog/old-post/"
    target = client.get(f"/api/v3/news/{posts[3]}/").json()["path"]
    for _ in range(2):
        _details(client, posts)
        client.get(listing)
        assert client.get(route_old).status_code == 404
    assert _hits(_details(client, posts)) == set(posts)

    post = NewsPage.objects.get(pk=posts[3])
    redirect = Redirect.add_redirect("/blog/old-post", redirect_to=post)
    moved = client.get(route_old)
    assert moved.status_code == 200 and moved.json()["location"] == target
    assert _hits(_details(client, posts)) == set(posts)  # no post's answer changed
    assert client.get(listing)["X-Cache"] == "hit"

    redirect.redirect_page = NewsPage.objects.get(pk=posts[4])
    redirect.save()
    assert client.get(route_old).json()["location"] != target
    redirect.delete()
    assert client.get(route_old).status_code == 404
    assert _hits(_details(client, posts)) == set(posts)
