"""The listing's pages and total: every page of ``/api/v3/news/`` agrees with one walk of the
visible posts, in every ordering and filter, before and after the changes that move a post in
or out of it.

The listing keeps its order (the ids of the posts that pass its filters, sorted; the first
5,000) per content generation, filters and ordering in the row cache, and serves a page as a
slice of it (its length is the total); past a bounded order a page is read along the posts'
date index by offset and the total counted apart. These tests hold the pages to an oracle (the
ORM's visible posts, sorted in Python) and check that the order is read once per generation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from cms.api import news
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


def statements(client, url: str) -> dict[str, int]:
    """The listing's statements one request ran: the order, the page by offset, the count."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    texts = [q["sql"].upper() for q in queries.captured_queries]
    return {
        "order": sum(f"LIMIT {news.LISTING_ORDER_MAX + 1}" in sql for sql in texts),
        "offset": sum(" OFFSET " in sql for sql in texts),
        "count": sum("COUNT(" in sql for sql in texts),
    }


def test_the_order_is_read_once_per_generation(client, posts):
    # The first page reads the order (which is also the total), no page by offset, no count.
    assert statements(client, "/api/v3/news/?limit=2") == {"order": 1, "offset": 0, "count": 0}
    for offset in (2, 4, 6):  # the same generation: slices of the kept order
        url = f"/api/v3/news/?limit=2&offset={offset}"
        assert statements(client, url) == {"order": 0, "offset": 0, "count": 0}
    assert statements(client, "/api/v3/news/?limit=2&ordering=title")["order"] == 1  # its own
    posts[3].save_revision().publish()  # a new generation
    assert statements(client, "/api/v3/news/?limit=2&offset=4")["order"] == 1


@pytest.fixture
def short_order(monkeypatch):
    """A kept order of 3 posts at most (the statement compiles the bound in)."""
    monkeypatch.setattr(news, "LISTING_ORDER_MAX", 3)
    news._listing_order_statement.cache_clear()
    yield
    news._listing_order_statement.cache_clear()


@pytest.mark.parametrize("ordering", ["-date", "title"])
def test_pages_past_a_bounded_order_are_read_by_offset(client, posts, short_order, ordering):
    ids, totals = walk(client, 2, ordering)
    assert ids == expected_ids(ordering) and totals == {len(posts)}
    # Past the kept 3: the page by offset, and the total counted (once per generation);
    # within them: a slice.
    api_cache.invalidate("test: a new generation")
    url = f"/api/v3/news/?limit=2&ordering={ordering}"
    assert statements(client, f"{url}&offset=2") == {"order": 1, "offset": 1, "count": 1}
    assert statements(client, f"{url}&offset=0") == {"order": 0, "offset": 0, "count": 0}


def test_a_kept_order_naming_a_hidden_post_gives_the_page_by_offset(client, posts, monkeypatch):
    hidden = posts[5]
    hidden.unpublish()
    stale = news.ListingOrder([p.pk for p in reversed(posts)], complete=True)
    assert hidden.pk in stale.ids[:2]
    monkeypatch.setattr(news, "_listing_order", lambda *args: stale)
    body = client.get("/api/v3/news/?limit=2").json()
    assert [item["id"] for item in body["items"]] == expected_ids("-date")[:2]
    assert body["count"] == len(posts) - 1
