"""SVG images: sanitised on the way in, served inert, rasterised where an SVG cannot be used.

* ``sanitise_svg`` runs every uploaded or imported SVG through Cloudflare's svg-hush (PyPI
  ``py-svg-hush``): scripts, event handlers, ``foreignObject``, unknown elements, DTDs and
  entities, external references and ``data:`` payloads go. svg-hush turns an external URL
  into a path on the serving site (``https://evil.example/x.png`` → ``/x.png``); a second pass
  here removes those too, so the stored SVG refers to nothing but its own fragments.
* ``SVG_HEADERS`` are the response headers an SVG must be served with (see ``news.media``
  and docs/images.md for production web servers and object storage).
* ``raster_renditions`` / ``social_rendition`` make PNG/WebP and JPEG renditions with
  cairosvg (Debian's libcairo2): Wagtail 8 refuses ``format-*`` filters on SVG images, and
  social networks, e-mail and feeds do not take SVG. They are stored as ordinary Wagtail
  rendition rows, so they are made once, deleted with the image, and found again by spec.
"""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import PurePosixPath
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image as PILImage
from wagtail.images.models import Filter

logger = logging.getLogger(__name__)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
SVG_HEADERS = {
    "Content-Type": "image/svg+xml",
    "Content-Security-Policy": SVG_CSP,
    "X-Content-Type-Options": "nosniff",
}
# The widths of the raster renditions (as the standard renditions of other images).
RASTER_WIDTHS = (480, 960, 1600)
# The longest side a raster rendition may have (WebP's limit; see news.uploads).
RASTER_MAX_SIDE = 16383
SOCIAL_SIZE = (1200, 630)
# A logo on a social card keeps a margin: it is fitted into this share of the card.
SOCIAL_FIT = 0.8

HREF_ATTRIBUTES = ("href", f"{{{XLINK_NS}}}href")
CSS_URL = re.compile(r"url\(\s*(['\"]?)(?!#)[^)]*\1\s*\)", re.I)
CSS_IMPORT = re.compile(r"@import[^;]*;?", re.I)
# What svg-hush leaves of an ``@import url(…)`` in a <style> is an inert address; it goes too.
CSS_ADDRESS = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//[^\s;)}\"']*", re.I)

ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


class SvgError(ValueError):
    """An SVG that cannot be used (not SVG, or nothing left after sanitising)."""


def is_svg_name(name: str) -> bool:
    """Whether a file name has the .svg extension (what Wagtail's ``is_svg`` looks at)."""
    return PurePosixPath(name or "").suffix.lower() == ".svg"


def sanitise_svg(data: bytes) -> bytes:
    """The SVG with everything active or external removed; raises ``SvgError`` if unusable."""
    from py_svg_hush import filter_svg

    try:
        filtered = filter_svg(bytes(data))
    except Exception as exc:  # noqa: BLE001 - svg-hush raises its own error types
        raise SvgError(f"not a readable SVG file ({exc})") from exc
    if b"<!DOCTYPE" in filtered or b"<!ENTITY" in filtered:
        raise SvgError("an SVG with a document type declaration")  # svg-hush removes them
    try:
        root = ET.fromstring(filtered)
    except ET.ParseError as exc:
        raise SvgError(f"not a readable SVG file ({exc})") from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise SvgError("the file's root element is not <svg>")
    for element in root.iter():
        for name in HREF_ATTRIBUTES:
            value = element.get(name)
            # Only references to the image's own fragments (#id) stay.
            if value is not None and not value.strip().startswith("#"):
                del element.attrib[name]
        style = element.get("style")
        if style and ("url(" in style.lower() or "@import" in style.lower()):
            element.set("style", CSS_URL.sub("none", CSS_IMPORT.sub("", style)))
        if element.tag == f"{{{SVG_NS}}}style" and element.text:
            css = CSS_URL.sub("none", CSS_IMPORT.sub("", element.text))
            element.text = CSS_ADDRESS.sub("", css)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def svg_size(data: bytes) -> tuple[float, float]:
    """The intrinsic size in CSS pixels (width/height, else the viewBox, else 300×150)."""
    import willow

    svg = willow.Image.open(io.BytesIO(data))
    width, height = svg.get_size()
    return float(width), float(height)


def rasterise(data: bytes, width: int, height: int) -> PILImage.Image:
    """The SVG drawn at ``width``×``height`` pixels (RGBA), with cairosvg."""
    import cairosvg

    # unsafe=False (the default): no entities, no local files, no network fetches.
    png = cairosvg.svg2png(bytestring=data, output_width=width, output_height=height)
    image = PILImage.open(io.BytesIO(png))
    image.load()
    return image.convert("RGBA")


