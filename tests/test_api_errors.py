"""Bad input on every public endpoint: a 4xx problem-details JSON body, never a 500.

Each parameter of each endpoint is tried with wrong values; unknown and repeated parameters
are refused too. The body must say what is wrong (``detail``/``errors``).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status"}

BAD_REQUESTS = [
    # News listing: each parameter.
    ("/api/v3/news/?limit=0", "limit"),
    ("/api/v3/news/?limit=101", "limit"),
    ("/api/v3/news/?limit=abc", "limit"),
    ("/api/v3/news/?limit=", "limit"),
    ("/api/v3/news/?offset=-1", "offset"),
    ("/api/v3/news/?offset=x", "offset"),
    ("/api/v3/news/?offset=99999999999999999999999", "offset"),
    ("/api/v3/news/?tag=" + "t" * 101, "tag"),
    ("/api/v3/news/?category=" + "c" * 81, "category"),
    ("/api/v3/news/?organisation=" + "o" * 101, "organisation"),
    ("/api/v3/news/?person=" + "p" * 101, "person"),
    ("/api/v3/news/?year=abc", "year"),
    ("/api/v3/news/?year=99999", "year"),
    ("/api/v3/news/?month=13", "month"),
    ("/api/v3/news/?month=2", "month"),  # month without year
    ("/api/v3/news/?year=2025&month=0", "month"),
    ("/api/v3/news/?date_from=yesterday", "date_from"),
    ("/api/v3/news/?date_from=2025-02-30", "date_from"),
    ("/api/v3/news/?date_to=2025-13-01", "date_to"),
    ("/api/v3/news/?date_from=2025-02-01&date_to=2025-01-01", "date_from"),
    ("/api/v3/news/?ordering=random", "ordering"),
    ("/api/v3/news/?page=2", "page"),  # unknown
    ("/api/v3/news/?limit=5&limit=6", "limit"),  # repeated
    # News detail.
    ("/api/v3/news/abc/", "page_id"),
    ("/api/v3/news/0/", "page_id"),
    ("/api/v3/news/99999999999999999999999/", "page_id"),
    ("/api/v3/news/1/?fields=*", "fields"),
    # Route lookup.
    ("/api/v3/route/", "html_path"),
    ("/api/v3/route/?html_path=", "html_path"),
    ("/api/v3/route/?html_path=news/no-leading-slash/", "html_path"),
    ("/api/v3/route/?html_path=/" + "a" * 1100, "html_path"),
    ("/api/v3/route/?html_path=/a%00b/", "html_path"),
    ("/api/v3/route/?html_path=/&site=2", "site"),
    # Organisations and persons.
    ("/api/v3/organisations/?limit=500", "limit"),
    ("/api/v3/organisations/?offset=-5", "offset"),
    ("/api/v3/organisations/?q=x", "q"),
    ("/api/v3/organisations/bad%20slug!/", "key"),
    ("/api/v3/persons/?limit=x", "limit"),
    ("/api/v3/persons/?offset=1.5", "offset"),
    ("/api/v3/persons/?order=name", "order"),
    ("/api/v3/persons/" + "x" * 101 + "/", "key"),
    # Feeds take no parameters.
    ("/api/v3/feeds/news.rss?limit=5", "limit"),
    ("/api/v3/feeds/news.atom?x=1", "x"),
    # Wagtail's own endpoints: bad values are 4xx as well.
    ("/api/v3/pages/?limit=1000", "limit"),
    ("/api/v3/pages/?child_of=abc", "child_of"),
    ("/api/v3/pages/abc/", "page_id"),
    ("/api/v2/pages/?limit=abc", "limit"),
    ("/api/v2/pages/?offset=-1", "offset"),
    ("/api/v2/pages/?id=abc", "id"),
    ("/api/v2/pages/?unknown=1", "unknown"),
    ("/api/v2/pages/find/?id=abc", "id"),
    ("/api/v2/pages/?type=nope.Nope", "type"),
    ("/api/v2/images/?limit=abc", "limit"),
    ("/api/v2/documents/?offset=x", "offset"),
]


@pytest.mark.parametrize("url, parameter", BAD_REQUESTS)
def test_bad_parameter_is_a_problem_json_4xx(client, news_index, url, parameter):
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith(("application/problem+json", "application/json"))
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == response.status_code
    said = (body.get("detail") or "") + str(body.get("errors") or "")
    assert said, "the body must say what is wrong"
    if response.status_code in (400, 422) and parameter not in ("page_id", "key"):
        assert parameter in said, (url, said)


def test_unknown_parameters_are_named(client, news_index):
    body = client.get("/api/v3/news/?colour=red&limit=2").json()
    assert body["status"] == 400
    assert body["errors"][0]["loc"] == ["query", "colour"]
    assert "Allowed:" in body["errors"][0]["msg"]


def test_not_found_is_problem_json(client, news_index):
    for url in (
        "/api/v3/news/987654/",
        "/api/v3/organisations/nobody/",
        "/api/v3/persons/12345/",
        "/api/v3/pages/987654/",
        "/api/v2/pages/987654/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["status"] == 404
        assert response["Cache-Control"] == "no-store"


def test_post_to_a_read_endpoint_is_not_a_500(client, news_index):
    assert client.post("/api/v3/news/").status_code == 405
