"""The OpenAPI 3.1 document: valid, typed per block, and true to what the endpoints return.

Real responses of every public endpoint are validated against the schema the document gives
for them (jsonschema, draft 2020-12, which OpenAPI 3.1 uses), so schema and output cannot
drift apart: Newsroom's schemas forbid unknown keys, so an extra or missing field fails.
"""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from news.models import NewsPageAuthor
from tests.conftest import publish_news_page
from tests.test_api_support import publish_rich_post

pytestmark = pytest.mark.django_db

BLOCK_SCHEMAS = {
    "paragraph": "ParagraphBlock",
    "heading": "HeadingBlock",
    "image": "ImageBlock",
    "quote": "QuoteBlock",
    "bio": "BioBlock",
    "boilerplate": "BoilerplateBlock",
    "call_to_action": "CallToActionBlock",
    "embed": "EmbedBlock",
    "code": "CodeBlock",
    "table": "TableBlock",
}


@pytest.fixture
def document(client, db):
    response = client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    return response.json()


def response_schema(document: dict, path: str, status: str = "200") -> dict:
    responses = document["paths"][path]["get"]["responses"]
    content = responses[status]["content"]
    media = next(iter(content.values()))
    # Resolve "#/components/..." references against the whole document.
    return {**media["schema"], "components": document["components"]}


def assert_valid(document: dict, path: str, payload, status: str = "200") -> None:
    validator = Draft202012Validator(response_schema(document, path, status))
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.path))
    assert not errors, f"{path}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _reject_duplicates(pairs):
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"duplicate keys in one JSON object: {duplicates}"
    return dict(pairs)


def test_served_document_has_no_duplicate_keys(client):
    """Strict parsers (openapi-typescript, Redocly) refuse an object with a repeated key;
    Python's json keeps the last one silently, so parse the served bytes strictly."""
    body = client.get("/api/v3/openapi.json").content
    parsed = json.loads(body, object_pairs_hook=_reject_duplicates)
    assert parsed["paths"]["/api/v3/news/"]["get"]["responses"]["400"]


def test_document_is_valid_openapi_31(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_block_type_has_its_own_schema(document):
    schemas = document["components"]["schemas"]
    for block_type, name in BLOCK_SCHEMAS.items():
        assert schemas[name]["properties"]["type"]["const"] == block_type
        assert "value" in schemas[name]["required"]
    body = schemas["NewsPageDetail"]["properties"]["body"]["items"]
    assert body["discriminator"]["propertyName"] == "type"
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in body["oneOf"]} == set(BLOCK_SCHEMAS.values())
    for name in ("NewsCard", "Person", "Organisation", "Problem", "Image", "NewsList"):
        assert name in schemas


def test_error_responses_are_documented(document):
    for path in ("/api/v3/news/", "/api/v3/news/{page_id}/", "/api/v3/route/"):
        responses = document["paths"][path]["get"]["responses"]
        assert {"400", "404", "422"} <= set(responses)


def test_real_responses_match_the_document(client, document, news_index, person, organisation):
    post = publish_rich_post(news_index, repeats=1, distinct=1, title="Typed")
    other = publish_news_page(news_index, title="Plain", authors=[NewsPageAuthor(person=person)])
    checks = [
        ("/api/v3/news/", "/api/v3/news/?limit=5"),
        ("/api/v3/news/{page_id}/", f"/api/v3/news/{post.pk}/"),
        ("/api/v3/news/{page_id}/", f"/api/v3/news/{other.pk}/"),
        ("/api/v3/route/", "/api/v3/route/?html_path=/news/typed/"),
        ("/api/v3/route/", "/api/v3/route/?html_path=/news/"),
        ("/api/v3/route/", "/api/v3/route/?html_path=/"),
        ("/api/v3/organisations/", "/api/v3/organisations/"),
        ("/api/v3/organisations/{key}/", "/api/v3/organisations/example-corp/"),
        ("/api/v3/persons/", "/api/v3/persons/"),
        ("/api/v3/persons/{key}/", "/api/v3/persons/ada-example/"),
        ("/api/v3/ping", "/api/v3/ping"),
        # Wagtail's own endpoints (their schemas are Wagtail's).
        ("/api/v3/pages/", "/api/v3/pages/"),
        ("/api/v3/pages/{page_id}/", f"/api/v3/pages/{post.pk}/"),
    ]
    for path, url in checks:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:200])
        assert_valid(document, path, response.json())

    from wagtail.contrib.redirects.models import Redirect

    Redirect.objects.create(old_path="/old-typed", redirect_page=post)
    redirect = client.get("/api/v3/route/?html_path=/old-typed").json()
    assert redirect["type"] == "redirect"
    assert_valid(document, "/api/v3/route/", redirect)


def test_error_bodies_match_the_document(client, document, news_index):
    cases = [
        ("/api/v3/news/", "/api/v3/news/?colour=red", "400"),
        ("/api/v3/news/", "/api/v3/news/?limit=1000", "422"),
        ("/api/v3/news/{page_id}/", "/api/v3/news/424242/", "404"),
        ("/api/v3/route/", "/api/v3/route/?html_path=/nothing/", "404"),
        ("/api/v3/persons/{key}/", "/api/v3/persons/nobody/", "404"),
    ]
    for path, url, status in cases:
        response = client.get(url)
        assert str(response.status_code) == status, url
        assert_valid(document, path, response.json(), status)


def test_feeds_are_documented_as_xml(document):
    rss = document["paths"]["/api/v3/feeds/news.rss"]["get"]["responses"]["200"]["content"]
    atom = document["paths"]["/api/v3/feeds/news.atom"]["get"]["responses"]["200"]["content"]
    assert any("rss+xml" in media for media in rss)
    assert any("atom+xml" in media for media in atom)