def raster_size(intrinsic: tuple[float, float], width: int) -> tuple[int, int]:
    """The size of the raster rendition ``width`` wide, within ``RASTER_MAX_SIDE``."""
    iw, ih = (max(value, 1e-6) for value in intrinsic)
    height = ih * width / iw
    scale = min(1.0, RASTER_MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _whole_pixels(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An SVG's size comes from Willow as floats (240.0); the columns are integers, and the
    instance just saved is what the upload APIs answer with, so round it here."""
    for name in ("width", "height"):
        value = getattr(instance, name, None)
        if isinstance(value, float):
            setattr(instance, name, max(1, round(value)))


def connect_signals() -> None:
    """Called from ``NewsConfig.ready``."""
    from django.db.models.signals import pre_save
    from wagtail.images import get_image_model

    pre_save.connect(_whole_pixels, sender=get_image_model(), dispatch_uid="newsroom_svg_size")


# --- Renditions ------------------------------------------------------------------------------

RASTER_SPECS = tuple(
    (width, fmt, f"width-{width}|format-{fmt}")
    for width in RASTER_WIDTHS
    for fmt in ("png", "webp")
)


def _read(image: Any) -> bytes:
    with image.open_file() as handle:
        return handle.read()


def _stored(image: Any, spec: str, make) -> Any | None:
    """The rendition row ``spec`` of ``image``: found, or made with ``make()`` and saved."""
    rendition_model = image.get_rendition_model()
    key = Filter(spec=spec).get_cache_key(image)
    found = rendition_model.objects.filter(image=image, filter_spec=spec, focal_point_key=key)
    rendition = found.first()
    if rendition is not None:
        return rendition
    try:
        content, size, extension = make()
    except Exception:  # noqa: BLE001 - a drawing that fails must not break a page
        logger.warning("raster rendition %s of SVG image %s failed", spec, image.pk, exc_info=True)
        return None
    stem = PurePosixPath(image.file.name).stem
    name = f"{stem}.{spec.replace('|', '.')}.{extension}"
    rendition = rendition_model(image=image, filter_spec=spec, focal_point_key=key)
    rendition.file.save(name, ContentFile(content), save=False)
    # Saving the file resets the dimension fields; the drawn size is known exactly.
    rendition.width, rendition.height = size
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        rendition.file.delete(save=False)
        other = found.first()
        if other is None:
            raise
        return other  # made at the same moment by another request: theirs is used
    return rendition


def raster_renditions(image: Any) -> list[Any]:
    """PNG and WebP renditions of an SVG image at ``RASTER_WIDTHS`` (made on first use)."""
    data: bytes | None = None
    intrinsic = (float(image.width or 300), float(image.height or 150))
    renditions = []
    for width, fmt, spec in RASTER_SPECS:

        def make(width: int = width, fmt: str = fmt) -> tuple[bytes, tuple[int, int], str]:
            nonlocal data
            data = data if data is not None else _read(image)
            size = raster_size(intrinsic, width)
            drawn = rasterise(data, *size)
            out = io.BytesIO()
            if fmt == "webp":
                drawn.save(out, "WEBP", quality=90)
            else:
                drawn.save(out, "PNG", optimize=True)
            return out.getvalue(), drawn.size, fmt

        rendition = _stored(image, spec, make)
        if rendition is not None:
            renditions.append((fmt, rendition))
    return renditions


def social_rendition(image: Any, spec: str) -> Any | None:
    """A 1200×630 JPEG of the SVG: the drawing fitted, centred, on white (a logo is not
    cropped, unlike the ``fill`` of raster images)."""

    def make() -> tuple[bytes, tuple[int, int], str]:
        data = _read(image)
        iw, ih = max(float(image.width or 300), 1e-6), max(float(image.height or 150), 1e-6)
        box_w, box_h = (round(side * SOCIAL_FIT) for side in SOCIAL_SIZE)
        scale = min(box_w / iw, box_h / ih)
        size = (max(1, round(iw * scale)), max(1, round(ih * scale)))
        drawn = rasterise(data, *size)
        card = PILImage.new("RGB", SOCIAL_SIZE, (255, 255, 255))
        card.paste(
            drawn,
            ((SOCIAL_SIZE[0] - size[0]) // 2, (SOCIAL_SIZE[1] - size[1]) // 2),
            drawn,
        )
        out = io.BytesIO()
        card.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue(), SOCIAL_SIZE, "jpg"

    return _stored(image, spec, make)


def svg_image_renditions(image: Any) -> dict:
    """The ``src``/``renditions``/``srcset`` part of an SVG image's API form.

    ``src`` is the (sanitised) SVG itself; ``srcset`` and ``srcset_webp`` are empty so that
    a browser given both shows the SVG; ``renditions`` lists the raster ones (PNG, WebP) for
    places that cannot show SVG.
    """
    items = [
        {"url": r.url, "width": r.width, "height": r.height, "format": fmt}
        for fmt, r in raster_renditions(image)
    ]
    return {"src": image.file.url, "renditions": items, "srcset": "", "srcset_webp": ""}
