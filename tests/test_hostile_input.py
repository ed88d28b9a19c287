"""Hostile input: the token-authenticated write API answers 4xx (never 500) for bad posts,
and dangerous markup never reaches any API output."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from wagtail.models import APIToken

from news.models import NewsPage
from news.read.richtext import sanitise_html
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db

HOSTILE_HTML = (
    '<p>Safe words <a href="javascript:alert(1)">click</a> '
    '<a href="https://example.org" onclick="steal()">ok link</a>'
    "<script>alert('x')</script>"
    '<iframe src="https://evil.example/"></iframe>'
    '<img src="x" onerror="alert(2)">'
    '<span style="background:url(javascript:alert(3))" onmouseover="x()">hover</span></p>'
)
FORBIDDEN = ["javascript:", "onclick", "onerror", "onmouseover", "<script", "<iframe", "style="]


@pytest.fixture
def token_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("writer", "w@example.org", "pw")
    _, plaintext = APIToken.create_token(user=user, name="tests")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plaintext}"
    return client


def _create(client, parent_id: int, action: str | None = "publish", **fields):
    meta = {"parent_id": parent_id, "type": "news.NewsPage"}
    if action:
        meta["action"] = action
    payload = {"meta": meta, **fields}
    return client.post(
        reverse("wagtailapi_v3:create_page"),
        data=json.dumps(payload),
        content_type="application/json",
    )


def test_title_only_draft_is_accepted(token_client, news_index):
    response = _create(
        token_client, news_index.pk, action=None, title="Just a title", slug="just-a-title"
    )
    assert response.status_code == 201, response.content
    page = NewsPage.objects.get(slug="just-a-title")
    assert not page.live


def test_a_complete_post_is_created_and_published(token_client, news_index, person):
    body = [
        {"type": "paragraph", "value": "<p>Written through the API.</p>"},
        {"type": "quote", "value": {"text": "Hello", "person": person.pk}},
    ]
    response = _create(
        token_client,
        news_index.pk,
        title="Via the API",
        slug="via-the-api",
        summary="Made by a script.",
        body=body,
    )
    assert response.status_code == 201, response.content
    page = NewsPage.objects.get(slug="via-the-api")
    assert page.live
    assert [block.block_type for block in page.body] == ["paragraph", "quote"]
    assert page.body[1].value["person"] == person


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"slug": "no-title"}, "title"),
        ({"title": "Bad body", "slug": "b1", "body": "not a list"}, ""),
        ({"title": "Bad body", "slug": "b2", "body": [{"type": "nonsense", "value": "x"}]}, ""),
        (
            {"title": "Q", "slug": "b3", "body": [{"type": "quote", "value": {"text": "Hi"}}]},
            "",
        ),
        (
            {"title": "I", "slug": "b4", "body": [{"type": "image", "value": {"image": 999999}}]},
            "",
        ),
        ({"title": "D", "slug": "b5", "date": "not a date"}, "date"),
        ({"title": "S", "slug": "b6", "summary": "x" * 400}, "summary"),
        ({"title": "", "slug": "b7"}, "title"),
        ({"title": "Slug", "slug": "not a slug!"}, "slug"),
        (
            {
                "title": "E",
                "slug": "b8",
                "body": [{"type": "embed", "value": {"url": "https://evil.example/x"}}],
            },
            "youtube",
        ),
    ],
)
def test_invalid_posts_get_a_4xx_saying_what_to_fix(token_client, news_index, fields, needle):
    response = _create(token_client, news_index.pk, **fields)
    assert 400 <= response.status_code < 500, response.content[:500]
    body = response.json()
    assert body["status"] == response.status_code
    assert needle in json.dumps(body).lower()
    assert not NewsPage.objects.filter(slug=fields.get("slug", "")).exists()


def test_news_post_under_the_wrong_parent_is_refused(token_client, home_page):
    response = _create(token_client, home_page.pk, title="Wrong place", slug="wrong-place")
    assert 400 <= response.status_code < 500
    assert not NewsPage.objects.filter(slug="wrong-place").exists()


def test_malformed_json_is_a_4xx(token_client):
    response = token_client.post(
        reverse("wagtailapi_v3:create_page"), data="{not json", content_type="application/json"
    )
    assert 400 <= response.status_code < 500


def test_anonymous_writes_are_refused(client, news_index):
    response = _create(client, news_index.pk, title="Anonymous", slug="anonymous")
    assert response.status_code == 401
    assert not NewsPage.objects.filter(slug="anonymous").exists()


def test_hostile_markup_never_reaches_the_api(client, news_index, organisation, person):
    organisation.boilerplate = HOSTILE_HTML
    organisation.save_revision().publish()
    person.bio = HOSTILE_HTML
    person.save_revision().publish()
    page = publish_news_page(
        news_index,
        title="Hostile",
        body=[
            ("paragraph", HOSTILE_HTML),
            ("boilerplate", {"organisation": organisation}),
            ("bio", {"person": person}),
            ("boilerplate", {"organisation": organisation, "boilerplate_override": HOSTILE_HTML}),
        ],
    )
    for url in (f"/api/v3/news/{page.pk}/", f"/api/v2/pages/{page.pk}/", "/api/v3/news/"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode().lower()
        for needle in FORBIDDEN:
            assert needle not in text, (url, needle)
    detail = client.get(f"/api/v3/news/{page.pk}/").json()
    assert "Safe words" in detail["body"][0]["value"]["html"]
    assert 'href="https://example.org"' in detail["body"][0]["value"]["html"]


def test_sanitiser_keeps_ordinary_formatting():
    html = '<p><b>bold</b> <i>it</i> <a href="/news/x/">link</a></p><ul><li>one</li></ul>'
    cleaned = sanitise_html(html)
    for kept in ("<b>bold</b>", "<i>it</i>", 'href="/news/x/"', "<li>one</li>"):
        assert kept in cleaned


def test_block_errors_are_located_by_index_and_field(token_client, news_index):
    body = [
        {"type": "paragraph", "value": "<p>Fine.</p>"},
        {"type": "embed", "value": {"url": "https://evil.example/x"}},
    ]
    response = _create(token_client, news_index.pk, title="Located", slug="located", body=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"loc": ["body", 1, "url"]}.items() <= errors[0].items()
    assert "YouTube and Vimeo" in errors[0]["msg"]
