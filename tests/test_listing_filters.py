"""The listing filters are declared once (``search.filters.LISTING_FILTERS``) and mean the same
in the news listing and in search: same OpenAPI parameters, same 400 answers, same results.
Also the import direction the search endpoint's move restored: apps never import ``cms``."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from search.filters import FILTER_PARAMS, LISTING_FILTERS
from tests.conftest import publish_news_page

ROOT = Path(__file__).resolve().parent.parent
APPS = ("news", "home", "search")


def _operation(client, path: str) -> dict:
    document = client.get("/api/v3/openapi.json").json()
    return document["paths"][path]["get"]


def _filter_parameters(operation: dict) -> list[dict]:
    return [p for p in operation["parameters"] if p["name"] in FILTER_PARAMS]


def test_both_endpoints_document_the_same_filter_parameters(client, db):
    listing = _filter_parameters(_operation(client, "/api/v3/news/"))
    search = _filter_parameters(_operation(client, "/api/v3/search/"))
    assert listing == search
    assert [p["name"] for p in listing] == list(FILTER_PARAMS)
    for parameter, spec in zip(listing, LISTING_FILTERS, strict=True):
        assert parameter["in"] == "query" and parameter["required"] is False
        assert parameter["description"] == spec.description
        schema = {k: v for k, v in parameter["schema"].items() if k != "title"}
        assert schema == spec.json_schema()


@pytest.mark.parametrize(
    "params, name",
    [
        ({"year": "twenty"}, "year"),
        ({"year": ""}, "year"),
        ({"year": "1899"}, "year"),
        ({"year": "2024", "month": "13"}, "month"),
        ({"month": "5"}, "month"),
        ({"date_from": "20240531"}, "date_from"),
        ({"date_to": "2024-02-30"}, "date_to"),
        ({"date_from": "2025-01-02", "date_to": "2025-01-01"}, "date_from"),
        ({"category": "x" * 81}, "category"),
        ({"tag": "x" * 101}, "tag"),
        ({"person": "x" * 101}, "person"),
    ],
)
def test_a_bad_filter_is_the_same_400_in_the_listing_and_in_search(client, db, params, name):
    answers = [
        client.get("/api/v3/news/", params),
        client.get("/api/v3/search/", {"q": "harbour", **params}),
    ]
    problems = []
    for response in answers:
        assert response.status_code == 400, response.content
        assert response["Content-Type"].startswith("application/problem+json")
        problems.append(response.json())
    listing, search = problems
    assert listing["detail"] == search["detail"] and name in listing["detail"]
    assert listing["errors"] == search["errors"]
    assert listing["errors"][0]["loc"] == ["query", name]


def test_a_tag_filters_by_slug_or_name_in_both(client, news_index):
    date = timezone.make_aware(dt.datetime(2025, 5, 1, 12, 0))
    tagged = publish_news_page(news_index, title="Harbour tagged", date=date)
    tagged.tags.add("Open Ports")
    tagged.save_revision().publish()
    publish_news_page(news_index, title="Harbour plain", date=date)
    slug = tagged.tags.get().slug
    for tag in (slug, "open ports", "OPEN PORTS"):
        listing = client.get("/api/v3/news/", {"tag": tag}).json()
        search = client.get("/api/v3/search/", {"q": "harbour", "tag": tag}).json()
        assert [item["title"] for item in listing["items"]] == ["Harbour tagged"], tag
        assert [item["title"] for item in search["items"]] == ["Harbour tagged"], tag


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", APPS)
def test_apps_never_import_cms(app):
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for name in sorted(_imported_modules(path))
        if name == "cms" or name.startswith("cms.")
    ]
    assert offenders == []
