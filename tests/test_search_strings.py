"""Search strings the database's full-text engine cannot parse get a 4xx JSON answer on every
endpoint that searches with Wagtail's backend, never a 5xx (SQLite's FTS5 refuses a stray
quote or full stop with a database error, which once came back as "database unreachable")."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_image

ENDPOINTS = [
    "/api/v3/images/",
    "/api/v3/documents/",
    "/api/v3/pages/",
    "/api/v2/images/",
    "/api/v2/documents/",
    "/api/v2/pages/",
]
HOSTILE = ['"About <name>".', '"unterminated', "a . b", 'x" OR "y', "NEAR(", "*"]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unparsable_search_strings_are_client_errors(client, home_page, endpoint):
    make_image("About the foundation", 40, 30)  # something to search, so the engine runs
    for text in HOSTILE:
        response = client.get(endpoint, {"search": text})
        assert response.status_code < 500, (endpoint, text, response.content[:300])
        body = json.loads(response.content)
        if response.status_code >= 400:
            assert body.get("detail") or body.get("message"), body
