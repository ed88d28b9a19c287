"""Upload safety: what the admin's forms (and so every upload API) refuse beyond Wagtail's checks.

Wagtail already checks images (format matches extension, pixel limits against decompression
bombs, empty files). Two additions, wired in through ``WAGTAILIMAGES_IMAGE_FORM_BASE`` and
``WAGTAILDOCS_DOCUMENT_FORM_BASE``:

* images: every image gets WebP renditions (``news.read.rendition_cache.RENDITION_SPECS``), and WebP
  cannot encode more than 16383 pixels per side; an image whose renditions would be longer
  (a 1×100000 strip: renditions never upscale) is refused instead of breaking every page
  that shows it;
* SVG images: sanitised (``news.svg.sanitise_svg``: scripts, event handlers,
  ``foreignObject``, external references and ``data:`` payloads removed) and stored as the
  sanitised file; one whose raster renditions would exceed the same WebP limit is refused.
  Wagtail's own checks (extension matches content, pixel count) run first, as for any image;
* documents: the file's content must match its extension, so an HTML page renamed ``.pdf`` or
  an executable renamed ``.docx`` is refused with a message instead of being served to
  readers — and that message is the only one shown for the file.
"""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

import willow
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags
from PIL import Image as PILImage
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm

from news.read.rendition_cache import RENDITION_FILTERS
from news.svg import RASTER_MAX_SIDE, RASTER_WIDTHS, SvgError, sanitise_svg, svg_size

# The longest side libwebp can encode.
WEBP_MAX_SIDE = 16383
# EXIF orientations that turn the image a quarter (renditions apply them: Willow's auto_orient).
QUARTER_TURNS = {5, 6, 7, 8}

# Leading bytes of each binary format we accept.
MAGIC_PREFIXES = {
    "pdf": (b"%PDF-",),
    "rtf": (b"{\\rtf",),
}
ZIP_FORMATS = {"docx", "xlsx", "pptx", "odt", "key", "zip"}
TEXT_FORMATS = {"csv", "txt"}
SNIFF_BYTES = 4096


def check_document_content(name: str, head: bytes, file_obj) -> str | None:
    """Why this file must be refused, or None when its content fits its extension."""
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if not head:
        return "The file is empty."
    if extension in MAGIC_PREFIXES:
        if not head.startswith(MAGIC_PREFIXES[extension]):
            return (
                f"This file does not look like a .{extension} file; check that it is not renamed."
            )
    elif extension in ZIP_FORMATS:
        file_obj.seek(0)
        if not zipfile.is_zipfile(file_obj):
            return (
                f"This file does not look like a .{extension} file; check that it is not renamed."
            )
    elif extension in TEXT_FORMATS:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the sniff boundary is fine; anything else is not.
            if exc.start < len(head) - 4:
                return f"A .{extension} file must be UTF-8 text."
        if b"\x00" in head:
            return f"A .{extension} file must be text, not binary data."
    return None


class SafeDocumentForm(BaseDocumentForm):
    """Wagtail's document form, also refusing files whose content does not fit the extension."""

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data.get("file")
        if uploaded is None or "file" not in self.changed_data:
            return uploaded
        uploaded.seek(0)
        head = uploaded.read(SNIFF_BYTES)
        problem = check_document_content(uploaded.name, head, uploaded)
        uploaded.seek(0)
        if problem:
            raise forms.ValidationError(problem, code="content_mismatch")
        return uploaded

    def _post_clean(self) -> None:
        """Model validation, without its second message about a file already refused.

        A refused file never reaches the instance, so ``AbstractDocument.clean()`` (run by
        ``instance.full_clean()`` here) checks the extension of an empty name and adds
        "File extension “” is not allowed" under the form's own message. File errors added
        by the model are dropped when the form had refused the file; a file the form accepted
        (``tool.exe``) is still refused by the model, with Wagtail's message.
        """
        already = len(self._errors.get("file") or ())
        super()._post_clean()
        if already:
            del self._errors["file"][already:]


# --- Images ----------------------------------------------------------------------------------


class _Unsaved:
    """What ``Filter.get_transform`` asks of an image, for an upload that has no row yet."""

    def is_svg(self) -> bool:
        return False

    def get_focal_point(self) -> None:
        return None


def _displayed_size(willow_image: Any) -> tuple[int, int]:
    """The image's width and height as renditions see them, read from the header only.

    Renditions first apply the EXIF orientation, so a 100000×1 JPEG tagged "rotate 90°" is
    rendered as 1×100000. Only EXIF already read with the header is looked at: Pillow's
    ``getexif()`` would decode a whole PNG to find a late eXIf chunk.
    """
    width, height = willow_image.get_size()
    exif = willow_image.get_pillow_image().info.get("exif")
    if exif:
        try:
            orientation = PILImage.Exif()
            orientation.load(exif)
            if orientation.get(ExifTags.Base.Orientation) in QUARTER_TURNS:
                width, height = height, width
        except Exception:  # noqa: BLE001 - unreadable EXIF: renditions ignore it too
            pass
    return width, height


