"""Images as frontends get them: size, alt text, renditions, ``srcset`` and a social card.

Every image in Newsroom's JSON — feature images, logos, headshots, images in the body and in
rich text — is built by ``image_data`` (and ``social_image_data`` for a page's social card),
so it looks the same wherever it appears. Rendition data comes from the shared rendition
cache (``news.read.rendition_cache``) or, for images it lacks, from one query for the whole
render (``Resolver.fetch_renditions``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db.models import Model

from news import svg
from news.read import rendition_cache
from news.read.rendition_cache import RENDITION_FILTERS, RENDITION_SPECS, SOCIAL_IMAGE_SPEC
from news.read.resolver import active_resolver, memoised

logger = logging.getLogger(__name__)

IMAGE_ALIGNMENTS = [("full", "Full width"), ("left", "Float left"), ("right", "Float right")]


def related_image(obj: Model, field: str) -> Model | None:
    """``obj.<field>`` (an image FK), taken from the active resolver when there is one."""
    pk = getattr(obj, f"{field}_id")
    if pk is None:
        return None
    resolver = active_resolver()
    return resolver.image(pk) if resolver is not None else getattr(obj, field)


def image_data(image: Model | None, *, alt: str | None = None) -> dict | None:
    """An image as a frontend needs it: size, alt text and ready ``srcset`` strings."""
    image = _loaded(image)
    if image is None:
        return None
    return memoised("image", image.pk, alt, lambda: _image_data(image, alt))


def social_image_data(image: Model | None) -> dict | None:
    """The image cropped for link previews (Open Graph, Twitter card), or None."""
    image = _loaded(image)
    if image is None:
        return None
    data = _rendition_data(image, "social", lambda: _social_rendition(image))
    return dict(data) if data is not None else None


def _loaded(image: Model | None) -> Model | None:
    """The resolver's copy of ``image`` (which carries its renditions), when there is one."""
    resolver = active_resolver()
    if image is None or resolver is None:
        return image
    if hasattr(image, "prefetched_renditions") or image.pk in resolver.cached_renditions:
        return image
    return resolver.image(image) or image


def _rendition_data(image: Model, kind: str, build: Callable[[], Any]) -> Any:
    """``build()`` for ``image``'s rendition data of ``kind``, through the shared cache."""
    resolver = active_resolver()
    held = resolver.cached_renditions.get(image.pk, {}) if resolver else {}
    if kind in held:
        return held[kind]
    loaded = resolver.rendition_misses.get(image.pk) if resolver is not None else None
    if loaded is not None and not hasattr(image, "prefetched_renditions"):
        resolver.fetch_renditions()
        image.prefetched_renditions = loaded.prefetched_renditions
    data = build()
    rendition_cache.remember(image, kind, data)
    if resolver is not None:
        resolver.cached_renditions.setdefault(image.pk, {})[kind] = data
    return data


def _image_data(image: Model, alt: str | None) -> dict:
    return {
        "id": image.pk,
        "title": image.title,
        "alt": alt if alt is not None else (image.description or ""),
        "width": image.width,
        "height": image.height,
        **_rendition_data(image, "std", lambda: _standard_renditions(image)),
    }


def _renditions(image: Model) -> dict[str, Model]:
    """The standard renditions of ``image``: straight from its prefetched renditions when
    they are all there (Wagtail's ``get_renditions`` would also re-parse every filter spec
    and rewrite its rendition cache on each call), else through ``get_renditions``."""
    prefetched = getattr(image, "prefetched_renditions", None)
    if prefetched is not None:
        wanted = {(f.spec, f.get_cache_key(image)): f.spec for f in RENDITION_FILTERS}
        found = {}
        for rendition in prefetched:
            spec = wanted.get((rendition.filter_spec, rendition.focal_point_key))
            if spec is not None:
                found[spec] = rendition
        if len(found) == len(RENDITION_FILTERS):
            return found
    try:
        return image.get_renditions(*RENDITION_FILTERS)
    except Exception:
        # One rendition that cannot be made (e.g. an old image wider than WebP allows,
        # uploaded before the upload checks refused such files) must not break the page:
        # make them one by one and leave out the ones that fail.
        logger.warning("renditions of image %s failed; trying one by one", image.pk)
    renditions = {}
    for rendition_filter in RENDITION_FILTERS:
        try:
            renditions[rendition_filter.spec] = image.get_rendition(rendition_filter)
        except Exception:
            logger.warning(
                "rendition %s of image %s failed", rendition_filter.spec, image.pk, exc_info=True
            )
    return renditions


def _standard_renditions(image: Model) -> dict:
    if image.is_svg():
        # The SVG itself as src; PNG/WebP rasters (cairosvg) in renditions (news/svg.py).
        return svg.svg_image_renditions(image)
    renditions = _renditions(image)
    items = []
    for spec in RENDITION_SPECS:
        rendition = renditions.get(spec)
        if rendition is None:
            continue
        fmt = "webp" if "format-webp" in spec else _format_of(image)
        items.append(
            {
                "url": rendition.url,
                "width": rendition.width,
                "height": rendition.height,
                "format": fmt,
            }
        )
    default = [r for r in items if r["format"] != "webp"]
    webp = [r for r in items if r["format"] == "webp"]
    middle = default[min(1, len(default) - 1)] if default else {"url": ""}
    return {
        "src": middle["url"],
        "renditions": items,
        "srcset": _srcset(default),
        "srcset_webp": _srcset(webp),
    }


def _social_rendition(image: Model) -> dict | None:
    try:
        if image.is_svg():  # Wagtail refuses format-jpeg for SVG: drawn with cairosvg
            rendition = svg.social_rendition(image, SOCIAL_IMAGE_SPEC)
            if rendition is None:
                return None
        else:
            rendition = image.get_rendition(SOCIAL_IMAGE_SPEC)
    except Exception:  # as in _renditions: a broken image must not break the page
        logger.warning("social rendition of image %s failed", image.pk, exc_info=True)
        return None
    return {"url": rendition.url, "width": rendition.width, "height": rendition.height}


def _format_of(image: Model) -> str:
    name = (image.file.name or "").rsplit(".", 1)[-1].lower()
    return {"jpg": "jpeg"}.get(name, name or "jpeg")


def _srcset(renditions: list[dict]) -> str:
    seen: dict[int, str] = {}
    for rendition in renditions:
        seen.setdefault(rendition["width"], rendition["url"])
    return ", ".join(f"{url} {width}w" for width, url in sorted(seen.items()))
