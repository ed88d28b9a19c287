"""Query-string validation and the listing's filters, expressed on the search index.

The filters are the news listing's (``category``, ``tag``, ``organisation``, ``person``,
``year``, ``month``, ``date_from``, ``date_to``) with the same meaning: slugs for category,
tag, organisation and person (published organisations and people only), the post's display
date for the date filters. They become one SQL subquery on ``SearchDocument`` that the
search statement embeds, so filtering costs no extra query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from search.models import SearchDocument

FILTER_PARAMS = (
    "category",
    "tag",
    "organisation",
    "person",
    "year",
    "month",
    "date_from",
    "date_to",
)
SEARCH_PARAMS = frozenset({"q", "limit", "offset", *FILTER_PARAMS})
SUGGEST_PARAMS = frozenset({"q", "limit"})
DEFAULT_LIMIT = 20
SUGGEST_DEFAULT_LIMIT = 8
SUGGEST_MAX_LIMIT = 20
MAX_OFFSET = 10_000


class ParamError(ValueError):
    """A bad query string; the message tells the client what to fix."""


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
        raise ParamError(f"Parameter '{name}' was given more than once.")
    return values[0]


def _check_known(params: QueryDict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(params.keys()) - allowed)
    if unknown:
        raise ParamError(
            f"Unknown parameter(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}."
        )


def _int(params: QueryDict, name: str, default: int, low: int, high: int) -> int:
    raw = _single(params, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(f"Parameter '{name}' must be a whole number.") from None
    if not low <= value <= high:
        raise ParamError(f"Parameter '{name}' must be between {low} and {high}.")
    return value


def _date(params: QueryDict, name: str) -> dt.date | None:
    raw = _single(params, name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ParamError(f"Parameter '{name}' must be a date like 2024-05-31.") from None


def _slug(params: QueryDict, name: str) -> str | None:
    raw = _single(params, name)
    if raw is None or raw == "":
        return None
    if len(raw) > 255:
        raise ParamError(f"Parameter '{name}' is too long.")
    return raw


def max_limit() -> int:
    return int(getattr(settings, "WAGTAILAPI_LIMIT_MAX", None) or 100)


def parse_search_params(params: QueryDict) -> SearchParams:
    """Validate a /search/ query string (``q`` itself is checked by ``search.query``)."""
    _check_known(params, SEARCH_PARAMS)
    filters: dict[str, Any] = {}
    for name in ("category", "tag", "organisation", "person"):
        if (value := _slug(params, name)) is not None:
            filters[name] = value
    year = _int(params, "year", 0, 1000, 9998) if _single(params, "year") else None
    month = _int(params, "month", 0, 1, 12) if _single(params, "month") else None
    if month is not None and year is None:
        raise ParamError("Parameter 'month' needs 'year' too.")
    if year is not None:
        filters["year"] = year
    if month is not None:
        filters["month"] = month
    date_from, date_to = _date(params, "date_from"), _date(params, "date_to")
    if date_from and date_to and date_from > date_to:
        raise ParamError("Parameter 'date_from' must not be after 'date_to'.")
    if date_from:
        filters["date_from"] = date_from
    if date_to:
        filters["date_to"] = date_to
    return SearchParams(
        q=_single(params, "q") or "",
        limit=_int(params, "limit", DEFAULT_LIMIT, 1, max_limit()),
        offset=_int(params, "offset", 0, 0, MAX_OFFSET),
        filters=filters,
    )


def parse_suggest_params(params: QueryDict) -> tuple[str, int]:
    _check_known(params, SUGGEST_PARAMS)
    return (
        _single(params, "q") or "",
        _int(params, "limit", SUGGEST_DEFAULT_LIMIT, 1, SUGGEST_MAX_LIMIT),
    )


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered_documents(filters: dict[str, Any]) -> QuerySet[SearchDocument] | None:
    """The documents the filters allow, or None when there are no filters."""
    if not filters:
        return None
    qs = SearchDocument.objects.all()
    if "category" in filters:
        qs = qs.filter(category__slug=filters["category"])
    if "tag" in filters:
        qs = qs.filter(page__tagged__tag__slug=filters["tag"])
    if "organisation" in filters:
        qs = qs.filter(
            page__organisations__slug=filters["organisation"], page__organisations__live=True
        )
    if "person" in filters:
        qs = qs.filter(page__people__slug=filters["person"], page__people__live=True)
    if "year" in filters:
        year = filters["year"]
        if "month" in filters:
            start = dt.date(year, filters["month"], 1)
            end = dt.date(year + (start.month == 12), start.month % 12 + 1, 1)
        else:
            start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
        qs = qs.filter(date__gte=_midnight(start), date__lt=_midnight(end))
    if "date_from" in filters:
        qs = qs.filter(date__gte=_midnight(filters["date_from"]))
    if "date_to" in filters and filters["date_to"] < dt.date.max:
        qs = qs.filter(date__lt=_midnight(filters["date_to"] + dt.timedelta(days=1)))
    return qs


def filter_subquery(filters: dict[str, Any]) -> tuple[str, list] | None:
    """``(sql, params)`` selecting the page ids the filters allow, to embed with ``IN (…)``."""
    qs = filtered_documents(filters)
    if qs is None:
        return None
    sql, params = qs.values("page_id").query.sql_with_params()
    return sql, list(params)
