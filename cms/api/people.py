"""Published organisations and people: list and detail (drafts never appear).

The JSON is ``news.read.people``'s ``organisation_data`` / ``person_data`` — the same shape
as inside quote, bio and boilerplate blocks — with everything (logos, headshots, links in
rich text) loaded in bulk by one ``Resolver``: a constant number of queries per request. The
queries and what they preload are ``news.read.selectors``'.
"""

# Django Ninja declares parameters as Query(...)/Path(...) defaults, by design.
# ruff: noqa: B008

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router

from cms.api import schemas
from cms.api.http import ProblemError, json_result, public_response
from news.read.people import organisation_data, person_data
from news.read.resolver import Resolver, resolving
from news.read.richtext import rich_text_html
from news.read.selectors import by_key, published_organisations, published_people

ERRORS = {400: schemas.Problem, 404: schemas.Problem, 422: schemas.Problem}
LIMIT_MAX = 100
MAX_OFFSET = 1_000_000
KEY_PATTERN = r"^[-\w]{1,100}$"

organisations_router = Router(tags=["organisations"])
persons_router = Router(tags=["persons"])


def _organisations_json(organisations, request) -> list[dict]:
    resolver = Resolver(request=request)
    for organisation in organisations:
        resolver.want_image(organisation.logo_id)
        resolver.collect_rich_text(organisation.boilerplate)
        resolver.collect_rich_text(organisation.legal_notice)
    resolver.load()
    with resolving(resolver):
        return [
            {
                **organisation_data(organisation),
                "about_heading": organisation.about_heading,
                "boilerplate_html": rich_text_html(organisation.boilerplate),
                "legal_notice_html": rich_text_html(organisation.legal_notice),
            }
            for organisation in organisations
        ]


def _people_json(people, request) -> list[dict]:
    resolver = Resolver(request=request)
    for person in people:
        resolver.want_person_images(person)
        resolver.collect_rich_text(person.bio)
    resolver.load()
    with resolving(resolver):
        return [person_data(person) for person in people]


def _list_answer(request: HttpRequest, queryset, limit: int, offset: int, to_json) -> HttpResponse:
    """A page of ``queryset`` as ``{count, limit, offset, items}``, through the HTTP cache."""

    def render():
        count = queryset.count()
        items = list(queryset[offset : offset + limit]) if count else []
        data = {"count": count, "limit": limit, "offset": offset, "items": to_json(items, request)}
        return json_result(data)

    return public_response(request, render, allowed=("limit", "offset"))


def _detail_answer(request: HttpRequest, queryset, key: str, noun: str, to_json) -> HttpResponse:
    """The object of ``queryset`` with id or slug ``key``, or a 404, through the HTTP cache."""

    def render():
        found = by_key(queryset, key).first()
        if found is None:
            raise ProblemError(404, f"No published {noun} {key!r}.")
        return json_result(to_json([found], request)[0])

    return public_response(request, render)


@organisations_router.get(
    "/",
    response={200: schemas.OrganisationList, **ERRORS},
    summary="Published organisations",
    operation_id="organisations_list",
)
def organisations_list(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=LIMIT_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> HttpResponse:
    return _list_answer(request, published_organisations(), limit, offset, _organisations_json)


@organisations_router.get(
    "/{key}/",
    response={200: schemas.Organisation, **ERRORS},
    summary="A published organisation, by id or slug",
    operation_id="organisations_detail",
)
def organisations_detail(
    request: HttpRequest, key: str = Path(..., pattern=KEY_PATTERN)
) -> HttpResponse:
    return _detail_answer(
        request, published_organisations(), key, "organisation", _organisations_json
    )


@persons_router.get(
    "/",
    response={200: schemas.PersonList, **ERRORS},
    summary="Published people",
    operation_id="persons_list",
)
def persons_list(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=LIMIT_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> HttpResponse:
    return _list_answer(request, published_people(), limit, offset, _people_json)


@persons_router.get(
    "/{key}/",
    response={200: schemas.Person, **ERRORS},
    summary="A published person, by id or slug",
    operation_id="persons_detail",
)
def persons_detail(request: HttpRequest, key: str = Path(..., pattern=KEY_PATTERN)) -> HttpResponse:
    return _detail_answer(request, published_people(), key, "person", _people_json)
