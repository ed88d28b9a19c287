"""Property-based testing of every public API v3 endpoint against /api/v3/openapi.json.

Schemathesis reads the OpenAPI document the application serves and Hypothesis generates
requests from it: valid ones (positive mode) and deliberately invalid ones (negative mode:
wrong types, out-of-range numbers, broken patterns, missing required parameters). Every
request goes in-process through Django's WSGI handler — the whole middleware stack, as in
production — to a database holding the demo content plus a redirect, a document and a
preview token. Generated values are mixed with real ids, slugs, paths and words, so that
requests hit real objects as well as missing ones.

Each response must:

- not be a 5xx (``not_a_server_error``), and refuse invalid input with a 4xx
  (``negative_data_rejection``);
- have a status code, content type and headers the document declares for the operation
  (``status_code_conformance``, ``content_type_conformance``,
  ``response_headers_conformance``);
- have a body valid against the declared schema (``response_schema_conformance``).

The requests actually sent are counted per operation; the last test checks that together
they number at least ``MIN_TOTAL_REQUESTS``. Generation is derandomized (the same requests
on every run) and nothing is written to a Hypothesis example database.

``NEWSROOM_FUZZ_SCALE`` multiplies every operation's budget (default 1; e.g. 5 for a longer
local run). Run alone with ``.venv/bin/pytest tests/test_api_fuzz.py``.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.errors import FailureGroup
from schemathesis.generation import GenerationMode

# Marked so that pytest-django creates the test database; the data itself is the module's.
pytestmark = pytest.mark.django_db

MIN_TOTAL_REQUESTS = 10_000
SCALE = float(os.environ.get("NEWSROOM_FUZZ_SCALE", "1"))

# Every anonymous GET operation of the document, with its budget of generated examples
# (positive, negative). Operations without parameters have little to vary; those with many
# get the most. A new public endpoint must be added here (see test_every_public_get_is_fuzzed).
BUDGETS: dict[str, tuple[int, int]] = {
    # Newsroom's endpoints.
    "news_list": (900, 400),
    "news_detail": (350, 200),
    "route_lookup": (600, 250),
    "organisations_list": (200, 150),
    "organisations_detail": (300, 150),
    "persons_list": (200, 150),
    "persons_detail": (300, 150),
    "feed_rss": (5, 5),
    "feed_atom": (5, 5),
    "ping": (5, 5),
    "site_info": (5, 5),
    "search_api_search": (900, 300),
    "search_api_suggest": (400, 150),
    "preview_draft": (350, 150),
    # Wagtail's stock endpoints open to anonymous readers.
    "pages_list": (700, 300),
    "pages_find": (300, 150),
    "pages_detail": (300, 150),
    "redirects_list": (200, 100),
    "redirects_find": (200, 100),
    "redirects_detail": (150, 100),
    "documents_list": (200, 100),
    "documents_detail": (150, 100),
    "images_list": (200, 100),
    "images_detail": (150, 100),
}

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]

REQUESTS: Counter[str] = Counter()
SECONDS: Counter[str] = Counter()


@dataclass
class FuzzWorld:
    """The loaded schema, the application, and real values to mix into generated requests."""

    schema: Any
    app: Any
    path_values: dict[str, list[Any]] = field(default_factory=dict)
    query_values: dict[str, list[Any]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)


def _real_values() -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Ids, slugs, paths and words that exist in the demo content (plus a few that do not)."""
    from taggit.models import Tag
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page

    from news.models import NewsPage
    from news.read.resolver import page_path
    from news.snippets import NewsCategory, Organisation, Person

    pages = list(Page.objects.live().specific())
    news = list(NewsPage.objects.live().order_by("pk"))
    organisations = list(Organisation.objects.order_by("pk"))
    people = list(Person.objects.order_by("pk"))
    words = sorted({w.lower() for post in news for w in post.title.split() if w.isalpha()})
    path_values = {
        "page_id": [p.pk for p in pages] + [news[-1].pk + 1],
        "key": [o.slug for o in organisations]
        + [str(o.pk) for o in organisations]
        + [p.slug for p in people]
        + [str(p.pk) for p in people],
        "image_id": list(get_image_model().objects.values_list("pk", flat=True)),
        "document_id": list(get_document_model().objects.values_list("pk", flat=True)),
        "redirect_id": list(Redirect.objects.values_list("pk", flat=True)),
    }
    query_values = {
        "html_path": [page_path(p) for p in pages if p.depth > 1]
        + [r.old_path for r in Redirect.objects.all()]
        + ["/", "/news/", "/nothing-here/"],
        "tag": list(Tag.objects.values_list("slug", flat=True)),
        "category": list(NewsCategory.objects.values_list("slug", flat=True)),
        "organisation": [o.slug for o in organisations],
        "person": [p.slug for p in people],
        "year": [2023, 2024, 2025, "2024", "2025"],
        "month": [1, 3, 6, 9, 12],
        "q": words + [w[:3] for w in words] + ['"open lattice"'],
        "id": [p.pk for p in pages],
        # "operation_id:name" values win over "name" ones for that operation.
        "redirects_find:id": list(Redirect.objects.values_list("pk", flat=True)),
        "redirects_find:html_path": [r.old_path for r in Redirect.objects.all()] + ["/nope"],
        "child_of": [p.pk for p in pages if p.depth <= 3] + ["root"],
        "descendant_of": [p.pk for p in pages if p.depth <= 3] + ["root"],
        "ancestor_of": [p.pk for p in news[:5]],
        "type": [["news.NewsPage"], ["home.HomePage"], ["news.NewsIndexPage", "news.NewsPage"]],
        "site": ["localhost", "localhost:80", "localhost:8000", "example.org", "localhost:x"],
    }
    return path_values, query_values


