"""A copy, in each process, of the shared cache's entries whose key names what they hold.

The sub-caches of a render are keyed so that no change can make an entry wrong: rows, cards
and related-post ids under the content generation (every change makes a new one, in every
process: ``news.api_cache``), rendition data under the image file, focal point and specs
(``news.read.rendition_cache``). Such an entry never needs invalidating, so a process may keep
its own copy: a cold render then reads what every post shares (people, organisations,
images, the newest cards) from its own memory instead of one Redis round trip per kind.
Entries of an old generation are never asked for again and age out of the LRU.

Only in front of a cache shared by processes (Redis); a local-memory cache is already near.
Values are kept pickled, as the shared cache keeps them, so a caller that changes what it got
cannot change what the next caller gets. The copy is bounded in bytes
(``NEWSROOM_NEAR_CACHE_BYTES``, per process).

Within ``write_behind()`` (a render: ``cms.api.http.cached_answer``) the writes to the shared
cache wait for the end of the block and go together, one round trip instead of one per kind
(the post's row, its related posts, their cards, the answer). Meanwhile the copy answers this
process; another process that asks sooner misses and reads the database, as it would have
a moment earlier — the entries are keyed so that none can be wrong, only absent.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import caches

from news import shared_generation

logger = logging.getLogger(__name__)

DEFAULT_BYTES = 16 * 1024 * 1024

_lock = threading.Lock()  # the development server and threaded workers share the copy
_copies: LRUCache | None = None
# The writes waiting for the end of the ``write_behind()`` block: {(alias, timeout): values}.
_pending: ContextVar[dict[tuple[str, int], dict[str, Any]] | None] = ContextVar(
    "newsroom_near_cache_pending", default=None
)


def _copy() -> LRUCache:
    global _copies
    if _copies is None:
        size = int(getattr(settings, "NEWSROOM_NEAR_CACHE_BYTES", DEFAULT_BYTES))
        _copies = LRUCache(maxsize=max(size, 1), getsizeof=len)
    return _copies


def active(alias: str) -> bool:
    """Whether entries of cache ``alias`` are copied (it is shared, and a copy may be kept)."""
    return getattr(settings, "NEWSROOM_NEAR_CACHE_BYTES", DEFAULT_BYTES) > 0 and (
        shared_generation.enabled(alias)
    )


def get_many(alias: str, keys: Iterable[str]) -> dict[str, Any]:
    """``caches[alias].get_many(keys)``, the keys this process holds answered from its copy."""
    keys = list(keys)
    if not active(alias):
        return caches[alias].get_many(keys)
    found: dict[str, Any] = {}
    missing = []
    with _lock:
        copy = _copy()
        for key in keys:
            data = copy.get(key)
            if data is None:
                missing.append(key)
            else:
                found[key] = pickle.loads(data)
    if missing:
        fetched = caches[alias].get_many(missing)
        _keep(fetched)
        found.update(fetched)
    return found


def set_many(alias: str, values: dict[str, Any], timeout: int, *, keep: bool = True) -> None:
    """``caches[alias].set_many(values, timeout)``, and a copy of each value kept here (not
    with ``keep=False``: for entries whose key does not name what they hold). Within
    ``write_behind()`` the shared cache gets them at the end of the block."""
    if not active(alias):
        caches[alias].set_many(values, timeout)
        return
    if keep:
        _keep(values)
    pending = _pending.get()
    if pending is None:
        caches[alias].set_many(values, timeout)
    else:
        pending.setdefault((alias, timeout), {}).update(values)


@contextmanager
def write_behind() -> Iterator[None]:
    """Send the block's writes to each shared cache together when it ends (one round trip
    per cache and timeout), even if it raised: what was written is valid either way. A
    failing write is logged, as the callers log theirs (a cache outage costs renders, never
    an answer). Nested blocks send with the outermost."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set({})
    try:
        yield
    finally:
        pending = _pending.get() or {}
        _pending.reset(token)
        for (alias, timeout), values in pending.items():
            try:
                caches[alias].set_many(values, timeout)
            except Exception:
                logger.warning("shared cache write failed", exc_info=True)


def _keep(values: dict[str, Any]) -> None:
    pickled = {key: pickle.dumps(value, pickle.HIGHEST_PROTOCOL) for key, value in values.items()}
    with _lock:
        copy = _copy()
        for key, data in pickled.items():
            if len(data) <= copy.maxsize:
                copy[key] = data


def clear() -> None:
    """Forget every copy (tests: a rolled-back database reuses ids and generations)."""
    global _copies
    with _lock:
        _copies = None
