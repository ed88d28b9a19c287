"""The listing's pages and total: every page of ``/api/v3/news/`` agrees with one walk of the
visible posts, in every ordering and filter, before and after the changes that move a post in
or out of it.

The listing reads a page's ids along the posts' date index and counts the total apart: a
short page ends the listing (its end is the total), otherwise the count is kept per content
generation and filters in the row cache. These tests hold the pages to an oracle (the ORM's
visible posts, sorted in Python) and check that the count is read once per generation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from news import api_cache
from news.models import NewsPage
from news.read.selectors import reader_visible
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db

ORDERINGS = {
    "-date": lambda post: (post.date, post.pk),
    "date": lambda post: (post.date, post.pk),
    "title": lambda post: (post.title, post.pk),
    "-title": lambda post: (post.title, post.pk),
}


@pytest.fixture
def posts(news_index):
    start = timezone.now() - dt.timedelta(days=30)
    made = []
    for number in range(7):
        made.append(
            publish_news_page(
                news_index,
                title=f"Post {'ABCDEFG'[(number * 3) % 7]}",
                # two posts share a date: the id breaks the tie
                date=start + dt.timedelta(days=min(number, 5)),
            )
        )
    return made


def expected_ids(ordering: str) -> list[int]:
    visible = list(reader_visible(NewsPage.objects.all()))
    key = ORDERINGS[ordering]
    return [post.pk for post in sorted(visible, key=key, reverse=ordering.startswith("-"))]


def walk(client, limit: int, ordering: str = "-date", extra: str = "") -> tuple[list, set]:
    """Every page of the listing: the ids in order, and the totals the pages gave."""
    ids, totals, offset = [], set(), 0
    while True:
        url = f"/api/v3/news/?limit={limit}&offset={offset}&ordering={ordering}{extra}"
        body = client.get(url).json()
        totals.add(body["count"])
        ids += [item["id"] for item in body["items"]]
        if not body["items"]:
            return ids, totals
        offset += limit


@pytest.mark.parametrize("ordering", list(ORDERINGS))
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 20])
def test_every_page_and_total_match_the_visible_posts(client, posts, ordering, limit):
    ids, totals = walk(client, limit, ordering)
    assert ids == expected_ids(ordering)
    assert totals == {len(posts)}
    # Past the end: no items, the same total.
    past = client.get(f"/api/v3/news/?limit={limit}&offset=50&ordering={ordering}").json()
    assert (past["items"], past["count"]) == ([], len(posts))


def test_the_total_follows_every_change_that_moves_a_post(client, posts, news_index):
    assert walk(client, 2)[1] == {7}
    posts[0].unpublish()
    assert walk(client, 2) == (expected_ids("-date"), {6})
    posts[1].expire_at = timezone.now() + dt.timedelta(hours=1)
    posts[1].save_revision().publish()
    assert walk(client, 2)[1] == {6}
    # Time passes (as in test_api_cache): the expiry lies in the past, no signal fired.
    past = timezone.now() - dt.timedelta(seconds=1)
    NewsPage.objects.filter(pk=posts[1].pk).update(expire_at=past)
    api_cache.ContentGeneration.objects.update(next_expiry=past)
    assert walk(client, 2) == (expected_ids("-date"), {5})
    PageViewRestriction.objects.create(page=posts[2], restriction_type="login")
    assert walk(client, 2) == (expected_ids("-date"), {4})
    publish_news_page(news_index, title="Newest", date=timezone.now())
    ids, totals = walk(client, 2)
    assert ids == expected_ids("-date") and totals == {5}


def test_filters_have_totals_of_their_own(client, posts):
    for post in posts[:3]:
        post.tags.add("kept")
        post.save_revision().publish()
    assert walk(client, 2, extra="&tag=kept") == (
        [p.pk for p in sorted(posts[:3], key=lambda p: (p.date, p.pk), reverse=True)],
        {3},
    )
    assert walk(client, 2)[1] == {7}
    assert walk(client, 2, extra="&tag=absent") == ([], {0})


def test_the_count_is_read_once_per_generation(client, posts):
    def count_statements(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries)

    assert count_statements("/api/v3/news/?limit=2") == 1  # a full page: counted
    assert count_statements("/api/v3/news/?limit=2&offset=2") == 0  # the same generation
    assert count_statements("/api/v3/news/?limit=2&offset=6") == 0  # short: its end is all
    posts[3].save_revision().publish()  # a new generation
    assert count_statements("/api/v3/news/?limit=2&offset=4") == 1
