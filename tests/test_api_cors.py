"""CORS: the frontend origins may read the public API (GET, HEAD, OPTIONS); nobody else."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

FRONTEND = "https://front.example.org"


@pytest.fixture(autouse=True)
def cors_origins(settings):
    settings.NEWSROOM_CORS_ORIGINS = [FRONTEND]


@pytest.mark.parametrize(
    "url", ["/api/v3/news/", "/api/v3/ping", "/api/v3/pages/", "/api/v2/pages/", "/api/v3/persons/"]
)
def test_allowed_origin_may_read(client, news_index, url):
    response = client.get(url, HTTP_ORIGIN=FRONTEND)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Origin" in response["Vary"]
    assert not response.has_header("Access-Control-Allow-Credentials")
    head = client.head(url, HTTP_ORIGIN=FRONTEND)
    assert head["Access-Control-Allow-Origin"] == FRONTEND


def test_other_origins_get_no_cors_headers(client, news_index):
    for origin in ("https://evil.example", "https://front.example.org.evil.example", "null"):
        response = client.get("/api/v3/news/", HTTP_ORIGIN=origin)
        assert response.status_code == 200
        assert not response.has_header("Access-Control-Allow-Origin")
        assert "Origin" in response["Vary"]


def test_preflight_for_get_with_if_none_match(client, news_index):
    response = client.options(
        "/api/v3/news/",
        HTTP_ORIGIN=FRONTEND,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response["Access-Control-Allow-Headers"] == "if-none-match"


@pytest.mark.parametrize(
    "origin, method, headers",
    [
        ("https://evil.example", "GET", ""),  # not a frontend origin
        (FRONTEND, "POST", ""),  # writes are not for browsers on other origins
        (FRONTEND, "DELETE", ""),
        (FRONTEND, "GET", "authorization"),  # no credentials from the browser
    ],
)
def test_preflight_refused(client, news_index, origin, method, headers):
    response = client.options(
        "/api/v3/news/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )
    assert not response.has_header("Access-Control-Allow-Origin")
    assert not response.has_header("Access-Control-Allow-Methods")


def test_no_cors_on_writes_even_from_the_frontend(client, news_index):
    response = client.post("/api/v3/pages/", HTTP_ORIGIN=FRONTEND, content_type="application/json")
    assert not response.has_header("Access-Control-Allow-Origin")


def test_no_cors_outside_the_api(client, news_index):
    response = client.get("/admin/login/", HTTP_ORIGIN=FRONTEND)
    assert not response.has_header("Access-Control-Allow-Origin")
