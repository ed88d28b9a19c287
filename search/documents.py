"""Building and storing search documents: what text a post is found by, and keeping it fresh.

A document is built from the *live* page row (Wagtail writes published content there) and from
*published* snippets only, so nothing a reader cannot see is searchable. Streams are read from
their raw JSON and every person and organisation they mention is loaded in bulk, so indexing a
batch of posts costs a handful of queries whatever the number of blocks.

Indexing runs inside the caller's transaction (the index lives in the same database): when a
publish rolls back, its index change rolls back with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Now
from wagtail.models import Page

from news.models import NewsPage, NewsPageAuthor
from news.read.richtext import plain_text
from news.read.selectors import news_queryset, reader_visible
from news.read.statements import Statement
from news.snippets import NewsCategory, Organisation, Person
from search import fulltext_sql
from search.models import SearchDocument

BATCH_SIZE = 200
# Control characters never carry meaning in news text; \x02 and \x03 in particular are the
# highlight markers the search queries ask the database for, so they must not occur in text.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean_text(text: Any) -> str:
    """Plain text safe to index: no control characters, single spaces."""
    if not text:
        return ""
    return _SPACES.sub(" ", _CONTROL_CHARS.sub(" ", str(text))).strip()


_BLOCK_TAG = re.compile(r"<(/?(?:p|li|ul|ol|h[1-6]|br|div|blockquote|tr|td|th)\b)", re.I)


def html_text(html: str | None) -> str:
    """Visible text of rich text, with a space where block elements meet ("a</li><li>b")."""
    return plain_text(_BLOCK_TAG.sub(r" <\1", html or ""))


def _join(parts: Iterable[Any]) -> str:
    return " ".join(t for t in (clean_text(p) for p in parts) if t)


def _id(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- Reading streams ------------------------------------------------------------------------


def _stream_references(raw_data: Iterable[dict]) -> tuple[set[int], set[int]]:
    people: set[int] = set()
    organisations: set[int] = set()
    for block in raw_data or []:
        value = block.get("value") or {}
        if not isinstance(value, dict):
            continue
        if block.get("type") in {"quote", "bio"} and (pk := _id(value.get("person"))):
            people.add(pk)
        elif block.get("type") == "boilerplate" and (pk := _id(value.get("organisation"))):
            organisations.add(pk)
    return people, organisations


def _person_words(person: Person | None) -> list[str]:
    if person is None:
        return []
    organisation = person.organisation if person.organisation_id else None
    org_name = organisation.name if organisation is not None and organisation.live else ""
    return [person.name, person.role, org_name]


def _block_text(block: dict, people: dict[int, Person], orgs: dict[int, Organisation]) -> str:
    kind, value = block.get("type"), block.get("value")
    if kind == "paragraph":
        return html_text(value if isinstance(value, str) else "")
    if not isinstance(value, dict):
        return ""
    if kind == "heading":
        return _join([value.get("text")])
    if kind == "quote":
        person = people.get(_id(value.get("person")))
        attribution = _person_words(person) or [
            value.get("attribution_name"),
            value.get("attribution_role"),
            value.get("attribution_organisation"),
        ]
        return _join([value.get("text"), *attribution])
    if kind == "bio":
        person = people.get(_id(value.get("person")))
        if person is None:
            return _join([value.get("heading")])
        return _join([value.get("heading"), *_person_words(person), html_text(person.bio)])
    if kind == "boilerplate":
        organisation = orgs.get(_id(value.get("organisation")))
        if organisation is None:
            return ""
        override = value.get("boilerplate_override") or ""
        text = html_text(override or organisation.boilerplate)
        return _join([organisation.about_heading, text])
    if kind == "image":
        return _join([value.get("caption"), value.get("credit")])
    if kind == "embed":
        return _join([value.get("title"), value.get("caption")])
    if kind == "call_to_action":
        return _join([value.get("label")])
    if kind == "code":
        return _join([value.get("code")])
    if kind == "table":
        rows = value.get("data") or []
        cells = [cell for row in rows if isinstance(row, list) for cell in row if cell]
        return _join([value.get("table_caption"), *cells])
    return ""


# --- Building documents ---------------------------------------------------------------------


def indexable_pages() -> Any:
    """Posts readers can see (the listing's rule: live, unexpired, outside private sections)."""
    return news_queryset().order_by()


@dataclass
class _PageText:
    """What a post's document is made of, read as plain values (no model instances)."""

    pk: int
    title: str
    subtitle: str
    summary: str
    byline: str
    body: Any  # the StreamField's value: its raw JSON is read
    display_date: Any
    category_id: int | None
    category_name: str
    expire_at: Any
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)


# Compiled once per process and number of ids (news.read.statements): building these queries,
# the visibility rule's subquery above all, cost more than running them when a publish or an
# import indexes one post at a time. The database's clock keeps them valid at every moment.
_PAGES = Statement(
    lambda ids: reader_visible(NewsPage.objects.filter(pk__in=ids), now=Now())
    .order_by()
    .values_list(
        "pk", "title", "subtitle", "summary", "byline", "body", "date", "first_published_at",
        "latest_revision_created_at", "category_id", "category__name", "expire_at",
    )
)  # fmt: skip
_AUTHOR_NAMES = Statement(
    lambda ids: (
        NewsPageAuthor.objects.filter(page_id__in=ids, person__live=True)
        .order_by("page_id", "sort_order", "pk")
        .values_list("page_id", "person__name")
    )
)
_TAG_NAMES = Statement(
    lambda ids: (
        NewsPage.tags.through.objects.filter(content_object_id__in=ids)
        .order_by("content_object_id", "tag__name")
        .values_list("content_object_id", "tag__name")
    )
)
_ORGANISATION_NAMES = Statement(
    lambda ids: (
        NewsPage.organisations.through.objects.filter(newspage_id__in=ids, organisation__live=True)
        .order_by("newspage_id", "organisation__name")
        .values_list("newspage_id", "organisation__name")
    )
)


