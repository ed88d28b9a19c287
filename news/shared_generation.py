"""The content generation, copied into the shared cache: a cached answer or a 304 without SQL.

Every change bumps the content generation together with the versions of the tags it makes
obsolete, in the writer's transaction (``news.api_cache.bump``); the database stays the
authority. Each process remembers, per set of tags, the versions it last read from the
database and the generation they were read at. While the generation is the same, none of
those versions can have changed, so a request only has to learn the current generation.
When the answer cache is shared by every process (Redis, memcached), the generation is kept
there, and the fast path reads it with the cached entry in one cache round trip instead of
two database round trips (Django's connection health check, then the versions query).

The protocol:

- **Writer, inside its transaction**: the key is set to ``PENDING``. A reader that finds it
  pending reads the database and writes nothing back, so between the commit and the next
  step it already sees the new generation.
- **Writer, after commit**: the new generation replaces the pending marker.
- **Reader, the key missing** (never written, expired, evicted): the generation is read from
  the database and *added* (set only if still absent), so a reader that read the database
  before a commit cannot overwrite what the writer set or marked pending.

Memoised versions are served only when the shared generation equals one the database
returned with them, so a copy that is too new only costs a query. The key lives at most
``NEWSROOM_API_GENERATION_TTL`` seconds (10) after its last write: that bounds the rare cases
that could leave it too old — two writers whose after-commit writes land in the opposite
order of their commits, a pending marker or new value lost in a cache outage (or evicted
before the add of a reader that read the database before the commit), a restored dump.
Refilling it costs a query or a few per lifetime for the whole site (the memo survives a
refill of the same generation). A pending marker lives ``PENDING_TTL``, longer than any
publishing transaction should: a rolled-back one leaves it, and readers use the database
until then.
Local-memory and dummy caches are per process: no copy (every request reads the database).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

KEY = "newsroom:generation"
PENDING = "pending"
PENDING_TTL = 300
# Cache backends shared by every process of the site (a write is seen by all of them).
SHARED_BACKENDS = frozenset(
    {
        "django_redis.cache.RedisCache",
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
    }
)


@dataclass(frozen=True)
class Generation:
    """The generation token (keys sub-caches and the versions memo) and the next moment a
    live page expires (the generation must change then, without a signal)."""

    token: str
    next_expiry: dt.datetime | None

    def due(self, now: dt.datetime) -> bool:
        return self.next_expiry is not None and self.next_expiry <= now


@dataclass(frozen=True)
class SharedRead:
    """One ``get_many``: the generation (None: missing or pending) and the extra entries."""

    generation: Generation | None
    pending: bool
    extra: dict[str, Any]


def enabled(alias: str) -> bool:
    """Whether the cache ``alias`` is shared by processes (``NEWSROOM_API_GENERATION_IN_CACHE``
    True/False overrides the guess from its backend; tests use it)."""
    forced = getattr(settings, "NEWSROOM_API_GENERATION_IN_CACHE", None)
    if forced is not None:
        return bool(forced)
    return settings.CACHES.get(alias, {}).get("BACKEND") in SHARED_BACKENDS


def _ttl() -> int:
    return int(getattr(settings, "NEWSROOM_API_GENERATION_TTL", 10))


def read(cache: Any, extra_keys: list[str]) -> SharedRead:
    """The shared generation and the cache entries ``extra_keys``, in one round trip. A cache
    that fails counts as empty (the database answers)."""
    try:
        found = cache.get_many([KEY, *extra_keys]) or {}
    except Exception:
        logger.warning("shared generation read failed", exc_info=True)
        found = {}
    value = found.get(KEY)
    extra = {key: found.get(key) for key in extra_keys}
    if isinstance(value, Generation):
        return SharedRead(value, False, extra)
    return SharedRead(None, value == PENDING, extra)


def fill(cache: Any, generation: Generation) -> None:
    """After a database read that found the key missing: add it, never overwriting."""
    try:
        cache.add(KEY, generation, _ttl())
    except Exception:
        logger.warning("shared generation fill failed", exc_info=True)


def mark_pending(cache: Any) -> None:
    """Inside a writer's transaction: readers must ask the database until it commits."""
    try:
        cache.set(KEY, PENDING, PENDING_TTL)
    except Exception:
        logger.warning("shared generation pending write failed", exc_info=True)


def publish(cache: Any, generation: Generation) -> None:
    """After the writer's commit: the new generation replaces the pending marker."""
    try:
        cache.set(KEY, generation, _ttl())
    except Exception:
        logger.warning("shared generation write failed", exc_info=True)
