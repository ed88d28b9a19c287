"""Which renditions every image is offered in, and the cache of their URLs and sizes.

The URLs and sizes of an image's renditions depend only on the image file, its focal point
and size, the rendition specs and the storage. All of them are in the key: a replaced file
has a new name, a moved focal point another key, so an entry can never describe anything but
what the database says now. Title and alt text are not part of the entry (they change without
a new file) and are always read from the image row.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db.models import Model
from wagtail.images.models import Filter

from news.read import near_cache

# Widths every image is offered in, each in its own format and as WebP.
RENDITION_WIDTHS = (480, 960, 1600)
RENDITION_SPECS = tuple(
    spec for width in RENDITION_WIDTHS for spec in (f"width-{width}", f"width-{width}|format-webp")
)
SOCIAL_IMAGE_SPEC = "fill-1200x630|format-jpeg"
# Parsed once: a Filter parses its spec (and inspects operations) on first use.
RENDITION_FILTERS = tuple(Filter(spec=spec) for spec in RENDITION_SPECS)

# Bump when the shape of the cached rendition data changes.
RENDITION_CACHE_VERSION = 1
RENDITION_CACHE_TIMEOUT = 7 * 24 * 3600
ALIAS = "default"  # shared with Wagtail's own rendition cache


def cacheable() -> bool:
    """Whether rendition data may be cached: not when the storage signs its URLs."""
    options = settings.STORAGES.get("default", {}).get("OPTIONS", {})
    # Signed (expiring) URLs must not outlive their signature in a cache.
    return not options.get("querystring_auth", False)


def _storage_fingerprint() -> str:
    default = settings.STORAGES.get("default", {})
    return hashlib.sha1(
        f"{default.get('BACKEND')}|{sorted(default.get('OPTIONS', {}).items())}|"
        f"{settings.MEDIA_URL}".encode()
    ).hexdigest()[:12]


def rendition_cache_key(image: Model, kind: str) -> str:
    """Cache key of ``image``'s rendition data of ``kind`` ("std": RENDITION_SPECS;
    "social": SOCIAL_IMAGE_SPEC)."""
    specs = RENDITION_SPECS if kind == "std" else (SOCIAL_IMAGE_SPEC,)
    focal_point = image.get_focal_point()
    parts = (
        RENDITION_CACHE_VERSION,
        image.pk,
        image.file.name,
        image.width,
        image.height,
        focal_point and tuple(focal_point.as_tuple()),
        specs,
        _storage_fingerprint(),
    )
    return "newsroom:rendition:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def remember(image: Model, kind: str, data: Any) -> None:
    """Store ``image``'s rendition data of ``kind`` for every process (when cacheable)."""
    if cacheable():
        key = rendition_cache_key(image, kind)
        near_cache.set_many(ALIAS, {key: data}, timeout=RENDITION_CACHE_TIMEOUT)
