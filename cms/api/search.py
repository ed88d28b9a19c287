"""The news search endpoints: /api/v3/search/ (ranked, filtered, highlighted cards) and
/api/v3/search/suggest/ (titles for search-as-you-type).

The search itself lives in the ``search`` app (index, backends, query parsing, filters); this
module only turns a request into a call of ``search.service`` and its answer into bytes.

Parameters are validated by ``search.filters`` rather than typed in the signature, so that
every bad query string — unknown parameter, bad number or date, empty or over-long ``q`` —
answers 400 in v3's problem+json shape instead of Ninja's 422. They are still declared, with
the type and range that check enforces, so that the OpenAPI document lists them; the filters
are the news listing's (``schemas.ListingFilters``).

Search results are sent as the bytes the news endpoints send (``json_bytes``), not through
Ninja's re-validation of every card; their schema (``SearchResults``: news cards with
``promoted`` and ``highlight``) is documented, and checked against real responses by the
tests. The 400 answers are documented as problem details.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import WithJsonSchema
from wagtail.api.v3.errors import problem_response

from cms.api import schemas
from cms.api.http import JSON, json_bytes
from search import service
from search.filters import (
    MAX_OFFSET,
    SUGGEST_MAX_LIMIT,
    ParamError,
    parse_search_params,
    parse_suggest_params,
)
from search.query import MAX_QUERY_LENGTH

router = Router(tags=["search"])


def _documented(schema: dict) -> Any:
    """A parameter read as text (checked by hand in ``search.filters``: a bad value is a 400),
    documented with the type and range that check enforces."""
    return Annotated[str | None, WithJsonSchema(schema)]


_Q = {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH}


class SearchPaging(Schema):
    # Required in the document (cms.api.openapi.REQUIRED_QUERY); checked by hand here.
    q: _documented(_Q) = None
    limit: _documented({"type": "integer", "minimum": 1, "maximum": 100, "default": 20}) = None
    offset: _documented({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}) = None


class SuggestParams(Schema):
    q: _documented(_Q) = None
    limit: _documented({"type": "integer", "minimum": 1, "maximum": SUGGEST_MAX_LIMIT}) = None


class Suggestion(Schema):
    id: int
    title: str
    path: str


class Suggestions(Schema):
    items: list[Suggestion]


def _bad_request(error: ParamError | service.QueryError) -> HttpResponse:
    """The 400 problem details for a bad query string (the news listing answers the same)."""
    errors = error.problem_errors() if isinstance(error, ParamError) else None
    return problem_response(status=400, detail=str(error), errors=errors)


@router.get(
    "/",
    response={200: schemas.SearchResults, 400: schemas.Problem},
    summary="Search live news posts",
    # The id it had when the endpoint lived in search/api.py: generated clients keep theirs.
    operation_id="search_api_search",
)
def search(
    request: HttpRequest,
    paging: Query[SearchPaging],
    filters: Query[schemas.ListingFilters],
) -> HttpResponse:
    """Cards of live news posts matching ``q`` (words, "quoted phrases"), best first, each
    with ``highlight.title`` and ``highlight.excerpt`` (HTML, matches in ``<mark>``) and
    ``promoted``; same filters and limit/offset as the news listing."""
    try:
        parsed = parse_search_params(request.GET)
        results = service.search(parsed, request=request)
    except (ParamError, service.QueryError) as error:
        return _bad_request(error)
    return HttpResponse(json_bytes(results), content_type=JSON)


@router.get(
    "/suggest/",
    response={200: Suggestions, 400: schemas.Problem},
    summary="Suggest post titles as the reader types",
    operation_id="search_api_suggest",
)
def suggest(request: HttpRequest, params: Query[SuggestParams]):
    """Titles of live posts containing words that start with the typed words."""
    try:
        q, limit = parse_suggest_params(request.GET)
        return service.suggest(q, limit, request=request)
    except (ParamError, service.QueryError) as error:
        return _bad_request(error)
