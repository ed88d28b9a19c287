"""HTTP plumbing shared by Newsroom's public endpoints: strict parameters, ETag, 304, caching.

``public_response`` is the one path every public GET of Newsroom's routers takes:

1. unknown or repeated query parameters → 400 problem details (before any work);
2. the content generation is read (one query) and the ETag derived from it and the request;
   a matching ``If-None-Match`` answers 304 at that point;
3. the response cache (``news.api_cache``) is consulted under the same generation;
4. otherwise the view renders, and the bytes are cached for the next request.

``IsoDate`` is the type of date query parameters: YYYY-MM-DD only. Pydantic would also take
a number as a Unix time (``date_from=3.4e-82`` meant 1970-01-01), which the OpenAPI document
(``format: date``) does not allow.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja.errors import HttpError
from pydantic import BeforeValidator, WithJsonSchema
from wagtail.api.v3.errors import problem_response

from news import api_cache
from news.api_cache import CachedResponse

JSON = "application/json"
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_text(value: Any) -> Any:
    if not isinstance(value, dt.date) and not (
        isinstance(value, str) and ISO_DATE.fullmatch(value)
    ):
        raise ValueError("Give a date as YYYY-MM-DD.")
    return value


IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date_text),
    WithJsonSchema({"type": "string", "format": "date", "pattern": ISO_DATE.pattern}),
]


class ProblemError(Exception):
    """Raise in a public view to answer with problem details (and never cache the answer)."""

    def __init__(self, status: int, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def cache_control() -> str:
    max_age = int(getattr(settings, "NEWSROOM_API_MAX_AGE", 0))
    return f"public, max-age={max_age}, must-revalidate"


_django_default = DjangoJSONEncoder().default


def json_bytes(data: Any) -> bytes:
    """Compact UTF-8 JSON. orjson: encoding a long post's JSON is several times faster than
    the standard library; what it cannot encode itself (lazy strings, Decimal) goes through
    Django's encoder."""
    return orjson.dumps(data, default=_django_default, option=orjson.OPT_NON_STR_KEYS)


def json_result(data: Any, status: int = 200) -> CachedResponse:
    return CachedResponse(status=status, content_type=JSON, body=json_bytes(data))


def check_parameters(request: HttpRequest, allowed: Iterable[str]) -> None:
    """Unknown or repeated query parameters are mistakes the client should hear about."""
    allowed = set(allowed)
    errors = []
    for name, values in request.GET.lists():
        if name not in allowed:
            errors.append(
                {
                    "type": "unknown_parameter",
                    "loc": ["query", name],
                    "msg": f"Unknown parameter. Allowed: {', '.join(sorted(allowed)) or 'none'}.",
                }
            )
        elif len(values) > 1:
            errors.append(
                {"type": "repeated_parameter", "loc": ["query", name], "msg": "Give it once."}
            )
    if errors:
        raise ProblemError(400, "Invalid query parameters", errors)


def if_none_match(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 13.1.2): a W/ prefix does not matter for If-None-Match.
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates


def _finish(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = cache_control()
    return response


def _response_cache_on() -> bool:
    # Off only to measure or test renders behind the cache (sub-caches are still used).
    return bool(getattr(settings, "NEWSROOM_API_RESPONSE_CACHE", True))


def public_response(
    request: HttpRequest,
    render: Callable[[], CachedResponse],
    *,
    allowed: Iterable[str] = (),
) -> HttpResponse:
    """Answer a public GET: checked parameters, ETag/304, cached or freshly rendered bytes."""
    try:
        check_parameters(request, allowed)
    except ProblemError as error:
        return problem_response(status=error.status, detail=error.detail, errors=error.errors)

    generation = api_cache.current_generation(request)
    key = api_cache.request_key(request)
    etag = api_cache.etag_for(generation, key)
    if if_none_match(request, etag):
        return _finish(HttpResponse(status=304), etag)

    use_cache = _response_cache_on()
    cached = api_cache.get_cached(generation, key) if use_cache else None
    rendered = cached is None
    if cached is None:
        try:
            cached = render()
        except ProblemError as error:
            return problem_response(status=error.status, detail=error.detail, errors=error.errors)
        except HttpError as error:
            return problem_response(status=error.status_code, detail=str(error))
        if use_cache:
            api_cache.set_cached(generation, key, cached)

    response = HttpResponse(cached.body, status=cached.status, content_type=cached.content_type)
    for name, value in cached.headers:
        response[name] = value
    response["X-Cache"] = "miss" if rendered else "hit"
    return _finish(response, etag)


def is_anonymous(request: HttpRequest) -> bool:
    """No token and no session: the request can only see what every reader sees."""
    return "HTTP_AUTHORIZATION" not in request.META and (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def generation_cached(
    request: HttpRequest, get_response: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    """Wagtail's own public GETs with the same HTTP caching as Newsroom's: generation ETag and
    304, and successful JSON answers kept in the response cache under the generation (so no
    process can serve one after a change readers can see). Anonymous requests only."""
    generation = api_cache.current_generation(request)
    key = api_cache.request_key(request)
    etag = api_cache.etag_for(generation, key)
    if if_none_match(request, etag):
        return _finish(HttpResponse(status=304), etag)
    cached = api_cache.get_cached(generation, key)
    if cached is None:
        response = get_response(request)
        cacheable = (
            response.status_code == 200
            and not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith(JSON)
        )
        if not cacheable:
            return response
        cached = CachedResponse(
            status=200, content_type=response["Content-Type"], body=response.content
        )
        api_cache.set_cached(generation, key, cached)
        x_cache = "miss"
    else:
        x_cache = "hit"
    response = HttpResponse(cached.body, status=cached.status, content_type=cached.content_type)
    response["X-Cache"] = x_cache
    return _finish(response, etag)
