"""The importer's one-save publish (news/importers/publish.py) against Wagtail's own way.

A new post, its new people and organisations are saved once, already live, instead of
Wagtail's draft → revision → publish. These tests import the same member announcement both
ways and require the same outcome everywhere a reader, an editor or a subscriber can look:
the page's JSON, its row, revisions and history, the snippets, both search indexes, the
reference index and the redirect; and they pin one committed transaction per post.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Locale, ModelLogEntry, Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.search.models import IndexEntry

from news.importers.jekyll import parse_post
from news.importers.writer import JekyllWriter
from news.models import NewsIndexPage, NewsPage
from news.serializers import page_detail
from news.snippets import NewsCategory, Organisation, Person
from search.models import SearchDocument
from tests.test_import_jekyll import SEED_POST

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "jekyll"

# Revision content keys that hold ids or moments rather than content.
VOLATILE = {
    "pk", "path", "live_revision", "latest_revision", "latest_revision_created_at",
    "first_published_at", "last_published_at", "live", "has_unpublished_changes",
    "content_type", "translation_key", "locale", "owner", "locked_at", "date",
}  # fmt: skip


class _Undo(Exception):
    pass


def _names() -> dict[tuple[str, int], str]:
    """Every id a post can refer to → a name, to compare runs whose ids differ (PostgreSQL's
    sequences are not rolled back)."""
    names = {("person", p.pk): p.name for p in Person.objects.all()}
    names |= {("organisation", o.pk): o.name for o in Organisation.objects.all()}
    names |= {("page", p.pk): p.url_path for p in Page.objects.all()}
    names |= {("image", i.pk): i.title for i in get_image_model().objects.all()}
    names |= {("category", c.pk): c.name for c in NewsCategory.objects.all()}
    names |= {("tag", t.pk): t.name for t in Tag.objects.all()}
    return names


# Keys whose integer values are ids, and of what (a kind in ``_names``).
ID_KINDS = {
    "person": "person", "people": "person", "organisation": "organisation",
    "organisations": "organisation", "image": "image", "feature_image": "image",
    "page": "page", "content_object": "page", "category": "category", "tag": "tag",
}  # fmt: skip


def _without_ids(value, names: dict, key: str = ""):
    """``value`` with ids replaced by names and moments dropped (they differ between runs)."""
    if isinstance(value, dict):
        return {
            k: _without_ids(item, names, k)
            for k, item in value.items()
            if k not in {"id", "pk", "last_published_at", "first_published_at", "date"}
        }
    if isinstance(value, list):
        return [_without_ids(item, names, key) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and key in ID_KINDS:
        return names.get((ID_KINDS[key], value), value)
    if isinstance(value, str) and key == "body" and value.startswith("["):
        return _without_ids(json.loads(value), names)  # a revision's StreamField JSON
    if isinstance(value, str) and "/media/" in value:
        # The second run stores the same image file again: storage adds "_AbC1234".
        return re.sub(r"_[A-Za-z0-9]{7}(?=\.)", "", value)
    return value


def _snippet(obj) -> dict:
    revisions = Revision.objects.for_instance(obj)
    return {
        "fields": {
            f.name: getattr(obj, f.name)
            for f in type(obj)._meta.concrete_fields
            if f.name not in {"id", "latest_revision", "live_revision", "logo", "headshot"}
            and not f.name.endswith("published_at")
            and f.name != "organisation"
        },
        "organisation": getattr(getattr(obj, "organisation", None), "name", None),
        "image": bool(getattr(obj, "logo_id", None) or getattr(obj, "headshot_id", None)),
        "published": obj.first_published_at is not None and obj.last_published_at is not None,
        "live revision is the latest": obj.live_revision_id == obj.latest_revision_id,
        "revisions": revisions.count(),
        "history": [
            e.action for e in ModelLogEntry.objects.for_instance(obj).order_by("timestamp", "pk")
        ],
    }


def outcome(page: NewsPage) -> dict:
    """Everything the import of ``page`` left, without ids and moments."""
    page = NewsPage.objects.get(pk=page.pk)
    names = _names()
    revision = page.latest_revision
    page_type = ContentType.objects.get_for_model(NewsPage)
    return {
        "json": _without_ids(page_detail(page), names),
        "row": {
            "title": page.title,
            "draft_title": page.draft_title,
            "slug": page.slug,
            "url_path": page.url_path,
            "live": page.live,
            "has_unpublished_changes": page.has_unpublished_changes,
            "published": page.first_published_at is not None,
            "dated when published": page.date == page.first_published_at,
            "last published": page.last_published_at is not None,
            "live revision is the latest": page.live_revision_id == revision.pk,
            "reading_time": page.reading_time,
            "people": sorted(p.name for p in page.people.all()),
            "organisations": sorted(o.name for o in page.organisations.all()),
            "authors": [a.person.name for a in page.authors.all()],
            "tags": sorted(t.name for t in page.tags.all()),
        },
        "revisions": Revision.objects.for_instance(page).count(),
        "revision": _without_ids(
            {k: v for k, v in revision.content.items() if k not in VOLATILE}, names
        ),
        "history": [
            e.action for e in PageLogEntry.objects.filter(page=page).order_by("timestamp", "pk")
        ],
        "people": {p.name: _snippet(p) for p in Person.objects.all()},
        "organisations": {o.name: _snippet(o) for o in Organisation.objects.all()},
        "search document": {
            k: v
            for k, v in SearchDocument.objects.filter(page=page).values().get().items()
            if k not in {"page_id", "indexed_at", "category_id", "date"}
        },
        "admin search": list(
            IndexEntry.objects.filter(content_type=page_type, object_id=str(page.pk)).values_list(
                "title", "body"
            )
        ),
        # A child row's id is in its content path ("authors.353.person"); ids differ between
        # the two imports on PostgreSQL (sequences do not roll back), so the id is left out.
        "references": sorted(
            (r.model_path, CHILD_ID.sub(r"\1.#.", r.content_path), r.to_content_type.model)
            for r in ReferenceIndex.get_references_for_object(page)
        ),
        "redirects": list(
            Redirect.objects.filter(redirect_page=page).values_list("old_path", "is_permanent")
        ),
    }


CHILD_ID = re.compile(r"^(\w+)\.\d+\.")


def _first_difference(a, b, where: str = ""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{where}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{where}[{index}]")
    return where, a, b


def import_post(parent, post: Path, assets: Path, *, one_save: bool) -> dict:
    writer = JekyllWriter(parent, assets_dirs=[assets])
    writer.one_save_publish = one_save
    result = writer.write(parse_post(post))
    assert result.status == "created", result
    return outcome(NewsPage.objects.get(pk=result.page_id))


# The member announcement (quotes, a bio, a boilerplate, new people and organisations) and a
# release post (tags, two categories, several authors, no images found).
POSTS = {"seed": SEED_POST, "tags": FIXTURES / "posts" / "2024-04-10-lantern-2-0-released.md"}


@pytest.mark.parametrize("post", sorted(POSTS))
def test_one_save_publish_matches_wagtails(news_index, seed_site: Path, post: str) -> None:
    path = POSTS[post]
    try:
        with transaction.atomic():
            fast = import_post(news_index, path, seed_site, one_save=True)
            raise _Undo  # back to before the import, for the same post the slow way
    except _Undo:
        pass
    assert not NewsPage.objects.filter(source_path=path.name).exists()
    slow = import_post(news_index, path, seed_site, one_save=False)
    assert fast["history"] == ["wagtail.create", "wagtail.edit", "wagtail.publish"]
    assert fast["row"]["live"] and not fast["row"]["has_unpublished_changes"]
    assert fast["search document"]["title"] and fast["admin search"]
    if post == "seed":
        assert fast["people"]["Samuel Achebe"]["history"] == ["wagtail.publish"]
    else:
        assert fast["row"]["tags"] and len(fast["row"]["authors"]) >= 2
    for key in slow:
        assert fast[key] == slow[key], (key, _first_difference(fast[key], slow[key]))


# Real commits; committed_db puts back the rows migrations made (the root page…) that an
# earlier transactional test's flush removed.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_each_post_is_one_committed_transaction(news_index, monkeypatch) -> None:
    """Each post is written inside one outermost transaction, committed before the next; a
    post failing at its last step leaves nothing, and the others are imported."""
    posts = [parse_post(p) for p in sorted((FIXTURES / "posts").glob("*.md"))]
    assert len(posts) >= 2
    failing = posts[0].source_key
    original = JekyllWriter._redirect
    seen: list[tuple[str, bool, int]] = []

    def last_step(self, post, page, result):
        # Inside the post's own transaction, not nested in any other (savepoints are
        # Wagtail's own nested atomic blocks).
        seen.append((post.source_key, connection.in_atomic_block, len(connection.atomic_blocks)))
        if post.source_key == failing:
            raise RuntimeError("disk full")
        return original(self, post, page, result)

    monkeypatch.setattr(JekyllWriter, "_redirect", last_step)
    committed: list[bool] = []
    writer = JekyllWriter(news_index)
    summary = writer.write_all(posts, report=lambda r: committed.append(connection.in_atomic_block))
    assert [key for key, _atomic, _depth in seen] == [p.source_key for p in posts]
    assert all(atomic and depth == 1 for _key, atomic, depth in seen), seen
    assert committed == [False] * len(posts)  # nothing left open between posts
    statuses = {r.source: r.status for r in summary.results}
    assert statuses.pop(failing) == "failed"
    assert set(statuses.values()) == {"created"}
    assert not NewsPage.objects.filter(source_path=failing).exists()
    assert NewsPage.objects.filter(source_path__in=statuses).count() == len(statuses)
    # Nothing of the failed post: no history, search document or redirect either.
    titles = {p.title for p in posts if p.source_key == failing}
    assert not PageLogEntry.objects.filter(label__in=titles).exists()
    assert SearchDocument.objects.count() == len(statuses)


def test_a_new_post_takes_its_parents_locale(home_page) -> None:
    """The writer gives a new page its parent's locale itself (Wagtail's default, which it
    would otherwise look up with two queries), also when that is not the default locale."""
    french = Locale.objects.create(language_code="fr")
    index = NewsIndexPage(title="Actualités", slug="actualites", locale=french)
    home_page.add_child(instance=index)
    index.save_revision().publish()
    result = JekyllWriter(index).write(parse_post(SEED_POST))
    assert result.status == "created", result
    assert NewsPage.objects.get(pk=result.page_id).locale_id == french.pk != home_page.locale_id


def _import_recording(news_index, posts) -> list[str]:
    """Write ``posts`` in one run; the statements Django's SQL record kept meanwhile."""
    reset_queries()
    JekyllWriter(news_index).write_all(posts)
    assert "make_debug_cursor" not in vars(connection)  # the record is back after the run
    return [query["sql"] for query in connection.queries]


def test_a_run_under_debug_keeps_no_sql_record(news_index, settings, caplog) -> None:
    """Under DEBUG Django keeps (and on SQLite re-quotes) every statement: the run does not,
    unless a test captures queries or the SQL logger is on."""
    settings.DEBUG = True
    posts = [parse_post(p) for p in [*sorted((FIXTURES / "posts").glob("*.md")), SEED_POST]]
    assert len(posts) == 3
    assert _import_recording(news_index, posts[:1]) == []
    # Still recorded once the run is over.
    assert NewsPage.objects.filter(source_path=posts[0].source_key).exists()
    assert any("news_newspage" in query["sql"] for query in connection.queries)
    with CaptureQueriesContext(connection) as captured:
        JekyllWriter(news_index).write_all(posts[1:2])
    assert any("INSERT INTO" in query["sql"] for query in captured.captured_queries)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    kept = _import_recording(news_index, posts[2:3])
    assert any("INSERT INTO" in sql for sql in kept)
    assert any(
        r.name == "django.db.backends" and "INSERT INTO" in r.getMessage() for r in caplog.records
    )
