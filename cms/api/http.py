"""HTTP plumbing shared by the public endpoints: strict parameters, ETag, 304, answer cache.

``public_response`` (Newsroom's routers) and ``generation_cached`` (Wagtail's page endpoints,
from the API middleware) both answer through ``cached_answer``:

1. unknown or repeated query parameters → 400 problem details (before any work);
2. the versions of the tags the cached answer was built from are read (one query; the tags
   of a request key are remembered per process, else read from the cached entry) and the
   ETag derived from them and the request: a matching ``If-None-Match`` answers 304 there;
3. the cached answer (``news.api_cache``) is served when every tag still has its version
   (``X-Cache: hit``), also when only the related-post candidates changed and the post's
   related list turns out the same (one query);
4. otherwise the view renders while its dependencies are recorded, and the bytes are stored
   with the versions of those tags (``X-Cache: miss``).

Answers that are never cached (previews, signed-in requests, search) say
``X-Cache: bypass`` (set by the middleware).

``IsoDate`` is the type of date query parameters: YYYY-MM-DD only. Pydantic would also take
a number as a Unix time (``date_from=3.4e-82`` meant 1970-01-01), which the OpenAPI document
(``format: date``) does not allow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from collections import OrderedDict
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
from news.read import near_cache, sites

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


def _bypass_cache(request: HttpRequest) -> bool:
    # NEWSROOM_API_RESPONSE_CACHE=false: every answer is rendered again (sub-caches are still
    # used), to measure or test renders behind the cache. Nothing a client sends can clear
    # or skip a cache.
    return not getattr(settings, "NEWSROOM_API_RESPONSE_CACHE", True)


# Tags every answer of an endpoint depends on beyond what its render records: the listings
# (which posts, people, organisations exist) and, for the menu, the page tree.
_LISTING = (api_cache.PAGES_TAG,)
_PEOPLE = ("persons", "organisations")
ENDPOINT_TAGS = (
    ("/api/v3/feeds/", _LISTING + _PEOPLE),
    ("/api/v3/persons/", _PEOPLE),
    ("/api/v3/organisations/", _PEOPLE),
    ("/api/v3/site/", _LISTING),
    ("/api/v3/pages/", _LISTING),
    ("/api/v2/pages/", _LISTING),
)
NEWS_LIST_PATH = "/api/v3/news/"


def endpoint_tags(path: str) -> tuple[str, ...]:
    if path == NEWS_LIST_PATH:
        return _LISTING
    for prefix, tags in ENDPOINT_TAGS:
        if path.startswith(prefix):
            return tags
    return ()


class _KnownTags:
    """Per process: request key → the tags of its cached answer, so that a request (a 304
    above all) reads the versions without reading the cached entry first. Only a shortcut:
    an ETag names its tags, so tags remembered wrongly can only cost a 200 instead of a 304."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self.tags: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def get(self, key: str) -> tuple[str, ...] | None:
        return self.tags.get(key)

    def set(self, key: str, tags: tuple[str, ...]) -> None:
        self.tags[key] = tags
        if len(self.tags) > self.size:
            self.tags.popitem(last=False)


known_tags = _KnownTags()


def _still_related(entry: CachedResponse) -> bool:
    from news.serializers import related_ids

    return all(
        related_ids(page_id, category_id) == list(ids)
        for page_id, category_id, ids in entry.related
    )


def _valid(request: HttpRequest, entry: CachedResponse | None, versions: dict) -> bool:
    """Whether the cached ``entry`` may be served; refreshes it when only the related-post
    candidates changed and its related lists are still the same."""
    if entry is None:
        return False
    missing = {tag for tag, _ in entry.versions} - set(versions)
    if missing:  # remembered tags differ from the entry's (rare): read the others
        versions.update(api_cache.read_versions(None, missing))
    stale = api_cache.stale_tags(entry, versions)
    if not stale:
        return True
    if stale != {api_cache.RELATED_TAG} or not entry.related or not _still_related(entry):
        return False
    refreshed = tuple((tag, versions[tag]) for tag, _ in entry.versions)
    refreshed_entry = dataclasses.replace(entry, versions=refreshed)
    api_cache.set_cached(api_cache.request_key(request), refreshed_entry)
    return True


def _not_modified(etag: str, x_cache: str) -> HttpResponse:
    response = HttpResponse(status=304)
    response["X-Cache"] = x_cache
    return _finish(response, etag)


def _respond(request: HttpRequest, entry: CachedResponse, etag: str, x_cache: str) -> HttpResponse:
    """The entry's bytes; a 304 when the client already holds them. A process that has not
    answered this request before finds the ETag only now, after reading or rendering the
    answer, and the client may have it from another process."""
    if entry.status == 200 and if_none_match(request, etag):
        return _not_modified(etag, x_cache)
    response = HttpResponse(entry.body, status=entry.status, content_type=entry.content_type)
    for name, value in entry.headers:
        response[name] = value
    response["X-Cache"] = x_cache
    return _finish(response, etag)


