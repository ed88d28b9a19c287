"""The change-event bus's ``delivered_together``: one delivery per block, nothing lost.

Inside the block the in-transaction subscribers (API cache, news search) receive every change
of the block in one list at its end, before the commit: the API cache bumps once, each post is
indexed once, and still every object that changed gets a new version. A deletion is delivered
at once. The importer writes each post this way (``test_import_fast_path.py`` pins the rest).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from news import events
from news.api_cache import CacheTagVersion, ContentGeneration
from news.importers.jekyll import parse_post
from news.importers.writer import JekyllWriter
from news.snippets import NewsCategory, Person
from search.models import SearchDocument
from tests.conftest import publish_news_page
from tests.test_import_jekyll import SEED_POST


@pytest.fixture
def recorded():
    """Every list of changes the in-transaction subscribers receive, in order."""
    deliveries: list[list[events.ChangeEvent]] = []

    def record(changes) -> None:
        deliveries.append(list(changes))

    events.subscribe(record, when=events.IN_TRANSACTION)
    try:
        yield deliveries
    finally:
        events._subscribers[events.IN_TRANSACTION].remove(record)


def _new_person(name: str) -> Person:
    person = Person(name=name, role="Maintainer")
    person.save()
    person.save_revision().publish()
    return person


def _version(tag: str) -> int:
    row = CacheTagVersion.objects.filter(tag=tag).first()
    return row.version if row else 0


def _generation() -> int:
    return ContentGeneration.objects.get().value


@pytest.mark.django_db
def test_a_block_is_one_delivery_with_every_change(recorded, news_index) -> None:
    publish_news_page(news_index, title="Before")  # the generation row exists
    recorded.clear()
    generation = _generation()
    with transaction.atomic(), events.delivered_together():
        ada = _new_person("Ada Block")
        bo = _new_person("Bo Block")
        assert recorded == []  # nothing yet: delivered at the end of the block
        page = publish_news_page(news_index, title="Together")
    assert len(recorded) == 1
    objects = {(change.object_type, change.object_id) for change in recorded[0]}
    assert {("person", ada.pk), ("person", bo.pk), ("page", page.pk)} <= objects
    # The API cache bumped once, and every object's tag has a version.
    assert _generation() == generation + 1
    assert all(_version(tag) for tag in (f"person:{ada.pk}", f"person:{bo.pk}", f"page:{page.pk}"))
    assert SearchDocument.objects.filter(page=page).exists()


@pytest.mark.django_db
def test_without_a_block_each_change_is_delivered_at_once(recorded, news_index) -> None:
    publish_news_page(news_index, title="Before")
    recorded.clear()
    generation = _generation()
    with transaction.atomic():
        _new_person("Cy Alone")
        assert recorded and all(len(changes) == 1 for changes in recorded)
        _new_person("Di Alone")
    assert _generation() > generation + 1  # one bump per change


@pytest.mark.django_db
def test_a_deletion_is_delivered_at_once_with_what_came_before(recorded, news_index) -> None:
    publish_news_page(news_index, title="Before")
    gone = _new_person("Ed Leaving")
    recorded.clear()
    with transaction.atomic(), events.delivered_together():
        kept = _new_person("Flo Staying")
        gone.delete()
        # Delivered before the row went: the queued changes first, the deletion last.
        assert len(recorded) == 1
        assert recorded[0][-1].event == "person.deleted"
        assert ("person", kept.pk) in {(c.object_type, c.object_id) for c in recorded[0]}
    assert [c.event for c in recorded[1]] == ["person.removed"]  # post_delete, at the end


@pytest.mark.django_db
def test_an_error_in_the_block_still_delivers_if_the_transaction_goes_on(recorded) -> None:
    with transaction.atomic():
        try:
            with events.delivered_together():
                person = _new_person("Gus Failing")
                raise RuntimeError("caught by the caller, who commits")
        except RuntimeError:
            pass
    delivered = {(c.object_type, c.object_id) for changes in recorded for c in changes}
    assert ("person", person.pk) in delivered
    assert _version(f"person:{person.pk}")


@pytest.mark.django_db
def test_setting_saves_and_deletions_are_named_for_what_they_are(recorded, news_index) -> None:
    category = NewsCategory.objects.create(name="Releases", slug="releases")
    page = publish_news_page(news_index, title="Filed", category=category)
    recorded.clear()
    category.name = "Launches"
    category.save()
    assert [c.event for changes in recorded for c in changes] == ["category.saved"]
    # A renamed category reindexes its posts (their cards and documents name it).
    assert "Launches" in SearchDocument.objects.get(page=page).names
    recorded.clear()
    other = NewsCategory.objects.create(name="Spare", slug="spare")
    other.delete()
    assert [c.event for changes in recorded for c in changes] == [
        "category.saved",
        "category.deleted",
    ]


@pytest.mark.django_db
def test_an_imported_post_is_one_delivery(recorded, news_index, seed_site) -> None:
    """The seed post creates a page, two people and three organisations: one delivery, one
    bump, and each of them has a new version."""
    publish_news_page(news_index, title="Before")
    recorded.clear()
    generation = _generation()
    result = JekyllWriter(news_index, assets_dirs=[seed_site]).write(parse_post(SEED_POST))
    assert result.status == "created", result
    assert len(recorded) == 1
    kinds = [change.object_type for change in recorded[0]]
    assert kinds.count("person") >= 2 and kinds.count("organisation") >= 3 and "page" in kinds
    assert _generation() == generation + 1
    people = Person.objects.filter(name__in=["Samuel Achebe", "Hana Petrova"])
    assert people.count() == 2
    assert all(_version(f"person:{p.pk}") for p in people)
    assert _version(f"page:{result.page_id}")
