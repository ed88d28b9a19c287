"""The API's content generation and response cache, correct across any number of processes.

Every cached API response and every ETag is keyed by a *content generation*: one integer in
a one-row table, bumped (inside the writer's transaction) whenever anything readers can see
changes — a page published, unpublished, moved or deleted, a snippet published or deleted,
an image, document, redirect, site or view restriction changed. Each API request reads the
generation once (one query); a response cached under an older generation is never served
again, so even a per-process local-memory cache cannot hand out stale content after another
process published something.

Page expiry is time-based (no signal fires when ``expire_at`` passes), so the row also keeps
the earliest future ``expire_at`` among live pages: the first request after that moment bumps
the generation itself.

``invalidate(reason)`` is the one entry point for writers; ``on_change`` subscribes it to the
change-event bus (``news.events``) from ``NewsConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

GENERATION_ROW_ID = 1


class ContentGeneration(models.Model):
    """One row: the number every API cache key and ETag includes."""

    value = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    # The next moment a live page expires: the generation must change then, without a signal.
    next_expiry = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "news"
        verbose_name = "API content generation"

    def __str__(self) -> str:
        return f"generation {self.value} ({self.reason})"


# --- Reading and bumping the generation -------------------------------------------------------


def _token(value: int, changed_at) -> str:
    # The moment of the bump is part of the token: if the database goes back (a restored
    # dump, a rolled-back test transaction), the same number with another moment does not
    # match responses cached for the other timeline.
    return f"{value}.{int(changed_at.timestamp() * 1_000_000):x}"


def _read_row() -> tuple[int, Any, Any] | None:
    """(value, changed_at, next_expiry) in one plain SQL statement.

    Raw SQL on purpose: this runs on every API request (even a 304), and building the
    equivalent ORM query costs more than executing it.
    """
    table = connection.ops.quote_name(ContentGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value, changed_at, next_expiry FROM {table} WHERE id = %s",
            [GENERATION_ROW_ID],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    value, changed_at, next_expiry = row
    return int(value), _as_datetime(changed_at), _as_datetime(next_expiry)


def _as_datetime(value):
    # SQLite hands back text; PostgreSQL a datetime. Both are stored in UTC.
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(str(value))
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def current_generation(request: Any = None) -> str:
    """The content generation token; read once per request (memoised on ``request``)."""
    if request is not None:
        cached = getattr(request, "_newsroom_generation", None)
        if cached is not None:
            return cached
    row = _read_row()
    if row is None:
        value = invalidate("generation row created")
    else:
        number, changed_at, next_expiry = row
        value = _token(number, changed_at)
        if next_expiry is not None and next_expiry <= timezone.now():
            value = invalidate("a live page expired")
    if request is not None:
        request._newsroom_generation = value
    return value


def _next_expiry():
    from wagtail.models import Page

    return (
        Page.objects.filter(live=True, expire_at__gt=timezone.now())
        .order_by("expire_at")
        .values_list("expire_at", flat=True)
        .first()
    )


def invalidate(reason: str) -> str:
    """Bump the content generation: every cached API response and ETag becomes obsolete.

    Runs inside the caller's transaction when there is one, so readers see the new number
    exactly when they can see the new content. Returns the new generation token.
    """
    next_expiry = _next_expiry()
    reason = (reason or "")[:200]
    with transaction.atomic():
        updated = ContentGeneration.objects.filter(pk=GENERATION_ROW_ID).update(
            value=F("value") + 1,
            changed_at=timezone.now(),
            reason=reason,
            next_expiry=next_expiry,
        )
        if not updated:
            try:
                with transaction.atomic():
                    ContentGeneration.objects.create(
                        pk=GENERATION_ROW_ID, value=1, reason=reason, next_expiry=next_expiry
                    )
            except IntegrityError:  # another process created it first
                ContentGeneration.objects.filter(pk=GENERATION_ROW_ID).update(
                    value=F("value") + 1,
                    changed_at=timezone.now(),
                    reason=reason,
                    next_expiry=next_expiry,
                )
        number, changed_at, _ = _read_row()
    value = _token(number, changed_at)
    logger.debug("API content generation %s (%s)", value, reason)
    return value


# --- The response cache -----------------------------------------------------------------------


@dataclass(frozen=True)
class CachedResponse:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def response_cache():
    return caches[getattr(settings, "NEWSROOM_API_CACHE_ALIAS", "default")]


def request_key(request: Any) -> str:
    """What identifies a public GET: host, path and the sorted query parameters."""
    params = sorted((k, v) for k, values in request.GET.lists() for v in values)
    query = "&".join(f"{k}={v}" for k, v in params)
    return f"{request.get_host()}{request.path}?{query}"


def etag_for(generation: str, key: str) -> str:
    """A strong ETag: the response is a pure function of (generation, request key)."""
    digest = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return f'"g{generation}-{digest}"'


def _cache_key(generation: str, key: str) -> str:
    digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    return f"newsroom:api:{generation}:{digest}"


def get_cached(generation: str, key: str) -> CachedResponse | None:
    try:
        return response_cache().get(_cache_key(generation, key))
    except Exception:  # a cache outage degrades to rendering, never to an error
        logger.warning("API response cache read failed", exc_info=True)
        return None


def set_cached(generation: str, key: str, response: CachedResponse) -> None:
    timeout = getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600)
    try:
        response_cache().set(_cache_key(generation, key), response, timeout)
    except Exception:
        logger.warning("API response cache write failed", exc_info=True)


# --- The row cache ---------------------------------------------------------------------------
#
# Model rows that public renders read (the page itself, people, organisations, images, linked
# pages and documents), cached under the content generation like everything above: a row is
# only ever served for the generation it was read in, so no process can see one that another
# process has changed since. The rows are the reader-visible ones (live, public, unexpired),
# never drafts; a row that was not visible is remembered as absent, for the same generation.

ROW_CACHE_VERSION = 1
_ABSENT = "absent"


def _row_key(generation: str, label: str, pk: int) -> str:
    return f"newsroom:row:{ROW_CACHE_VERSION}:{generation}:{label}:{pk}"


def get_rows(generation: str, label: str, ids: Iterable[int]) -> tuple[dict[int, Any], set[int]]:
    """Cached rows of ``ids`` under ``generation``: ({pk: instance}, {pks known absent})."""
    keys = {_row_key(generation, label, pk): pk for pk in ids}
    if not keys:
        return {}, set()
    try:
        found = response_cache().get_many(list(keys))
    except Exception:  # a cache outage degrades to reading the database
        logger.warning("row cache read failed", exc_info=True)
        return {}, set()
    rows, absent = {}, set()
    for key, value in found.items():
        if value == _ABSENT:
            absent.add(keys[key])
        else:
            rows[keys[key]] = value
    return rows, absent


def set_rows(generation: str, label: str, rows: dict[int, Any], absent: Iterable[int] = ()) -> None:
    """Remember ``rows`` (and the ids that were not visible) under ``generation``."""
    values: dict[str, Any] = {_row_key(generation, label, pk): row for pk, row in rows.items()}
    values.update({_row_key(generation, label, pk): _ABSENT for pk in absent})
    if not values:
        return
    try:
        response_cache().set_many(values, getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600))
    except Exception:
        logger.warning("row cache write failed", exc_info=True)


# --- The bus subscriber -------------------------------------------------------------------

# Internal events that change nothing readers see.
_INVISIBLE = ("removed",)


def visible(change) -> bool:
    """Whether readers can see ``change`` (a draft snippet saved or deleted, a page moved or
    deleted while not live: no)."""
    if change.public:
        return True
    if change.kind in _INVISIBLE:
        return False
    if change.object_type in ("page", "person", "organisation"):
        return bool(getattr(change.instance, "live", False)) and change.kind != "deleted"
    return True


def on_change(change) -> None:
    """The API cache's part of a change, inside the writer's transaction."""
    if visible(change):
        invalidate(f"{change.event} {change.object_type} {change.object_id}")


def connect() -> None:
    """Subscribe to the change-event bus (called from ``NewsConfig.ready``)."""
    from news.events import IN_TRANSACTION, subscribe

    subscribe(on_change, when=IN_TRANSACTION)
