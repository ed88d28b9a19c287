"""The news search endpoints: /api/v3/search/ (ranked, filtered, highlighted cards) and
/api/v3/search/suggest/ (titles for search-as-you-type).

Parameters are validated here by hand rather than typed in the signature, so that every bad
query string — unknown parameter, bad number or date, empty or over-long ``q`` — answers 400
in v3's problem+json shape (via ``HttpError``) instead of Ninja's 422. They are still declared,
as optional strings, so that the OpenAPI document lists them.

Search results are sent as the bytes the news endpoints send (``json_bytes``), not through
Ninja's re-validation of every card; their schema (``SearchResults``: news cards with
``promoted`` and ``highlight``) is documented, and checked against real responses by the
tests. The 400 answers are documented as problem details.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import WithJsonSchema

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


_DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


class SearchFilters(Schema):
    # Required in the document (cms.api.openapi.REQUIRED_QUERY); checked by hand here.
    q: _documented({"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH}) = None
    limit: _documented({"type": "integer", "minimum": 1, "maximum": 100, "default": 20}) = None
    offset: _documented({"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}) = None
    category: str | None = None
    tag: str | None = None
    organisation: str | None = None
    person: str | None = None
    year: _documented({"type": "integer", "minimum": 1000, "maximum": 9998}) = None
    month: _documented({"type": "integer", "minimum": 1, "maximum": 12}) = None
    date_from: _documented(_DATE) = None
    date_to: _documented(_DATE) = None


class SuggestParams(Schema):
    q: _documented({"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH}) = None
    limit: _documented({"type": "integer", "minimum": 1, "maximum": SUGGEST_MAX_LIMIT}) = None


class Suggestion(Schema):
    id: int
    title: str
    path: str


class Suggestions(Schema):
    items: list[Suggestion]


@router.get(
    "/",
    response={200: schemas.SearchResults, 400: schemas.Problem},
    summary="Search live news posts",
)
def search(request: HttpRequest, params: Query[SearchFilters]) -> HttpResponse:
    """Cards of live news posts matching ``q`` (words, "quoted phrases"), best first, each
    with ``highlight.title`` and ``highlight.excerpt`` (HTML, matches in ``<mark>``) and
    ``promoted``; same filters and limit/offset as the news listing."""
    try:
        parsed = parse_search_params(request.GET)
        results = service.search(parsed, request=request)
    except (ParamError, service.QueryError) as error:
        raise HttpError(400, str(error)) from None
    return HttpResponse(json_bytes(results), content_type=JSON)


@router.get(
    "/suggest/",
    response={200: Suggestions, 400: schemas.Problem},
    summary="Suggest post titles as the reader types",
)
def suggest(request: HttpRequest, params: Query[SuggestParams]):
    """Titles of live posts containing words that start with the typed words."""
    try:
        q, limit = parse_suggest_params(request.GET)
        return service.suggest(q, limit, request=request)
    except (ParamError, service.QueryError) as error:
        raise HttpError(400, str(error)) from None