def _load_pages(page_ids: Iterable[int]) -> list[_PageText]:
    """The posts among ``page_ids`` that readers can see, with their names: four statements."""
    ids = sorted(set(page_ids))
    if not ids:
        return []
    pages = {}
    for row in _PAGES.run(ids=ids):
        pk, title, subtitle, summary, byline, body, date, first, created = row[:9]
        category_id, category_name, expire_at = row[9:]
        pages[pk] = _PageText(
            pk, title, subtitle, summary, byline, body, date or first or created,
            category_id, category_name or "", expire_at,
        )  # fmt: skip
    if not pages:
        return []
    found = sorted(pages)
    for statement, attribute in (
        (_AUTHOR_NAMES, "authors"),
        (_TAG_NAMES, "tags"),
        (_ORGANISATION_NAMES, "organisations"),
    ):
        for pk, name in statement.run(ids=found):
            getattr(pages[pk], attribute).append(name)
    return [pages[pk] for pk in found]


def build_documents(pages: list[_PageText]) -> list[SearchDocument]:
    """One unsaved document per page (pages loaded by ``_load_pages``)."""
    person_ids: set[int] = set()
    organisation_ids: set[int] = set()
    for page in pages:
        people, organisations = _stream_references(page.body.raw_data)
        person_ids |= people
        organisation_ids |= organisations
    people = {}
    if person_ids:
        people = {
            p.pk: p
            for p in Person.objects.filter(pk__in=person_ids, live=True).select_related(
                "organisation"
            )
        }
    orgs = {}
    if organisation_ids:
        orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=organisation_ids, live=True)}

    documents = []
    for page in pages:
        body = _join(_block_text(block, people, orgs) for block in page.body.raw_data or [])
        names = _join(
            [*page.authors, page.byline, *page.tags, page.category_name, *page.organisations]
        )
        documents.append(
            SearchDocument(
                page_id=page.pk,
                title=clean_text(page.title),
                subtitle=clean_text(page.subtitle),
                summary=clean_text(page.summary),
                names=names,
                body=body,
                date=page.display_date,
                category_id=page.category_id,
                expire_at=page.expire_at,
            )
        )
    return documents


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def index_pages(page_ids: Iterable[int]) -> int:
    """(Re)index these posts; those no longer live and public leave the index. Returns #indexed."""
    ids = sorted({int(pk) for pk in page_ids})
    indexed = 0
    for chunk in _chunks(ids, BATCH_SIZE):
        documents = build_documents(_load_pages(chunk))
        with transaction.atomic():
            SearchDocument.objects.filter(page_id__in=chunk).delete()
            SearchDocument.objects.bulk_create(documents)
        indexed += len(documents)
    return indexed


def remove_pages(page_ids: Iterable[int]) -> None:
    SearchDocument.objects.filter(page_id__in=list(page_ids)).delete()


def subtree_news_ids(page: Page) -> list[int]:
    """The page itself and every news post below it (for moves and view restrictions)."""
    return list(
        Page.objects.descendant_of(page, inclusive=True).type(NewsPage).values_list("pk", flat=True)
    )


def pages_using_organisation(organisation_id: int) -> list[int]:
    """Posts that carry this organisation (boilerplate, authors' or quoted people's employer)."""
    return list(
        NewsPage.organisations.through.objects.filter(organisation_id=organisation_id).values_list(
            "newspage_id", flat=True
        )
    )


def pages_using_person(person_id: int) -> list[int]:
    """Posts that name this person (author, quote, bio)."""
    return list(
        NewsPage.people.through.objects.filter(person_id=person_id).values_list(
            "newspage_id", flat=True
        )
    )


def pages_in_category(category: NewsCategory) -> list[int]:
    return list(NewsPage.objects.filter(category=category).values_list("pk", flat=True))


# --- Whole index ----------------------------------------------------------------------------


def recreate_fulltext_structures() -> None:
    """Drop and recreate the FTS tables/triggers or tsvector columns (e.g. after a migration
    that rebuilt the document table on SQLite, which drops its triggers)."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for sql in fulltext_sql.statements(vendor, create=False):
            cursor.execute(sql)
        for sql in fulltext_sql.statements(vendor, create=True):
            cursor.execute(sql)


def rebuild_index(*, recreate: bool = False) -> int:
    """Empty the index and index every live, public post again. Returns the number indexed."""
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        if recreate:
            if connection.vendor == "postgresql":
                # ALTER TABLE refuses to run while the deletes' FK checks are still deferred.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            recreate_fulltext_structures()
        ids = list(indexable_pages().order_by("pk").values_list("pk", flat=True))
        indexed = index_pages(ids)
    optimise()
    return indexed


def optimise() -> None:
    """Merge FTS5 segments after a bulk load (SQLite); refresh planner statistics (PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in fulltext_sql.SQLITE_TABLES:
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {fulltext_sql.DOCUMENT_TABLE}")
