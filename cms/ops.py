"""Operations: liveness/readiness probes, request ids with JSON-lines access logs, and a
clean 503 JSON answer when the database is unreachable (instead of a hang or a 500 page)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from wagtail.api.v3.errors import problem_response

access_log = logging.getLogger("newsroom.access")

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
# What a proxy's request id looks like (UUIDs, hex, base64url, dotted/colon-separated trace
# ids). Anything else — longer, other characters — is replaced, never echoed or logged.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_for(incoming: str) -> str:
    """The client's ``X-Request-ID`` when it is a plausible id, otherwise a new one."""
    return incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive (touches nothing else)."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers and the shared cache round-trips a value."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if ok else "down" for name, ok in checks.items()},
    }
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except DatabaseError:
        return False


def _cache_ok() -> bool:
    key, token = "newsroom:readyz", uuid.uuid4().hex
    try:
        cache.set(key, token, 10)
        # django-redis with IGNORE_EXCEPTIONS answers None when Redis is down.
        return cache.get(key) == token
    except Exception:  # noqa: BLE001 — any cache failure means "not ready"
        return False


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in self.RESERVED})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class RequestContextMiddleware:
    """Gives each request an id (a valid ``X-Request-ID``, or a new one), sends it back in the
    response, logs one access line with timing, and turns a lost database into a 503 JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.id = request_id_for(request.META.get(REQUEST_ID_HEADER, ""))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except (OperationalError, InterfaceError) as exc:
            response = database_error_answer(exc)
        response["X-Request-ID"] = request.id
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_error_answer(exception)
        return None

    @staticmethod
    def database_unavailable(exc: Exception) -> HttpResponse:
        logging.getLogger("newsroom").warning("database unavailable: %s", exc)
        response = problem_response(
            status=503, detail="The database is unreachable; try again shortly."
        )
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response


# SQLite's full-text engine refuses some search strings (a stray quote or full stop) with an
# OperationalError; that is the client's query, not a lost database.
SEARCH_SYNTAX_ERRORS = ("fts5: syntax error", "unterminated string")


def database_error_answer(exc: OperationalError | InterfaceError) -> HttpResponse:
    """The answer to a database error that reached the edge of a request: 400 for a search
    string the full-text engine cannot parse, else 503 (the database is unreachable)."""
    if isinstance(exc, OperationalError) and str(exc).startswith(SEARCH_SYNTAX_ERRORS):
        logging.getLogger("newsroom").info("search query refused by the database: %s", exc)
        response = problem_response(
            status=400,
            detail="The search query could not be understood; remove stray quotes and punctuation.",
        )
        response["Cache-Control"] = "no-store"
        return response
    return RequestContextMiddleware.database_unavailable(exc)
