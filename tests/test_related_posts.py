"""Related posts of a member announcement: shared organisations and people first, then shared
tags, then the same category, newest first (news/related.py; docs/editing.md)."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from news.models import NewsPage, NewsPageAuthor
from news.read.selectors import card_values, news_queryset
from news.related import RELATED_POSTS, related_card_rows, related_queryset
from news.snippets import NewsCategory, Organisation, Person
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2026, 1, 1, 9, 0))


def _post(news_index, title: str, day: int, *, tags=(), **fields) -> NewsPage:
    page = publish_news_page(news_index, title=title, date=START + dt.timedelta(days=day), **fields)
    if tags:
        page.tags.add(*tags)
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def _about(organisation: Organisation) -> str:
    """A body with the organisation's "About" boilerplate (stored JSON, as the admin saves it)."""
    block = {"organisation": organisation.pk, "boilerplate_override": ""}
    return json.dumps([{"type": "boilerplate", "value": block}])


@pytest.fixture
def announcement_and_others(news_index, person, organisation):
    """A member announcement and posts that share more or less with it.

    The older a post, the more it shares: ranking by date alone would give the reverse order.
    """
    member_news = NewsCategory.objects.get(slug="member-news")
    releases = NewsCategory.objects.get(slug="release")
    other_org = Organisation(name="Far Away Inc", membership_level="general")
    other_org.save()
    other_org.save_revision().publish()
    announcement = _post(
        news_index,
        "Example Corp joins as a premier member",
        day=30,
        authors=[NewsPageAuthor(person=person)],  # the person and their organisation
        body=_about(organisation),
        category=member_news,
        tags=("membership", "ai"),
    )
    others = {
        "person and organisation": _post(
            news_index,
            "Ada Example on open models",
            day=1,
            authors=[NewsPageAuthor(person=person)],
            category=releases,
        ),
        "organisation": _post(
            news_index, "Example Corp's release", day=2, body=_about(organisation)
        ),
        "two tags": _post(news_index, "Membership and AI", day=3, tags=("membership", "ai")),
        "one tag, older": _post(news_index, "AI news", day=4, tags=("ai",)),
        "one tag, newer": _post(news_index, "More membership news", day=5, tags=("membership",)),
        "category": _post(news_index, "Another member joins", day=6, category=member_news),
        "nothing": _post(
            news_index, "Far away", day=7, body=_about(other_org), tags=("misc",), category=releases
        ),
    }
    return announcement, others


def test_related_posts_rank_mentions_then_tags_then_category(announcement_and_others):
    announcement, others = announcement_and_others
    ranked = list(related_queryset(announcement, news_queryset()))
    assert [page.title for page in ranked] == [
        others[key].title
        for key in (
            "person and organisation",  # a person and an organisation in common
            "organisation",  # one organisation
            "two tags",
            "one tag, newer",  # same number of shared tags: newest first
            "one tag, older",
            "category",  # only the category
        )
    ]


def test_api_shows_the_best_three(client, announcement_and_others):
    announcement, others = announcement_and_others
    data = client.get(f"/api/v3/news/{announcement.pk}/").json()
    assert [card["title"] for card in data["related"]] == [
        others["person and organisation"].title,
        others["organisation"].title,
        others["two tags"].title,
    ]


def test_a_post_with_only_a_category_in_common_is_still_related(news_index):
    category = NewsCategory.objects.get(slug="community")
    first = _post(news_index, "Meetup report", day=1, category=category)
    second = _post(news_index, "Another meetup", day=2, category=category)
    _post(news_index, "Uncategorised", day=3)
    assert list(related_queryset(first, news_queryset())) == [second]


def test_ranking_is_one_query_whatever_the_number_of_candidates(announcement_and_others):
    announcement, _others = announcement_and_others
    bare = NewsPage.objects.get(pk=announcement.pk)  # nothing prefetched
    with CaptureQueriesContext(connection) as captured:
        assert len(list(related_queryset(bare, news_queryset())[:3])) == 3
    assert len(captured) == 1


def test_preview_ranks_with_its_unsaved_relations(announcement_and_others, person):
    """A preview's page is held in memory: its own (unsaved) people and tags are used."""
    announcement, others = announcement_and_others
    draft = announcement.get_latest_revision_as_object()
    draft.tags.set(["ai"])
    draft.category = None
    draft.authors = []
    draft.body = []
    draft.refresh_derived_fields()
    titles = [page.title for page in related_queryset(draft, news_queryset())]
    # One shared tag each ("ai"): newest first. The stored post's people, organisations,
    # category and "membership" tag no longer count.
    assert titles == [others["one tag, older"].title, others["two tags"].title]


def test_compiled_ranking_equals_the_orm_ranking_for_every_post(news_index):
    """The compiled statement (an aggregate over the mention and tag tables, joined to the
    visible posts) ranks as ``related_queryset`` does, for every post of a site with ties in
    shared counts and dates, posts without a category or tags, and candidates readers may
    not see (a draft, an expired post, a post under a view restriction)."""
    rng = random.Random(15)
    organisations = [Organisation.objects.create(name=f"Org {n}") for n in range(4)]
    people = [Person.objects.create(name=f"Person {n}") for n in range(4)]
    categories = [*NewsCategory.objects.all()[:2], None]
    posts = []
    for number in range(24):
        page = _post(
            news_index,
            f"Post {number}",
            day=number // 3,  # three posts a day: ties broken by id
            category=rng.choice(categories),
            tags=rng.sample(["ai", "membership", "release", "community"], rng.randint(0, 2)),
        )
        # The derived mentions, written as a save would (a sample: some posts share none).
        page.organisations.set(rng.sample(organisations, rng.randint(0, 2)))
        page.people.set(rng.sample(people, rng.randint(0, 2)))
        posts.append(page)
    hidden = posts[3], posts[7], posts[11]
    hidden[0].unpublish()
    NewsPage.objects.filter(pk=hidden[1].pk).update(
        expire_at=timezone.now() - dt.timedelta(hours=1)
    )
    PageViewRestriction.objects.create(page=hidden[2], restriction_type="password", password="x")
    compared = 0
    for page in NewsPage.objects.all():
        expected = list(card_values(related_queryset(page, news_queryset()))[:RELATED_POSTS])
        rows = related_card_rows(NewsPage(pk=page.pk, category_id=page.category_id))
        assert rows == expected, page.title
        assert not {row[0] for row in rows} & {post.pk for post in hidden}
        compared += bool(rows)
    assert compared >= 20
