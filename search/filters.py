"""The listing filters, declared once, and their condition on the search index.

The news listing (``/api/v3/news/``) and the search (``/api/v3/search/``) take the same
filters (``tag``, ``category``, ``organisation``, ``person``, ``year``, ``month``,
``date_from``, ``date_to``) with the same meaning: slugs (a tag also by its name) for tag,
category, organisation and person (published organisations and people only), the post's
display date for the date filters. ``LISTING_FILTERS`` declares each one once: its name, type,
limits and description. From it come the query-string check both endpoints run
(``parse_filters``: a bad value is a ``ParamError``, answered 400), the OpenAPI description of
each parameter (``FilterParam.json_schema``, used by ``cms.api.schemas.ListingFilters``) and,
for search, one SQL condition on the search document that the search statement embeds, so
filtering costs no extra query.

Parameters are checked here by hand rather than by Pydantic, so that every bad value answers
400 in v3's problem+json shape instead of Ninja's 422.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from news.models import NewsPage, NewsPageTag
from news.snippets import NewsCategory

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ParamError(ValueError):
    """A bad query string; the message tells the client what to fix, ``name`` says where."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name

    def problem_errors(self) -> list[dict[str, Any]]:
        """The ``errors`` member of the 400 problem details that answer this mistake."""
        return [{"type": "invalid_parameter", "loc": ["query", self.name], "msg": str(self)}]


def _whole_number(name: str, raw: str, low: int, high: int) -> int:
    try:  # an empty value is a mistake too (the OpenAPI document says: an integer)
        value = int(raw)
    except ValueError:
        raise ParamError(name, f"Parameter '{name}' must be a whole number.") from None
    if not low <= value <= high:
        raise ParamError(name, f"Parameter '{name}' must be between {low} and {high}.")
    return value


@dataclass(frozen=True)
class FilterParam:
    """One listing filter as a query parameter: its type, limits and documentation."""

    name: str
    kind: Literal["text", "integer", "date"]
    description: str
    max_length: int = 0
    minimum: int = 0
    maximum: int = 0

    def json_schema(self) -> dict[str, Any]:
        """The parameter's schema in the OpenAPI document (what ``parse`` accepts)."""
        if self.kind == "text":
            schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        elif self.kind == "integer":
            schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        else:
            schema = {"type": "string", "format": "date", "pattern": f"^{ISO_DATE.pattern}$"}
        return {**schema, "description": self.description}

    def parse(self, raw: str) -> Any:
        """The value of ``raw`` (None for an empty text filter: no filter); ``ParamError``
        when the document does not allow it."""
        if self.kind == "text":
            if len(raw) > self.max_length:
                raise ParamError(
                    self.name, f"Parameter '{self.name}' is at most {self.max_length} characters."
                )
            return raw or None
        if self.kind == "integer":
            return _whole_number(self.name, raw, self.minimum, self.maximum)
        try:  # YYYY-MM-DD only, as documented (fromisoformat also takes 20240531, 2024-W22…)
            if not ISO_DATE.fullmatch(raw):
                raise ValueError(raw)
            return dt.date.fromisoformat(raw)
        except ValueError:
            message = f"Parameter '{self.name}' must be a date like 2024-05-31."
            raise ParamError(self.name, message) from None


LISTING_FILTERS = (
    FilterParam("tag", "text", "Tag slug or name.", max_length=100),
    FilterParam("category", "text", "Category slug.", max_length=80),
    FilterParam("organisation", "text", "Organisation slug.", max_length=100),
    FilterParam("person", "text", "Person slug.", max_length=100),
    FilterParam("year", "integer", "Year of the post's date.", minimum=1900, maximum=2200),
    FilterParam("month", "integer", "Month of the post's date; needs year.", minimum=1, maximum=12),
    FilterParam("date_from", "date", "Inclusive, YYYY-MM-DD."),
    FilterParam("date_to", "date", "Inclusive, YYYY-MM-DD."),
)
FILTERS_BY_NAME = {spec.name: spec for spec in LISTING_FILTERS}

FILTER_PARAMS = tuple(spec.name for spec in LISTING_FILTERS)
SEARCH_PARAMS = frozenset({"q", "limit", "offset", *FILTER_PARAMS})
SUGGEST_PARAMS = frozenset({"q", "limit"})
DEFAULT_LIMIT = 20
SUGGEST_DEFAULT_LIMIT = 8
SUGGEST_MAX_LIMIT = 20
MAX_OFFSET = 10_000


@dataclass
class SearchParams:
    q: str
    limit: int
    offset: int
    filters: dict[str, Any] = field(default_factory=dict)


def _single(params: QueryDict, name: str) -> str | None:
    values = params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ParamError(name, f"Parameter '{name}' was given more than once.")
    return values[0]


