"""The API's edge: CORS for the frontend origins, HEAD, and ETag/Cache-Control for every GET.

- CORS: only origins in ``NEWSROOM_CORS_ORIGINS`` get ``Access-Control-Allow-Origin``, and
  only for GET, HEAD and OPTIONS (preflight) under ``/api/``; no credentials. Every API
  response varies on ``Origin``.
- HEAD is answered as the GET without a body (Django Ninja only routes GET).
- Newsroom's own endpoints set a dependency-version ETag themselves (see ``cms.api.http``),
  and so do Wagtail's page endpoints for anonymous requests (``generation_cached``: the same
  answer cache, ETag and 304); any other successful GET under ``/api/`` (images, search) a
  content-hash ETag, ``Cache-Control`` and ``If-None-Match`` → 304 here. Every API answer
  says ``X-Cache: hit``, ``miss`` (answer cache) or ``bypass`` (not cached). Preview answers are
  never marked public. Error answers are ``no-store``, and always JSON problem details
  (an HTML 404 for an unmatched URL such as ``/api/v3/news/abc/`` becomes one).
- A query parameter (name or value) holding a NUL character is refused with a 400 before
  any view runs: PostgreSQL cannot compare text with NUL, so every filter, slug or search
  parameter would otherwise be a 500 there (SQLite merely finds nothing). The search text
  ``q`` of Newsroom's search is the exception: ``search.query`` drops control characters
  from it, so a pasted NUL is ignored there rather than refused.
- A JSON request body over ``NEWSROOM_API_MAX_JSON_BYTES`` (by its Content-Length) is a 413
  before it is read or parsed.
- Error answers are capped at ``NEWSROOM_API_ERROR_MAX_BYTES``: a request with thousands of
  unknown parameters gets the first few errors and a count, not one entry per parameter
  (2,000 of them made a 367 KB answer).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from wagtail.api.v3.errors import problem_response

from cms.api.http import (
    answer_from_cache,
    cache_control,
    generation_cached,
    if_none_match,
    is_anonymous,
)
from cms.ops import database_error_answer

API_PREFIX = "/api/"
CORS_METHODS = "GET, HEAD, OPTIONS"
CORS_REQUEST_HEADERS = {"accept", "accept-language", "content-type", "if-none-match"}
PREFLIGHT_MAX_AGE = "86400"
# Wagtail's own page endpoints: anonymous GETs get Newsroom's generation cache and ETag.
GENERATION_CACHED = ("/api/v3/pages/", "/api/v2/pages/")
# What XFrameOptionsMiddleware (further in) adds, for answers served before it (its default).
X_FRAME_OPTIONS = "DENY"


def _allowed_origin(request: HttpRequest) -> str | None:
    origin = request.headers.get("Origin")
    if origin and origin in set(getattr(settings, "NEWSROOM_CORS_ORIGINS", ())):
        return origin
    return None


def _is_private_path(path: str) -> bool:
    return "/preview/" in path


NUL_TOLERANT = {"/api/v3/search/": {"q"}, "/api/v3/search/suggest/": {"q"}}


def _refuse_nul(request: HttpRequest) -> HttpResponse | None:
    """A 400 problem naming the query parameters that contain NUL, or None."""
    tolerant = NUL_TOLERANT.get(request.path, set())
    errors = [
        {"type": "nul_character", "loc": ["query", name], "msg": "NUL characters are not allowed."}
        for name, values in request.GET.lists()
        if "\x00" in name or (name not in tolerant and any("\x00" in value for value in values))
    ]
    if not errors:
        return None
    return problem_response(status=400, detail="Invalid query parameters", errors=errors)


def _refuse_large_body(request: HttpRequest) -> HttpResponse | None:
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    if not request.content_type or not request.content_type.endswith("json"):
        return None  # uploads (multipart) have their own limits
    limit = int(getattr(settings, "NEWSROOM_API_MAX_JSON_BYTES", 1024 * 1024))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= limit:
        return None
    return problem_response(
        status=413,
        detail=f"The request body is {length} bytes; at most {limit} are accepted.",
        errors=[{"type": "too_large", "loc": ["body"], "msg": f"At most {limit} bytes."}],
    )


def _as_problem_json(response: HttpResponse) -> HttpResponse:
    """An error that Django answered in HTML (no URL matched, method not allowed…) as JSON."""
    if response.status_code < 400 or getattr(response, "streaming", False):
        return response
    if "json" in response.get("Content-Type", ""):
        return response
    problem = problem_response(status=response.status_code)
    for header in ("Allow", "Cache-Control"):
        if response.has_header(header):
            problem[header] = response[header]
    return problem


MAX_ERRORS_SHOWN = 20
MAX_TEXT = 200


def _short(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value


def _capped(response: HttpResponse) -> HttpResponse:
    """An error answer over the size limit, shortened: the first errors, each text cut."""
    limit = int(getattr(settings, "NEWSROOM_API_ERROR_MAX_BYTES", 8192))
    if response.status_code < 400 or getattr(response, "streaming", False):
        return response
    if len(response.content) <= limit:
        return response
    try:
        problem = json.loads(response.content)
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        problem = {"status": response.status_code}
    errors = problem.get("errors") if isinstance(problem.get("errors"), list) else []
    shown = [
        {
            key: [_short(part) for part in value] if isinstance(value, list) else _short(value)
            for key, value in error.items()
        }
        for error in errors[:MAX_ERRORS_SHOWN]
        if isinstance(error, dict)
    ]
    detail = _short(str(problem.get("detail") or ""))
    if len(errors) > len(shown):
        detail = f"{detail} (the first {len(shown)} of {len(errors)} errors)".strip()
    capped = problem_response(status=response.status_code, detail=detail, errors=shown or None)
    for header in ("Allow", "Cache-Control", "Retry-After"):
        if response.has_header(header):
            capped[header] = response[header]
    if len(capped.content) > limit:  # still too big (a huge error key?): no list at all
        capped = problem_response(status=response.status_code, detail=detail[:MAX_TEXT])
    return capped


class ApiEdgeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            return self._answer(request)
        except (OperationalError, InterfaceError) as exc:
            # Cached answers read their versions here, before any view: a lost database is
            # the same 503 as in a view (Django would turn it into a 500 at this layer).
            return database_error_answer(exc)

    def _answer(self, request: HttpRequest) -> HttpResponse:
        origin = _allowed_origin(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return self._preflight(request, origin)

        is_head = request.method == "HEAD"
        if is_head:
            request.method = "GET"
        refused = _refuse_nul(request) or _refuse_large_body(request)
        cached = None
        if refused is None and request.method == "GET" and is_anonymous(request):
            # Cached answers skip URL resolving, the view and the inner middleware.
            cached = answer_from_cache(request)
        if refused is not None:
            response = refused
        elif cached is not None:
            response = cached
            response.setdefault(
                "X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", X_FRAME_OPTIONS)
            )
        elif request.path.startswith(GENERATION_CACHED) and is_anonymous(request):
            response = generation_cached(request, self.get_response)
        else:
            response = self.get_response(request)
        if is_head:
            request.method = "HEAD"
        response = _capped(_as_problem_json(response))

        if request.method in ("GET", "HEAD"):
            response = self._http_caching(request, response)
            if not response.has_header("X-Cache"):
                # Not from the answer cache: previews, signed-in requests, search, errors.
                response["X-Cache"] = "bypass"
            if origin is not None:
                response["Access-Control-Allow-Origin"] = origin
                response["Access-Control-Expose-Headers"] = "ETag, Content-Type"
        patch_vary_headers(response, ("Origin",))
        if is_head and not getattr(response, "streaming", False):
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response

    @staticmethod
    def _preflight(request: HttpRequest, origin: str | None) -> HttpResponse:
        response = HttpResponse(status=204)
        method = request.headers.get("Access-Control-Request-Method", "").upper()
        asked = {
            h.strip().lower()
            for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
            if h.strip()
        }
        if origin is not None and method in {"GET", "HEAD"} and asked <= CORS_REQUEST_HEADERS:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = CORS_METHODS
            if asked:
                response["Access-Control-Allow-Headers"] = ", ".join(sorted(asked))
            response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        patch_vary_headers(response, ("Origin",))
        return response

    @staticmethod
    def _http_caching(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _is_private_path(request.path):
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = "private, no-store"
            return response
        if response.status_code >= 400:
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = "no-store"
            return response
        if response.status_code != 200 or response.has_header("ETag"):
            return response
        if getattr(response, "streaming", False):
            return response
        etag = '"h' + hashlib.blake2b(response.content, digest_size=12).hexdigest() + '"'
        authenticated = "HTTP_AUTHORIZATION" in request.META
        if not response.has_header("Cache-Control"):
            # A bearer token may see drafts (v3 ?version=draft): never in a shared cache.
            response["Cache-Control"] = "private, no-cache" if authenticated else cache_control()
        if if_none_match(request, etag):
            not_modified = HttpResponse(status=304)
            for header in ("Cache-Control", "Vary"):
                if response.has_header(header):
                    not_modified[header] = response[header]
            response = not_modified
        response["ETag"] = etag
        return response
