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
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterable
from typing import Any

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import caches

from news import shared_generation

DEFAULT_BYTES = 16 * 1024 * 1024

_lock = threading.Lock()  # the development server and threaded workers share the copy
_copies: LRUCache | None = None


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


def set_many(alias: str, values: dict[str, Any], timeout: int) -> None:
    """``caches[alias].set_many(values, timeout)``, and a copy of each value kept here."""
    caches[alias].set_many(values, timeout)
    if active(alias):
        _keep(values)


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
