"""Builders shared by the API tests (no tests here): posts with every block kind, documents.

The API tests import from this module; it is named ``test_api_*`` only because it belongs
to them (pytest collects it and finds nothing to run).
"""

from __future__ import annotations

import json

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from news.models import NewsPageAuthor
from news.snippets import Organisation, Person
from tests.conftest import make_image, publish_news_page

BLOCK_KINDS = (
    "paragraph",
    "heading",
    "image",
    "quote",
    "quote_free",
    "bio",
    "boilerplate",
    "call_to_action",
    "embed",
    "code",
    "table",
)


def make_document(title: str = "Annual report"):
    document = get_document_model()(title=title)
    document.file.save(f"{title.replace(' ', '-')}.txt", ContentFile(b"report"), save=False)
    document.save()
    return document


def make_people(count: int, prefix: str = "P") -> tuple[list[Person], list[Organisation]]:
    """``count`` published people, each at their own published organisation with a logo."""
    people, organisations = [], []
    for i in range(count):
        organisation = Organisation(
            name=f"{prefix} Org {i}",
            website=f"https://org{i}.example",
            logo=make_image(f"{prefix} logo {i}"),
            membership_level="general",
            boilerplate=f"<p>Org {i} builds things.</p>",
        )
        organisation.save()
        organisation.save_revision().publish()
        person = Person(
            name=f"{prefix} Person {i}",
            role="Engineer",
            organisation=organisation,
            headshot=make_image(f"{prefix} headshot {i}"),
            bio=f"<p>Person {i}.</p>",
        )
        person.save()
        person.save_revision().publish()
        people.append(person)
        organisations.append(organisation)
    return people, organisations


def block(kind: str, *, image, person, organisation, page, document) -> dict:
    rich = (
        f'<p>See <a linktype="page" id="{page.pk}">the post</a>, '
        f'<a linktype="document" id="{document.pk}">the report</a> and '
        f'<b>bold</b>.</p><embed embedtype="image" id="{image.pk}" format="left" alt="Inline"/>'
    )
    values = {
        "paragraph": ("paragraph", rich),
        "heading": ("heading", {"text": "A section", "level": "h2", "anchor": ""}),
        "image": (
            "image",
            {
                "image": image.pk,
                "alt_text": "A picture",
                "caption": "Caption",
                "credit": "Credit",
                "alignment": "full",
                "max_width": None,
            },
        ),
        "quote": (
            "quote",
            {
                "text": "We are proud.",
                "person": person.pk,
                "attribution_name": "",
                "attribution_role": "",
                "attribution_organisation": "",
            },
        ),
        "quote_free": (
            "quote",
            {
                "text": "Said by someone.",
                "person": None,
                "attribution_name": "Sam Free",
                "attribution_role": "Chair",
                "attribution_organisation": "Free Org",
            },
        ),
        "bio": ("bio", {"person": person.pk, "heading": "About the author"}),
        "boilerplate": (
            "boilerplate",
            {"organisation": organisation.pk, "boilerplate_override": ""},
        ),
        "call_to_action": ("call_to_action", {"label": "Read", "page": page.pk, "url": ""}),
        "embed": (
            "embed",
            {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "title": "Video", "caption": ""},
        ),
        "code": ("code", {"language": "python", "code": "print('hi')"}),
        "table": (
            "table",
            {
                "data": [["Level", "Members"], ["Premier", "12"]],
                "first_row_is_table_header": True,
                "first_col_is_header": False,
                "table_caption": "Members",
            },
        ),
    }
    block_type, value = values[kind]
    return {"type": block_type, "value": value}


def body_with_every_kind(repeats: int, *, images, people, organisations, page, documents) -> str:
    """``repeats`` rounds of every block kind, cycling through the given objects."""
    items = []
    for i in range(repeats):
        for kind in BLOCK_KINDS:
            items.append(
                block(
                    kind,
                    image=images[i % len(images)],
                    person=people[i % len(people)],
                    organisation=organisations[i % len(organisations)],
                    page=page,
                    document=documents[i % len(documents)],
                )
            )
    return json.dumps(items)


def publish_rich_post(
    news_index,
    *,
    repeats: int,
    distinct: int,
    title: str,
    link_target=None,
    full_card: bool = False,
    category=None,
):
    """A published post with ``repeats`` × every block kind, referring to ``distinct`` objects
    of each kind (images, people, organisations, documents). Its author is the first person;
    with ``full_card`` every person (each with organisation and headshot) is an author and
    the post has ``distinct`` tags more, so its card grows with ``distinct`` too."""
    images = [make_image(f"{title} image {i}", description="An image") for i in range(distinct)]
    people, organisations = make_people(distinct, prefix=title)
    documents = [make_document(f"{title} doc {i}") for i in range(distinct)]
    target = link_target or publish_news_page(news_index, title=f"{title} target")
    authors = people if full_card else people[:1]
    page = publish_news_page(
        news_index,
        title=title,
        summary=f"Summary of {title}",
        feature_image=images[0],
        category=category,
        authors=[NewsPageAuthor(person=person) for person in authors],
        body=body_with_every_kind(
            repeats,
            images=images,
            people=people,
            organisations=organisations,
            page=target,
            documents=documents,
        ),
    )
    page.tags.add("lattice", *(f"{title} tag {i}" for i in range(distinct if full_card else 0)))
    page.save_revision().publish()
    page.refresh_from_db()
    return page
