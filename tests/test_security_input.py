"""Hardening (issue 14): no input from a signed-in user causes a 5xx (finding 5), and request
bodies and StreamFields have limits answered before any expensive work (finding 6)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import APIToken

from news.models import NewsPage
from tests.test_uploads import _png

pytestmark = pytest.mark.django_db

JUNK_GIF = b"GIF89a" + b"\x8f\x00junk that is no image at all" * 20


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_superuser("writer", "w@example.org", "pw")


@pytest.fixture
def token_client(client, writer):
    _, plaintext = APIToken.create_token(user=writer, name="tests")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
    return client


def _create(client, parent_id: int, body: list | None = None, **fields):
    payload = {"meta": {"parent_id": parent_id, "type": "news.NewsPage"}, "title": "Post"}
    if body is not None:
        payload["body"] = body
    payload.update(fields)
    return client.post(
        reverse("wagtailapi_v3:create_page"),
        data=json.dumps(payload),
        content_type="application/json",
    )


# --- Finding 5: bad embeds, bad link ids, corrupt images ------------------------------------------

REFUSED_RICH_TEXT = [
    ('<p>Look <embed embedtype="image" id="{image}" format="nosuch" alt="x"/></p>', "format"),
    ('<p><embed embedtype="image" id="abc" format="left" alt="x"/></p>', "numeric id"),
    ('<p><a linktype="page" id="abc">a page</a></p>', "numeric id"),
    ('<p><a linktype="document" id="x1">a document</a></p>', "numeric id"),
]
# Wagtail's write API cleans these itself and says so in ``meta.warnings`` (its design).
CLEANED_RICH_TEXT = [
    '<p><embed embedtype="image" format="left"/></p>',
    '<p><a linktype="page">no id</a></p>',
    '<p><a linktype="nosuch" id="1">a link</a></p>',
    '<p><embed embedtype="nosuch" id="1"/></p>',
]


@pytest.fixture
def small_image(db):
    return get_image_model().objects.create(
        title="i", file=SimpleUploadedFile("i.png", _png(8, 8)), width=8, height=8
    )


@pytest.mark.parametrize(("html", "needle"), REFUSED_RICH_TEXT)
def test_bad_rich_text_through_the_write_api_is_a_located_422(
    token_client, news_index, small_image, html, needle
):
    body = [
        {"type": "heading", "value": {"text": "Fine", "level": "h2", "anchor": ""}},
        {"type": "paragraph", "value": html.format(image=small_image.pk)},
    ]
    response = _create(token_client, news_index.pk, body=body, slug="bad-rich-text")
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    located = [error for error in errors if list(error["loc"])[-2:] == ["body", 1]]
    assert located and needle in located[0]["msg"], errors
    assert not NewsPage.objects.filter(slug="bad-rich-text").exists()


@pytest.mark.parametrize("html", CLEANED_RICH_TEXT)
def test_unusable_rich_text_references_are_cleaned_with_a_warning(token_client, news_index, html):
    body = [{"type": "paragraph", "value": html}]
    response = _create(token_client, news_index.pk, body=body, slug="cleaned")
    assert response.status_code == 201, response.content
    assert response.json()["meta"]["warnings"]


def _contentstate(entity: dict, atomic: bool) -> str:
    block = {
        "key": "k1",
        "text": " " if atomic else "a page",
        "type": "atomic" if atomic else "unstyled",
        "depth": 0,
        "inlineStyleRanges": [],
        "entityRanges": [{"offset": 0, "length": 1 if atomic else 6, "key": 0}],
        "data": {},
    }
    return json.dumps({"blocks": [block], "entityMap": {"0": entity}})


@pytest.mark.parametrize(
    ("entity", "atomic", "needle"),
    [
        (
            {"type": "IMAGE", "mutability": "IMMUTABLE", "data": {"format": "nosuch"}},
            True,
            "format",
        ),
        ({"type": "LINK", "mutability": "MUTABLE", "data": {"id": "abc"}}, False, "numeric id"),
    ],
)
def test_bad_rich_text_in_the_admin_form_is_a_form_error(
    editor_client, news_index, small_image, entity, atomic, needle
):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    if entity["type"] == "IMAGE":
        entity["data"].update(id=small_image.pk, alt="x")
    data = nested_form_data(
        {
            "title": "Admin post",
            "slug": "admin-post",
            "subtitle": "",
            "date": "",
            "byline": "",
            "summary": "",
            "feature_image": "",
            "feature_image_alt": "",
            "category": "",
            "tags": "",
            "canonical_url": "",
            "seo_title": "",
            "search_description": "",
            "authors": inline_formset([]),
            "body": streamfield([("paragraph", _contentstate(entity, atomic))]),
        }
    )
    url = reverse("wagtailadmin_pages:add", args=("news", "newspage", news_index.pk))
    response = editor_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    body_errors = response.context["form"].errors["body"].as_data()[0].as_json_data()
    assert needle in json.dumps(body_errors)
    assert not NewsPage.objects.filter(slug="admin-post").exists()


@pytest.mark.parametrize("url", ["/api/v3/uploads/images/", "/api/v3/images/"])
def test_a_corrupt_gif_upload_is_a_422(token_client, url):
    response = token_client.post(
        url, {"title": "Junk", "file": SimpleUploadedFile("junk.gif", JUNK_GIF)}
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert not get_image_model().objects.exists()


# --- Finding 6: request body and StreamField limits -----------------------------------------------


def _paragraphs(count: int, words: str = "Lorem ipsum dolor sit amet.") -> list[dict]:
    return [{"type": "paragraph", "value": f"<p>{n} {words}</p>"} for n in range(count)]


def test_a_7500_block_draft_is_refused_unread_with_413(token_client, news_index):
    payload = json.dumps(
        {
            "meta": {"parent_id": news_index.pk, "type": "news.NewsPage"},
            "title": "Huge",
            "body": _paragraphs(7500, "padding " * 30),
        }
    )
    assert len(payload) > 1024 * 1024
    with CaptureQueriesContext(connection) as queries:
        response = token_client.post(
            reverse("wagtailapi_v3:create_page"), data=payload, content_type="application/json"
        )
    assert response.status_code == 413, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == ["body"]
    assert len(queries) == 0  # refused before authentication, parsing or any form
    assert not NewsPage.objects.filter(title="Huge").exists()


def test_too_many_blocks_is_a_422_before_the_form_is_built(token_client, news_index, settings):
    body = _paragraphs(settings.NEWSROOM_MAX_BODY_BLOCKS + 1)
    payload = json.dumps(body)
    assert len(payload) < settings.NEWSROOM_API_MAX_JSON_BYTES  # under the size limit
    with CaptureQueriesContext(connection) as queries:
        response = _create(token_client, news_index.pk, body=body, slug="many")
    assert response.status_code == 422, response.content[:300]
    errors = response.json()["errors"]
    assert any(list(e["loc"])[-1:] == ["body"] and "At most 500 blocks" in e["msg"] for e in errors)
    # Only authentication and the parent page were read: no block was converted or validated.
    assert len(queries) < 15
    assert not NewsPage.objects.filter(slug="many").exists()


def test_a_long_real_post_is_still_accepted(token_client, news_index, settings):
    body = _paragraphs(settings.NEWSROOM_MAX_BODY_BLOCKS)
    response = _create(token_client, news_index.pk, body=body, slug="long-but-fine")
    assert response.status_code == 201, response.content[:300]


def test_the_limits_are_settings(token_client, news_index, settings):
    settings.NEWSROOM_MAX_BODY_BLOCKS = 3
    response = _create(token_client, news_index.pk, body=_paragraphs(4), slug="four")
    assert response.status_code == 422
    settings.NEWSROOM_API_MAX_JSON_BYTES = 100
    response = _create(token_client, news_index.pk, body=_paragraphs(2), slug="two")
    assert response.status_code == 413


def test_the_admin_form_refuses_too_many_blocks(editor_client, news_index):
    from news.blocks import NewsBodyBlock

    assert NewsBodyBlock().meta.max_num == 500
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        rich_text,
        streamfield,
    )

    data = nested_form_data(
        {
            "title": "Admin post",
            "slug": "admin-many",
            "authors": inline_formset([]),
            "body": streamfield([("paragraph", rich_text(f"<p>{n}</p>")) for n in range(501)]),
        }
    )
    url = reverse("wagtailadmin_pages:add", args=("news", "newspage", news_index.pk))
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert not NewsPage.objects.filter(slug="admin-many").exists()


SNIPPET_RICH_TEXT = [
    ("person", "bio", {"name": "Rich Bio", "role": "", "organisation": "", "headshot": ""}),
    (
        "organisation",
        "boilerplate",
        {"name": "Rich Org", "website": "", "logo": "", "membership_level": "none"},
    ),
    (
        "organisation",
        "legal_notice",
        {"name": "Legal Org", "website": "", "logo": "", "membership_level": "none"},
    ),
]


@pytest.mark.parametrize(("model", "field", "fields"), SNIPPET_RICH_TEXT)
@pytest.mark.parametrize(
    ("entity", "atomic"),
    [
        ({"type": "LINK", "mutability": "MUTABLE", "data": {"id": "abc"}}, False),
        ({"type": "DOCUMENT", "mutability": "MUTABLE", "data": {"id": "x1"}}, False),
    ],
)
def test_bad_rich_text_in_snippet_forms_is_a_form_error(
    editor_client, model, field, fields, entity, atomic
):
    data = {**fields, "slug": "", "action-publish": "publish"}
    for name in ("bio", "boilerplate", "legal_notice"):
        data.setdefault(name, "")
    data[field] = _contentstate(entity, atomic)
    url = reverse(f"wagtailsnippets_news_{model}:add")
    response = editor_client.post(url, data)
    assert response.status_code == 200, response.status_code  # the form again, not a 5xx
    assert "numeric id" in json.dumps(response.context["form"].errors.get_json_data())
