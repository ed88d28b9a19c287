"""News cards: one builder for every door, from plain rows or from a post in memory, and the
statements compiled once per process that read those rows (``news.cards``,
``news.read.statements``)."""

from __future__ import annotations

import pytest

from news.models import NewsPage, NewsPageAuthor
from news.read.selectors import card_rows_by_id, with_card_prefetches
from news.read.statements import Statement
from news.serializers import cards_for_ids, news_cards
from news.snippets import NewsCategory, Person
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(news_index, person, organisation, image) -> list[NewsPage]:
    second = Person.objects.create(name="Bo Second", slug="bo-second", live=True)
    draft = Person.objects.create(name="Cy Draft", slug="cy-draft", live=False)
    category = NewsCategory.objects.get(slug="announcement")
    made = []
    for number in range(3):
        page = publish_news_page(
            news_index,
            title=f"Post {number}",
            summary="A card",
            feature_image=image,
            category=category if number else None,
            authors=[  # ordered as the admin's form orders them
                NewsPageAuthor(person=second, sort_order=0),
                NewsPageAuthor(person=draft, sort_order=1),
                NewsPageAuthor(person=person, sort_order=2),
            ],
        )
        page.tags.add("zeta", "Alpha", f"tag-{number}")
        page.save_revision().publish()
        made.append(page)
    return made


def test_a_statement_gives_what_the_orm_gives(posts):
    statement = Statement(card_rows_by_id)
    for ids in ([posts[0].pk], [posts[2].pk, posts[0].pk, posts[1].pk]):
        assert sorted(statement.run(ids=ids)) == sorted(card_rows_by_id(ids))
    # The same compiled shape, other values: other rows.
    assert [row[0] for row in statement.run(ids=[posts[1].pk])] == [posts[1].pk]
    assert statement.run(ids=[10**9]) == []


def _halved(minutes: int):
    return NewsPage.objects.filter(reading_time__gte=minutes // 2).values_list("pk")


def test_a_statement_refuses_a_value_the_orm_transforms(posts):
    with pytest.raises(ValueError, match="not found"):
        Statement(_halved).run(minutes=4)


def test_cards_from_rows_equal_cards_from_posts_in_memory(posts):
    """The listing and search (rows by id) and the feeds (prefetched posts) build the same
    card: published authors in their order, tags by name, published organisations."""
    ids = [page.pk for page in posts]
    from_rows = cards_for_ids(ids)
    in_memory = news_cards(list(with_card_prefetches(NewsPage.objects.filter(pk__in=ids))))
    assert {card["id"]: card for card in from_rows} == {card["id"]: card for card in in_memory}
    card = from_rows[0]
    assert [author["slug"] for author in card["authors"]] == ["bo-second", "ada-example"]
    assert card["tags"] == ["Alpha", "tag-0", "zeta"]
    assert card["category"] is None and from_rows[1]["category"]["slug"] == "announcement"
    assert card["feature_image"]["id"] == posts[0].feature_image_id


def test_cards_for_ids_leave_out_posts_readers_cannot_see(posts):
    posts[1].unpublish()
    assert [card["id"] for card in cards_for_ids([p.pk for p in posts])] == [
        posts[0].pk,
        posts[2].pk,
    ]
