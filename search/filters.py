"""Query-string validation and the listing's filters, expressed on the search index.

The filters are the news listing's (``category``, ``tag``, ``organisation``, ``person``,
``year``, ``month``, ``date_from``, ``date_to``) with the same meaning: slugs for category,
tag, organisation and person (published organisations and people only), the post's display
date for the date filters. They become one SQL condition on the search document that the
search statement embeds, so filtering costs no extra query.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from news.models import NewsPage, NewsPageTag
from news.snippets import NewsCategory

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
    if raw is None:
        return default
    try:  # an empty value is a mistake too (the OpenAPI document says: an integer)
        value = int(raw)
    except ValueError:
        raise ParamError(f"Parameter '{name}' must be a whole number.") from None
    if not low <= value <= high:
        raise ParamError(f"Parameter '{name}' must be between {low} and {high}.")
    return value


def _date(params: QueryDict, name: str) -> dt.date | None:
    raw = _single(params, name)
    if raw is None:
        return None
    try:  # YYYY-MM-DD only, as documented (fromisoformat also takes 20240531, 2024-W22…)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            raise ValueError(raw)
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
    year = _int(params, "year", 0, 1000, 9998) if _single(params, "year") is not None else None
    month = _int(params, "month", 0, 1, 12) if _single(params, "month") is not None else None
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
        tagged = NewsPageTag.objects.filter(tag__slug=filters["tag"])
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
