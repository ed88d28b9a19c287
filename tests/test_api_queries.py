"""Query budgets: a post's detail costs the same for 10 and 100 blocks of every kind (≤ 15),
a listing the same for 10 and 100 cards (≤ 10). Counted on uncached renders.

And the preload lists (``news.read.selectors``) are complete: every door that renders many
things — listings, feeds, people and organisations — costs the same for N and 3N of them.
The detail doors of a post are checked the same way in ``tests/test_api_one_answer.py``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from news import api_cache
from news.models import NewsPageAuthor
from news.snippets import NewsCategory, Person
from tests.conftest import make_image, publish_news_page
from tests.test_api_support import (
    BLOCK_KINDS,
    cold_queries,
    make_document,
    make_people,
    publish_rich_post,
)

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

    # The route lookup of a post renders the same page with the same queries: the post's row
    # is found by its path in the statement that reads it by id for the detail.
    route_count = uncached_queries(client, "/api/v3/route/?html_path=/news/big/")
    assert route_count == big_count


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


# --- Preload lists: every door that renders many things, at N and 3N of them ----------------
#
# A related row a render reads but its query did not preload (news.read.selectors) costs one
# query per item, silently. Each door below is counted cold (every cache empty) with N and
# then 3N items of everything it shows, and must cost the same.

# Cold, the renditions and Wagtail's site root paths are read too (LISTING_BUDGET counts
# renders after a publish, which keep them).
COLD_LISTING_BUDGET = 15
LISTING_DOORS = {
    "v3 news listing": "/api/v3/news/?limit=100",
    "v2 pages listing, every field": "/api/v2/pages/?type=news.NewsPage&fields=*&limit=100",
    "RSS feed": "/api/v3/feeds/news.rss",
    "Atom feed": "/api/v3/feeds/news.atom",
    "persons listing": "/api/v3/persons/?limit=100",
    "organisations listing": "/api/v3/organisations/?limit=100",
}


def _rich_posts(news_index, count: int, start: int, target) -> None:
    """``count`` posts with every block kind, two authors, two tags and a category each."""
    category = NewsCategory.objects.get(slug="announcement")
    for i in range(start, start + count):
        publish_rich_post(
            news_index,
            repeats=1,
            distinct=2,
            title=f"Listed {i}",
            link_target=target,
            full_card=True,
            category=category,
        )


def test_listing_doors_cost_the_same_for_n_and_3n_items(client, news_index):
    n = 3
    target = publish_news_page(news_index, title="Link target")
    _rich_posts(news_index, n, 0, target)
    few = {door: cold_queries(client, url) for door, url in LISTING_DOORS.items()}
    _rich_posts(news_index, 2 * n, n, target)
    many = {door: cold_queries(client, url) for door, url in LISTING_DOORS.items()}
    assert client.get("/api/v3/persons/?limit=100").json()["count"] == 2 * 3 * n
    grew = {door: (few[door], many[door]) for door in LISTING_DOORS if many[door] != few[door]}
    assert not grew, f"queries grew with the items (N, 3N): {grew}"
    print("cold queries at N and 3N items:", many)
    over = {door: count for door, count in many.items() if count > COLD_LISTING_BUDGET}
    assert not over, over


def _rich_text(news_index, count: int, prefix: str) -> str:
    """Rich text with ``count`` page links, document links and embedded images."""
    pages = [publish_news_page(news_index, title=f"{prefix} {i}") for i in range(count)]
    documents = [make_document(f"{prefix} doc {i}") for i in range(count)]
    images = [make_image(f"{prefix} inline {i}", description="x") for i in range(count)]
    return "".join(
        f'<p><a linktype="page" id="{page.pk}">post</a> '
        f'<a linktype="document" id="{document.pk}">doc</a></p>'
        f'<embed embedtype="image" id="{image.pk}" format="left" alt="x"/>'
        for page, document, image in zip(pages, documents, images, strict=True)
    )


def _linked_snippets(news_index, count: int, prefix: str) -> dict[str, str]:
    """A person and their organisation whose bio, boilerplate and legal notice hold
    ``count`` links and images each; the URLs of their detail doors."""
    text = _rich_text(news_index, count, prefix)
    people, organisations = make_people(1, prefix=prefix)
    person, organisation = people[0], organisations[0]
    person.bio = text
    person.save_revision().publish()
    organisation.boilerplate = organisation.legal_notice = text
    organisation.save_revision().publish()
    return {
        "person detail": f"/api/v3/persons/{person.slug}/",
        "organisation detail": f"/api/v3/organisations/{organisation.slug}/",
    }


def test_snippet_details_cost_the_same_for_n_and_3n_references(client, news_index):
    few_urls = _linked_snippets(news_index, 2, "Few")
    many_urls = _linked_snippets(news_index, 6, "Many")
    few = {door: cold_queries(client, url) for door, url in few_urls.items()}
    many = {door: cold_queries(client, url) for door, url in many_urls.items()}
    print("cold queries at N and 3N references:", many)
    assert few == many
    assert max(many.values()) <= DETAIL_BUDGET, many