def webp_side_problem(width: int, height: int) -> str | None:
    """Why an image of this size must be refused, or None when its WebP renditions fit."""
    sizes = [
        tuple(rendition_filter.get_transform(_Unsaved(), (width, height)).size)
        for rendition_filter in RENDITION_FILTERS
        if "format-webp" in rendition_filter.spec
    ]
    largest = max(sizes, key=max, default=(0, 0))
    if max(largest) <= WEBP_MAX_SIDE:
        return None
    return (
        f"This image cannot be shown: it is {width}×{height} pixels, its WebP renditions would "
        f"be up to {largest[0]}×{largest[1]}, and WebP allows at most {WEBP_MAX_SIDE} pixels "
        "per side. Crop the image or split it into parts."
    )


def svg_side_problem(width: float, height: float) -> str | None:
    """Why an SVG of this intrinsic size must be refused: its narrowest raster rendition
    (``RASTER_WIDTHS[0]`` wide) would be taller than WebP allows."""
    tallest = height / max(width, 1e-6) * min(RASTER_WIDTHS)
    if tallest <= RASTER_MAX_SIDE:
        return None
    return (
        f"This SVG cannot be shown: it is {width:g}×{height:g}, so its raster renditions "
        f"would be over {WEBP_MAX_SIDE} pixels tall, the most WebP allows. Crop the drawing "
        "or split it into parts."
    )


def sanitised_svg_upload(uploaded: Any) -> Any:
    """The uploaded SVG, sanitised (news.svg), as a new file of the same name.

    Raises ``ValidationError`` when the file is not a usable SVG or is too long for its
    raster renditions (the same limit as raster images).
    """
    uploaded.seek(0)
    try:
        clean = sanitise_svg(uploaded.read())
        size = svg_size(clean)
    except (SvgError, Exception) as exc:  # noqa: BLE001 - any unreadable SVG is refused alike
        raise forms.ValidationError(
            f"This SVG file cannot be used: {exc}", code="invalid_svg"
        ) from exc
    problem = svg_side_problem(*size)
    if problem:
        raise forms.ValidationError(problem, code="webp_side_too_long")
    cleaned = SimpleUploadedFile(uploaded.name, clean, content_type="image/svg+xml")
    cleaned.image = willow.Image.open(io.BytesIO(clean))
    return cleaned


class SafeImageForm(BaseImageForm):
    """Wagtail's image form, also refusing images whose WebP renditions cannot be encoded.

    Wagtail limits the total pixels only, so a 1×100000 strip (0.1 MP) passes its form; every
    WebP rendition of it fails, and so does every page showing it. A 100000×1 strip is fine:
    renditions are at most 1600 pixels wide, and its are 1 pixel tall.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None and hasattr(field, "check_image_pixel_size"):
            field.check_image_pixel_size = _readable_first(field.check_image_pixel_size)

    def clean_file(self) -> Any:
        # Runs only after WagtailImageField accepted the file (not empty, format matches the
        # extension, pixel count and decompression-bomb limits), so those messages are first.
        uploaded = self.cleaned_data.get("file")
        willow_image = getattr(uploaded, "image", None)
        if willow_image is None or "file" not in self.changed_data:
            # No new upload (an edit keeping its file), or one the field did not open.
            return uploaded
        if getattr(willow_image, "format_name", "") == "svg":
            return sanitised_svg_upload(uploaded)
        problem = webp_side_problem(*_displayed_size(willow_image))
        if hasattr(uploaded, "seek"):
            uploaded.seek(0)
        if problem:
            raise forms.ValidationError(problem, code="webp_side_too_long")
        return uploaded


def _readable_first(check_pixels: Any) -> Any:
    """Wagtail's pixel check, after making sure Pillow can read the file at all: it opens the
    file with Pillow and let "cannot identify image file" escape as a server error."""

    def check(uploaded: Any) -> None:
        # SVG is not Pillow's to read: it is parsed and sanitised in clean_file (news.svg).
        is_svg = getattr(getattr(uploaded, "image", None), "format_name", "") == "svg"
        if not is_svg and not _pillow_can_read(uploaded):
            raise forms.ValidationError(
                "This file is not a valid image: it could not be read.", code="invalid_image"
            )
        check_pixels(uploaded)

    return check


def _pillow_can_read(uploaded: Any) -> bool:
    """Pillow (which makes every rendition) can open and verify the file. Willow identifies a
    format by its first bytes only: ``GIF89a`` followed by junk passed the form and failed
    when saving, as a server error."""
    from PIL import UnidentifiedImageError

    try:
        uploaded.seek(0)
        with PILImage.open(uploaded) as image:
            image.verify()  # structure and checksums, without decoding every pixel
    except PILImage.DecompressionBombError:
        return True  # readable; Wagtail's pixel check refuses it with its own message
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return False
    finally:
        uploaded.seek(0)
    return True