def _versions(request: HttpRequest, tags: tuple[str, ...]) -> dict[str, int]:
    """The versions of ``tags`` (one cache or database round trip), read once per request."""
    memo = getattr(request, "_newsroom_versions", None)
    if memo is not None and memo[0] == tags:
        return dict(memo[1])
    versions = api_cache.read_versions(request, tags)
    request._newsroom_versions = (tags, versions)
    return dict(versions)


def _versions_and_entry(
    request: HttpRequest, key: str, tags: tuple[str, ...]
) -> tuple[dict[str, int], CachedResponse | None]:
    """The versions of ``tags`` and the cached entry of ``key``, together: one cache round
    trip when the generation is kept in the shared cache (``news.shared_generation``)."""
    versions, entry = api_cache.read_versions_and_entry(request, tags, key)
    request._newsroom_versions = (tags, versions)
    return dict(versions), entry


def answer_from_cache(request: HttpRequest) -> HttpResponse | None:
    """A 304 or a hit for an anonymous GET whose key this process has answered from the
    cache before, without URL resolving, views or the rest of the middleware (the API
    middleware calls it first); None: take the ordinary path (which reuses the versions
    read here)."""
    key = api_cache.request_key(request)
    tags = known_tags.get(key)
    if not tags or _bypass_cache(request):
        return None
    revalidating = bool(request.META.get("HTTP_IF_NONE_MATCH"))
    if revalidating:
        # Most likely a 304: the versions alone (the entry only if the ETag differs).
        versions, entry = _versions(request, tags), None
    else:
        versions, entry = _versions_and_entry(request, key, tags)
    etag = api_cache.etag_for(key, [(tag, versions[tag]) for tag in tags])
    if if_none_match(request, etag):
        return _not_modified(etag, "hit")
    if revalidating:
        entry = api_cache.get_cached(key)
    if _valid(request, entry, versions):
        return _respond(request, entry, api_cache.etag_for(key, entry.versions), "hit")
    return None


def cached_answer(
    request: HttpRequest, render: Callable[[], CachedResponse | HttpResponse]
) -> HttpResponse:
    """Answer a public GET from the answer cache, or render it and remember it with the
    versions of everything it showed. ``render`` may return an ``HttpResponse``: it is
    passed on as it is, never cached."""
    key = api_cache.request_key(request)
    bypass = _bypass_cache(request)
    entry, looked_up = None, False
    tags = known_tags.get(key)
    if tags is None and not bypass:
        if api_cache.cache_is_shared():
            # The entry with the generation, in one round trip: most such keys are new.
            entry = _versions_and_entry(request, key, ())[1]
        else:
            entry = api_cache.get_cached(key)
        looked_up = True
        tags = tuple(tag for tag, _ in entry.versions) if entry is not None else ()
        if tags:
            # An answer another process stored: this one takes the fast path next time.
            known_tags.set(key, tags)
    versions = _versions(request, tags or ())
    if tags:
        etag = api_cache.etag_for(key, [(tag, versions[tag]) for tag in tags])
        if if_none_match(request, etag):
            return _not_modified(etag, "hit")
    if not bypass:
        if not looked_up:
            entry = api_cache.get_cached(key)
        if _valid(request, entry, versions):
            return _respond(request, entry, api_cache.etag_for(key, entry.versions), "hit")

    sites.attach(request)  # Wagtail's site and root paths, without a query
    # What the render caches (rows, related ids, cards, the answer) goes to a shared cache in
    # one round trip at the end.
    with near_cache.write_behind():
        with api_cache.recording() as deps:
            result = render()
        if isinstance(result, HttpResponse):
            return result
        deps.tags.update(endpoint_tags(request.path))
        stored = api_cache.store_versions(request, deps, versions)
        if stored is None:  # something changed while rendering: serve it, do not keep it
            return _respond(request, result, f'"n{secrets.token_hex(12)}"', "miss")
        known_tags.set(key, tuple(tag for tag, _ in stored))
        entry = dataclasses.replace(result, versions=stored, related=tuple(sorted(deps.related)))
        if not bypass:
            api_cache.set_cached(key, entry)
    return _respond(request, entry, api_cache.etag_for(key, stored), "miss")


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

    def checked_render() -> CachedResponse | HttpResponse:
        try:
            return render()
        except ProblemError as error:
            return problem_response(status=error.status, detail=error.detail, errors=error.errors)
        except HttpError as error:
            return problem_response(status=error.status_code, detail=str(error))

    return cached_answer(request, checked_render)


def is_anonymous(request: HttpRequest) -> bool:
    """No token and no session: the request can only see what every reader sees."""
    return "HTTP_AUTHORIZATION" not in request.META and (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def generation_cached(
    request: HttpRequest, get_response: Callable[[HttpRequest], HttpResponse]
) -> HttpResponse:
    """Wagtail's own public GETs with the same HTTP caching as Newsroom's (``cached_answer``):
    successful JSON answers are kept with the versions of what they show (the page tree, and
    every post, person, image… a NewsPage's fields resolved). Anonymous requests only."""

    def render() -> CachedResponse | HttpResponse:
        response = get_response(request)
        cacheable = (
            response.status_code == 200
            and not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith(JSON)
        )
        if not cacheable:
            return response
        return CachedResponse(
            status=200, content_type=response["Content-Type"], body=response.content
        )

    return cached_answer(request, render)
