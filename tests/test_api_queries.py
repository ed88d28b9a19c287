"""Query budgets: a post's detail costs the same for 10 and 100 blocks of every kind (≤ 15),
a listing the same for 10 and 100 cards (≤ 10). Counted on uncached renders."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from news import api_cache
from news.models import NewsPageAuthor
from news.snippets import Person
from tests.conftest import make_image, publish_news_page
from tests.test_api_support import BLOCK_KINDS, make_people, publish_rich_post

pytestmark = pytest.mark.django_db

DETAIL_BUDGET = 15
LISTING_BUDGET = 10


def uncached_queries(client, url: str) -> int:
    """Queries for a full render: the response cache is emptied first (as after a publish)."""
    client.get(url)  # warm-up: renditions created once, Wagtail's site root paths cached
    api_cache.invalidate("test: force a full render")  # a new generation: nothing cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def test_detail_queries_do_not_grow_with_blocks(client, news_index):
    small = publish_rich_post(news_index, repeats=1, distinct=1, title="Small")
    big = publish_rich_post(news_index, repeats=10, distinct=10, title="Big")
    assert len(small.body) == len(BLOCK_KINDS)
    assert len(big.body) == 10 * len(BLOCK_KINDS)  # 110 blocks, 10 of every kind

    small_count = uncached_queries(client, f"/api/v3/news/{small.pk}/")
    big_count = uncached_queries(client, f"/api/v3/news/{big.pk}/")
    assert big_count == small_count
    assert big_count <= DETAIL_BUDGET

    # The route lookup renders the same page in the same budget.
    route_count = uncached_queries(client, "/api/v3/route/?html_path=/news/big/")
    assert route_count <= DETAIL_BUDGET


def _cards(news_index, count: int, people: list[Person]) -> None:
    images = [make_image(f"Card image {i}", description="x") for i in range(5)]
    for i in range(count):
        page = publish_news_page(
            news_index,
            title=f"Card {i}",
            summary="A card",
            feature_image=images[i % len(images)],
            authors=[NewsPageAuthor(person=people[i % len(people)])],
        )
        page.tags.add(f"tag-{i % 7}")
        page.save_revision().publish()


def test_listing_queries_do_not_grow_with_limit(client, news_index, person):
    _cards(news_index, 100, [person])
    ten = uncached_queries(client, "/api/v3/news/?limit=10")
    hundred = uncached_queries(client, "/api/v3/news/?limit=100")
    assert ten == hundred
    assert hundred <= LISTING_BUDGET
    filtered = uncached_queries(
        client, "/api/v3/news/?limit=100&tag=tag-1&organisation=example-corp&year=2026"
    )
    assert filtered <= LISTING_BUDGET


def test_snippet_lists_do_not_grow_with_limit(client, news_index):
    make_people(30, prefix="Many")
    for url in ("/api/v3/persons/", "/api/v3/organisations/"):
        few = uncached_queries(client, f"{url}?limit=2")
        many = uncached_queries(client, f"{url}?limit=30")
        assert few == many, url
        assert many <= LISTING_BUDGET