def _check_known(params: QueryDict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(params.keys()) - allowed)
    if unknown:
        raise ParamError(
            unknown[0],
            f"Unknown parameter(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.",
        )


def _int(params: QueryDict, name: str, default: int, low: int, high: int) -> int:
    raw = _single(params, name)
    if raw is None:
        return default
    return _whole_number(name, raw, low, high)


def parse_filters(params: QueryDict) -> dict[str, Any]:
    """The listing filters given in ``params``, checked (``ParamError`` for a bad one), as
    ``{name: value}`` with only the filters that were given (an empty slug is no filter)."""
    filters: dict[str, Any] = {}
    for spec in LISTING_FILTERS:
        raw = _single(params, spec.name)
        if raw is not None and (value := spec.parse(raw)) is not None:
            filters[spec.name] = value
    if "month" in filters and "year" not in filters:
        raise ParamError("month", "Parameter 'month' needs 'year' too.")
    if filters.get("date_from", dt.date.min) > filters.get("date_to", dt.date.max):
        raise ParamError("date_from", "Parameter 'date_from' must not be after 'date_to'.")
    return filters


def max_limit() -> int:
    return int(getattr(settings, "WAGTAILAPI_LIMIT_MAX", None) or 100)


def parse_search_params(params: QueryDict) -> SearchParams:
    """Validate a /search/ query string (``q`` itself is checked by ``search.query``)."""
    _check_known(params, SEARCH_PARAMS)
    return SearchParams(
        q=_single(params, "q") or "",
        limit=_int(params, "limit", DEFAULT_LIMIT, 1, max_limit()),
        offset=_int(params, "offset", 0, 0, MAX_OFFSET),
        filters=parse_filters(params),
    )


def parse_suggest_params(params: QueryDict) -> tuple[str, int]:
    _check_known(params, SUGGEST_PARAMS)
    return (
        _single(params, "q") or "",
        _int(params, "limit", SUGGEST_DEFAULT_LIMIT, 1, SUGGEST_MAX_LIMIT),
    )


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _date_range(filters: dict[str, Any]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The display-date bounds [start, end) the year/month/date filters allow."""
    start = end = None
    if "year" in filters:
        year = filters["year"]
        if "month" in filters:
            first = dt.date(year, filters["month"], 1)
            last = dt.date(year + (first.month == 12), first.month % 12 + 1, 1)
        else:
            first, last = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        start, end = _midnight(first), _midnight(last)
    if "date_from" in filters:
        bound = _midnight(filters["date_from"])
        start = bound if start is None else max(start, bound)
    if "date_to" in filters and filters["date_to"] < dt.date.max:
        bound = _midnight(filters["date_to"] + dt.timedelta(days=1))
        end = bound if end is None else min(end, bound)
    return start, end


def filter_condition(filters: dict[str, Any], alias: str = "d") -> tuple[str, list] | None:
    """``(sql, params)``: one condition on the search document ``alias`` that holds when the
    filters allow it, or None when there are no filters.

    Category and dates are tested on the document row itself; tag, organisation and person
    look the page up in their (small) relation table. None of them reads the document table
    a second time: a subquery on it cost a scan of every matching document per search.
    """
    if not filters:
        return None
    parts: list[str] = []
    params: list[Any] = []

    def among(column: str, queryset: QuerySet) -> None:
        sql, sql_params = queryset.query.sql_with_params()
        # "IS TRUE" keeps PostgreSQL from turning the test into a join, which it plans as one
        # index probe per match (it cannot estimate the matches); as a condition it hashes
        # the subquery's ids once. SQLite builds an ephemeral index either way.
        parts.append(f"({alias}.{column} IN ({sql})) IS TRUE")
        params.extend(sql_params)

    if "category" in filters:
        among("category_id", NewsCategory.objects.filter(slug=filters["category"]).values("pk"))
    if "tag" in filters:
        tag = filters["tag"]
        tagged = NewsPageTag.objects.filter(Q(tag__slug=tag) | Q(tag__name__iexact=tag))
        among("page_id", tagged.values("content_object_id"))
    if "organisation" in filters:
        through = NewsPage.organisations.through.objects.filter(
            organisation__slug=filters["organisation"], organisation__live=True
        )
        among("page_id", through.values("newspage_id"))
    if "person" in filters:
        through = NewsPage.people.through.objects.filter(
            person__slug=filters["person"], person__live=True
        )
        among("page_id", through.values("newspage_id"))
    start, end = _date_range(filters)
    for operator, bound in ((">=", start), ("<", end)):
        if bound is not None:
            parts.append(f"{alias}.date {operator} %s")
            params.append(connection.ops.adapt_datetimefield_value(bound))
    return " AND ".join(parts), params