def _make_demo_world() -> tuple[dict[str, list[Any]], dict[str, list[Any]], dict[str, str]]:
    from django.core.files.base import ContentFile
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents import get_document_model
    from wagtail.models import Site

    from news.demo import DemoLoader
    from news.models import NewsPage

    DemoLoader().run()
    post = NewsPage.objects.live().order_by("pk").first()
    Redirect.objects.create(old_path="/old-news", redirect_page=post)
    Redirect.objects.create(old_path="/elsewhere", redirect_link="https://example.org/x")
    # A second site on the same hostname: ?site=localhost is then ambiguous.
    Site.objects.create(hostname="localhost", port=8000, root_page=post.get_parent())
    document = get_document_model()(title="Annual report")
    document.file.save("annual-report.txt", ContentFile(b"Numbers."), save=False)
    document.save()
    preview = {"content_type": "news.newspage", "token": post.create_page_preview().token}
    return (*_real_values(), preview)


def _warm_renditions(app, page_ids: list[int]) -> None:
    """Create every image rendition the answers use, once for the module.

    Renditions are rows made on first use; made inside a test, they would be rolled back
    with it and made again (seconds of image resizing) by the next test.
    """
    from werkzeug import Client

    client = Client(app)
    urls = ["/api/v3/news/?limit=100", "/api/v3/organisations/?limit=100"]
    urls += ["/api/v3/persons/?limit=100", "/api/v3/feeds/news.rss"]
    urls += [f"/api/v3/pages/{pk}/" for pk in page_ids] + [f"/api/v3/news/{pk}/" for pk in page_ids]
    for url in urls:
        assert client.get(url).status_code in (200, 404), url


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Demo content for the whole module, in one transaction rolled back at the end."""
    # Like Django's test client: the handler must not close the test transaction's
    # connection when a request starts or a response finishes.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    errors: list[str] = []

    def remember(sender, request=None, **kwargs):
        errors.append(f"{request.get_full_path() if request else '?'}\n{traceback.format_exc()}")

    got_request_exception.connect(remember)
    # Thousands of expected 4xx would each be logged (and captured by pytest); 5xx still are.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.ERROR)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            path_values, query_values, preview = _make_demo_world()
            query_values["content_type"] = [preview["content_type"], "home.homepage", "x.y"]
            query_values["token"] = [preview["token"], preview["token"][:-2] + "zz"]
            app = WSGIHandler()
            _warm_renditions(app, path_values["page_id"])
            schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", app)
            yield FuzzWorld(schema, app, path_values, query_values, errors)
            transaction.set_rollback(True)
    finally:
        request_logger.setLevel(level)
        got_request_exception.disconnect(remember)
        request_finished.connect(close_old_connections)
        request_started.connect(close_old_connections)


def _public_get_operations(document: dict) -> set[str]:
    """Operation ids of the GETs an anonymous client may call."""
    found = set()
    for operations in document["paths"].values():
        operation = operations.get("get")
        if operation is None:
            continue
        security = operation.get("security")
        if security is None or security == [] or {} in security:
            found.add(operation["operationId"])
    return found


def _with_real_values(base, operation, operation_id: str, world: FuzzWorld):
    """Generated cases where, now and then, a parameter is swapped for a value that exists."""
    swaps = []
    for parameter in operation.iter_parameters():
        location, name = parameter.location.value, parameter.name
        known = world.path_values if location == "path" else world.query_values
        values = known.get(f"{operation_id}:{name}") or known.get(name)
        if values:
            swaps.append((location, name, values))
    if not swaps:
        return base

    @st.composite
    def strategy(draw):
        case = draw(base)
        for location, name, values in swaps:
            if draw(st.integers(0, 2)) == 0:
                continue  # a third keep what Hypothesis generated
            value = draw(st.sampled_from(values))
            if location == "path":
                case.path_parameters = {**(case.path_parameters or {}), name: value}
            else:
                case.query = {**(case.query or {}), name: value}
        return case

    return strategy()


# --- What the fuzzing found, pinned (these run before the module's demo content exists) ------


def _assert_problem_400(response, parameter: str) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and parameter in str(body), body


def test_nul_in_a_query_parameter_is_a_400_not_a_database_error(client, news_index):
    # PostgreSQL cannot compare text with NUL: every one of these was a 500 there.
    for url in (
        "/api/v3/news/?tag=a%00b",
        "/api/v3/news/?person=%00",
        "/api/v3/search/?q=lattice&organisation=x%00",
        "/api/v3/pages/?search=%00",
        "/api/v3/images/?search=a%00",
        "/api/v3/ping?x%00=1",
    ):
        _assert_problem_400(client.get(url), "nul")


def test_stock_listings_refuse_an_offset_past_the_bound(client, news_index):
    # Past the database's integer range this was a 500 (SQLite and PostgreSQL alike).
    for url in ("/api/v3/pages/", "/api/v3/images/", "/api/v3/documents/", "/api/v3/redirects/"):
        _assert_problem_400(client.get(f"{url}?offset=99999999999999999999"), "offset")
        _assert_problem_400(client.get(f"{url}?offset=1000001"), "offset")
        assert client.get(f"{url}?offset=1000000").status_code == 200


def test_find_page_with_a_bad_site_is_a_400(client, news_index):
    from wagtail.models import Site

    url = "/api/v3/pages/find/?html_path=/news/&site="
    _assert_problem_400(client.get(url + "localhost:blank"), "site")
    _assert_problem_400(client.get(url + "localhost:%C2%B2"), "site")  # "²" is a digit…
    Site.objects.create(hostname="localhost", port=8000, root_page=news_index)
    _assert_problem_400(client.get(url + "localhost"), "multiple sites")
    assert client.get(url + "localhost:80").status_code == 302


def test_every_error_answer_of_the_document_is_problem_details(client, db):
    document = client.get("/api/v3/openapi.json").json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert "400" in operation["responses"], path
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert "application/problem+json" in response["content"], (path, status)


# --- The fuzzing ---------------------------------------------------------------------------


def test_every_public_get_is_fuzzed(world):
    document = world.schema.raw_schema
    assert _public_get_operations(document) == set(BUDGETS)


def _failure_key(error: BaseException, status: int) -> str:
    """Failures of one kind (check titles and status code) are reported once."""
    titles = sorted(
        {getattr(e, "title", type(e).__name__) for e in getattr(error, "exceptions", [error])}
    )
    return f"[{status}] {', '.join(titles)}"


@pytest.mark.parametrize("operation_id", sorted(BUDGETS))
def test_fuzz(world, operation_id):
    operation = world.schema.find_operation_by_id(operation_id)
    positive, negative = BUDGETS[operation_id]
    has_parameters = any(True for _ in operation.iter_parameters())
    failures: dict[str, str] = {}
    started = time.perf_counter()
    for mode, examples in (
        (GenerationMode.POSITIVE, positive),
        (GenerationMode.NEGATIVE, negative),
    ):
        if mode.is_negative and not has_parameters:
            continue  # nothing to make invalid
        examples = max(1, round(examples * SCALE))
        base = operation.as_strategy(generation_mode=mode)
        strategy = (
            _with_real_values(base, operation, operation_id, world) if mode.is_positive else base
        )

        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=strategy)
        def run(case):
            world.server_errors.clear()
            response = case.call(app=world.app)
            REQUESTS[operation_id] += 1
            try:
                if world.server_errors:
                    raise AssertionError("server error:\n" + world.server_errors[-1])
                case.validate_response(response, checks=CHECKS)
            except (AssertionError, FailureGroup) as error:
                failures.setdefault(_failure_key(error, response.status_code), str(error))

        try:
            run()
        finally:
            SECONDS[operation_id] += time.perf_counter() - started
            started = time.perf_counter()
    assert not failures, f"{len(failures)} kinds of failure:\n\n" + "\n\n".join(
        f"{key}\n{message}" for key, message in failures.items()
    )


def test_total_requests():
    """At least MIN_TOTAL_REQUESTS requests were made, across every operation."""
    missing = set(BUDGETS) - set(REQUESTS)
    if missing:
        pytest.skip(f"not every operation was fuzzed in this run: {sorted(missing)}")
    total = sum(REQUESTS.values())
    report = ", ".join(f"{k}={REQUESTS[k]} ({SECONDS[k]:.0f}s)" for k in sorted(REQUESTS))
    print(f"\n{total} requests: {report}")
    assert total >= MIN_TOTAL_REQUESTS * min(SCALE, 1), report
