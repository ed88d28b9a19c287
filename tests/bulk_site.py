"""A newsroom of many live posts, made in seconds: for the precise-invalidation test and bench.

One post is published the normal way (revision, publish); the others are copies of its rows
written in bulk (page rows, news rows, tags, organisations, people, authors), with their own
titles, dates, categories, tags, organisations and authors, so related-post lists look like
a real archive's. A few posts quote one person (``quoted``) and a few show one image in
their body (``shared_image``): what the invalidation scenarios change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag
from wagtail.blocks import StreamValue
from wagtail.models import Page

from news.models import NewsIndexPage, NewsPage, NewsPageAuthor, NewsPageTag
from news.snippets import NewsCategory, Organisation, Person
from tests.conftest import make_image, publish_news_page

CATEGORIES = 8
TAGS = 40
ORGANISATIONS = 20
AUTHORS = 30


@dataclass
class BulkSite:
    posts: list[int]
    quoted: Person
    quoting_posts: list[int]
    shared_image: object
    image_posts: list[int]
    categories: list[NewsCategory]
    tags: list[Tag]
    organisations: list[Organisation]


def _paragraph(text: str) -> dict:
    return {"type": "paragraph", "value": f"<p>{text}</p>", "id": str(uuid.uuid4())}


def _quote(person: Person) -> dict:
    value = {
        "text": "Precise invalidation keeps the archive warm.",
        "person": person.pk,
        "attribution_name": "",
        "attribution_role": "",
        "attribution_organisation": "",
    }
    return {"type": "quote", "value": value, "id": str(uuid.uuid4())}


def _image(image) -> dict:
    value = {
        "image": image.pk,
        "alt_text": "A shared picture",
        "caption": "",
        "credit": "",
        "alignment": "full",
        "max_width": None,
    }
    return {"type": "image", "value": value, "id": str(uuid.uuid4())}


def _snippets() -> tuple[list, list, list, list]:
    categories = [
        NewsCategory.objects.create(name=f"Category {n}", slug=f"category-{n}")
        for n in range(CATEGORIES)
    ]
    tags = Tag.objects.bulk_create([Tag(name=f"topic {n}", slug=f"topic-{n}") for n in range(TAGS)])
    organisations = [
        Organisation.objects.create(name=f"Member {n}", slug=f"member-{n}", live=True)
        for n in range(ORGANISATIONS)
    ]
    authors = [
        Person.objects.create(
            name=f"Author {n}",
            slug=f"author-{n}",
            organisation=organisations[n % ORGANISATIONS],
            live=True,
        )
        for n in range(AUTHORS)
    ]
    return categories, tags, organisations, authors


def build(news_index: NewsIndexPage, count: int = 1000) -> BulkSite:
    """``count`` live posts under ``news_index`` (one published, the rest bulk-copied)."""
    categories, tags, organisations, authors = _snippets()
    quoted = Person.objects.create(name="Quoted Person", slug="quoted-person", live=True)
    shared_image = make_image("Shared image")
    template = publish_news_page(news_index, title="Post 0", summary="Summary 0")
    stream_block = NewsPage._meta.get_field("body").stream_block
    # 3 posts quote the person, 5 show the image (spread over the archive)
    quoting = {n % count for n in range(10, 10 + 3 * 97, 97)} - {0}
    showing = {n % count for n in range(20, 20 + 5 * 89, 89)} - {0}
    now = timezone.now()
    with transaction.atomic():
        ids = _bulk_pages(news_index, template, count - 1)
        rows = []
        for n, pk in enumerate(ids, start=1):
            body = [_paragraph(f"Words of post {n}.")]
            if n in quoting:
                body.append(_quote(quoted))
            if n in showing:
                body.append(_image(shared_image))
            rows.append(
                {
                    "page_ptr_id": pk,
                    "date": now - dt.timedelta(hours=n),
                    "summary": f"Summary {n}",
                    "category_id": categories[n % CATEGORIES].pk,
                    "body": StreamValue(stream_block, body, is_lazy=True),
                }
            )
        _bulk_news_rows(template, rows)
        _bulk_relations(ids, tags, organisations, authors, quoted, quoting)
    posts = [template.pk, *ids]
    return BulkSite(
        posts=posts,
        quoted=quoted,
        quoting_posts=[posts[n] for n in sorted(quoting)],
        shared_image=shared_image,
        image_posts=[posts[n] for n in sorted(showing)],
        categories=categories,
        tags=tags,
        organisations=organisations,
    )


def _bulk_pages(news_index: NewsIndexPage, template: NewsPage, count: int) -> list[int]:
    news_index.refresh_from_db()
    base = Page.objects.get(pk=template.pk)
    content_type = ContentType.objects.get_for_model(NewsPage)
    pages = []
    for n in range(1, count + 1):
        page = Page(
            title=f"Post {n}",
            draft_title=f"Post {n}",
            slug=f"post-{n}",
            content_type=content_type,
            path=Page._get_path(news_index.path, news_index.depth + 1, news_index.numchild + n),
            depth=news_index.depth + 1,
            numchild=0,
            url_path=f"{news_index.url_path}post-{n}/",
            live=True,
            has_unpublished_changes=False,
            first_published_at=base.first_published_at,
            last_published_at=base.last_published_at,
            locale_id=base.locale_id,
            translation_key=uuid.uuid4(),
        )
        pages.append(page)
    created = Page.objects.bulk_create(pages, batch_size=200)
    Page.objects.filter(pk=news_index.pk).update(numchild=news_index.numchild + count)
    return [page.pk for page in created]


def _bulk_news_rows(template: NewsPage, rows: list[dict]) -> None:
    """Insert news rows copying the template's columns (multi-table inheritance rules out
    ``bulk_create``)."""
    fields = NewsPage._meta.local_concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(NewsPage._meta.db_table)
    values = []
    for row in rows:
        values.append(
            [
                field.get_db_prep_save(
                    row.get(field.attname, getattr(template, field.attname)), connection
                )
                for field in fields
            ]
        )
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)


def _bulk_relations(ids, tags, organisations, authors, quoted, quoting) -> None:
    organisation_through = NewsPage.organisations.through
    people_through = NewsPage.people.through
    page_tags, page_orgs, page_people, page_authors = [], [], [], []
    for n, pk in enumerate(ids, start=1):
        for tag in {tags[n % TAGS], tags[(n * 7 + 3) % TAGS]}:
            page_tags.append(NewsPageTag(content_object_id=pk, tag=tag))
        author = authors[n % AUTHORS]
        page_authors.append(NewsPageAuthor(page_id=pk, person=author, sort_order=0))
        people = {author.pk} | ({quoted.pk} if n in quoting else set())
        page_people += [people_through(newspage_id=pk, person_id=p) for p in people]
        organisation_ids = {author.organisation_id, organisations[n % ORGANISATIONS].pk}
        page_orgs += [
            organisation_through(newspage_id=pk, organisation_id=o) for o in organisation_ids
        ]
    NewsPageTag.objects.bulk_create(page_tags, batch_size=500)
    NewsPageAuthor.objects.bulk_create(page_authors, batch_size=500)
    people_through.objects.bulk_create(page_people, batch_size=500)
    organisation_through.objects.bulk_create(page_orgs, batch_size=500)
