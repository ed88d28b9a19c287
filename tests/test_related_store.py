"""Kept related posts (news/related_store.py) give what the ranking gives, after every kind of
change: posts created, edited (people, organisations, tags, category, date), unpublished,
expired, restricted, deleted; a tag or a person deleted; lists cut back and thresholds in use
(a small ``KEEP``), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import PageViewRestriction

from news import related_store
from news.models import NewsPage, NewsPageAuthor, RelatedPostEntry, RelatedPostList
from news.read.selectors import card_values, news_queryset
from news.related import RELATED_POSTS, related_card_rows, related_queryset
from news.snippets import NewsCategory, Organisation, Person
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2026, 1, 1, 9, 0))
TAGS = ["ai", "membership", "release", "community", "events"]


class Site:
    """A generated newsroom whose posts are written the way editors write them."""

    def __init__(self, news_index, seed: int) -> None:
        self.rng = random.Random(seed)
        self.index = news_index
        self.people = [self._live(Person(name=f"Person {n}")) for n in range(5)]
        self.organisations = [self._live(Organisation(name=f"Org {n}")) for n in range(4)]
        self.categories = [*NewsCategory.objects.all()[:2], None]
        self.posts: list[NewsPage] = []

    @staticmethod
    def _live(snippet):
        snippet.save()
        snippet.save_revision().publish()
        return snippet

    def _content(self) -> dict:
        rng = self.rng
        about = [
            {"type": "boilerplate", "value": {"organisation": o.pk, "boilerplate_override": ""}}
            for o in rng.sample(self.organisations, rng.randint(0, 2))
        ]
        return {
            "category": rng.choice(self.categories),
            "authors": [
                NewsPageAuthor(person=p) for p in rng.sample(self.people, rng.randint(0, 2))
            ],
            "body": json.dumps(about),
            "date": START + dt.timedelta(days=rng.randint(0, 9)),  # ties: broken by id
        }

    def create(self) -> NewsPage:
        page = publish_news_page(self.index, title=f"Post {len(self.posts)}", **self._content())
        tags = self.rng.sample(TAGS, self.rng.randint(0, 2))
        if tags:
            page.tags.add(*tags)
            page.save_revision().publish()
        self.posts.append(page)
        return page

    def edit(self, page: NewsPage) -> None:
        """A new revision with other people, organisations, tags, category and date."""
        draft = page.get_latest_revision_as_object()
        for name, value in self._content().items():
            setattr(draft, name, value)
        draft.tags.set(self.rng.sample(TAGS, self.rng.randint(0, 2)))
        draft.save_revision().publish()


def assert_kept_equal_ranked(*, expect_kept: int = 0) -> int:
    """For every post: what a render shows (kept lists) equals the ranking in the ORM."""
    from news import related

    kept = 0
    for page in NewsPage.objects.all():
        expected = list(card_values(related_queryset(page, news_queryset()))[:RELATED_POSTS])
        stored = NewsPage(pk=page.pk, category_id=page.category_id)
        with CaptureQueriesContext(connection) as queries:
            rows = related_card_rows(stored)
        assert rows == expected, page.title
        assert rows == related.RANKED_CARD_ROWS.run(
            **{"page_id": page.pk} | ({"category_id": page.category_id} if page.category_id else {})
        )
        kept += len(queries) == 1
    assert kept >= expect_kept, kept
    return kept


@pytest.fixture
def small_lists(monkeypatch):
    """Lists of 4 cut back past 6: thresholds and cuts happen with a few posts."""
    monkeypatch.setattr(related_store, "KEEP", 4)
    monkeypatch.setattr(related_store, "TRIM_AT", 6)


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_lists_follow_every_change(news_index, small_lists, seed) -> None:
    site = Site(news_index, seed)
    for _ in range(18):
        site.create()
    assert RelatedPostList.objects.filter(threshold__isnull=False).exists()  # lists were cut
    # Most posts are answered from their list alone (one query).
    assert_kept_equal_ranked(expect_kept=12)
    rng = site.rng
    for page in rng.sample(site.posts, 8):
        site.edit(page)
    assert_kept_equal_ranked(expect_kept=8)
    hidden = rng.sample(site.posts, 4)
    hidden[0].unpublish()
    NewsPage.objects.filter(pk=hidden[1].pk).update(
        expire_at=timezone.now() - dt.timedelta(hours=1)
    )
    PageViewRestriction.objects.create(page=hidden[2], restriction_type="password", password="x")
    NewsPage.objects.get(pk=hidden[3].pk).delete()
    assert_kept_equal_ranked()
    for _ in range(4):
        site.create()
    assert_kept_equal_ranked()


def test_a_deleted_tag_or_person_forgets_every_list_until_ranked_again(
    news_index, small_lists
) -> None:
    site = Site(news_index, 3)
    for _ in range(10):
        site.create()
    assert RelatedPostList.objects.count() == 10
    Tag.objects.filter(name__in=TAGS[:2]).delete()
    assert not RelatedPostList.objects.exists() and not RelatedPostEntry.objects.exists()
    assert_kept_equal_ranked()  # ranked when read meanwhile
    call_command("rank_related_posts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert RelatedPostList.objects.count() == 10
    assert_kept_equal_ranked(expect_kept=7)
    site.people[0].delete()
    assert not RelatedPostList.objects.exists()
    site.create()
    assert_kept_equal_ranked()


def test_a_post_saved_as_a_draft_changes_no_list(news_index) -> None:
    site = Site(news_index, 4)
    first = site.create()
    site.create()
    before = list(
        RelatedPostEntry.objects.order_by("pk").values_list("page", "related", "sort_key")
    )
    draft = first.get_latest_revision_as_object()
    draft.title = "A new title, not published"
    draft.save_revision()
    after = list(RelatedPostEntry.objects.order_by("pk").values_list("page", "related", "sort_key"))
    assert after == before


def test_sort_keys_order_as_the_ranking() -> None:
    key = related_store.sort_key
    day = START
    ordered = [
        key(2, 0, False, day, 1),
        key(1, 9, True, day, 1),
        key(1, 2, False, day, 1),
        key(1, 1, True, day, 1),
        key(1, 1, False, day + dt.timedelta(seconds=1), 1),
        key(1, 1, False, day, 2),
        key(1, 1, False, day, 1),
        key(1, 1, False, None, 3),
    ]
    assert ordered == sorted(ordered, reverse=True)
    assert all(k.isdigit() and len(k) == len(ordered[0]) for k in ordered)
