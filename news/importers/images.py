"""Images a post uses: found under the assets folders, stored once (by content hash).

A path that is not there, a file type Wagtail does not accept or an unreadable file is
reported and the post keeps a visible link instead; an SVG is stored sanitised
(``news.svg``), a raster is checked with Pillow. ``dry_run`` stores nothing.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.core.files.images import ImageFile

from news.importers.drafts import ImageRef
from news.importers.results import PostResult
from news.svg import SvgError, is_svg_name, sanitise_svg


class ImagesMixin:
    """Resolves a post's ``ImageRef`` to a Wagtail image (for ``JekyllWriter``)."""

    def _local_file(self, src: str) -> Path | None | bool:
        """The file a post's image path points to under the assets folders.

        Returns the path, None when it is a local path that is not there, or False when the
        image lives elsewhere on the web (an external reference).
        """
        parsed = urlparse(src)
        if parsed.scheme in {"http", "https"} or src.startswith("//"):
            if not (self.site_host and parsed.hostname == self.site_host):
                return False
        elif parsed.scheme:
            return False
        relative = unquote(parsed.path).lstrip("/")
        if not relative:
            return None
        for base in self.assets_dirs:
            base = base.resolve()
            options = [relative]
            if relative.startswith("assets/"):
                options.append(relative[len("assets/") :])
            for option in options:
                candidate = (base / option).resolve()
                if base in candidate.parents and candidate.is_file():
                    return candidate
        return None

    def _resolve_image(self, ref: ImageRef, result: PostResult, feature: bool = False):
        where = "feature image" if feature else "image"
        local = self._local_file(ref.src)
        if local is False:
            result.images_external += 1
            result.warnings.append(f"{where} {ref.src} is on another site: kept as a link")
            return None
        if local is None:
            result.images_missing += 1
            result.warnings.append(
                f"{where} {ref.src} not found"
                + (" under the assets folder" if self.assets_dirs else " (no --assets-dir)")
                + ("" if feature else ": kept as a link")
            )
            return None
        extension = local.suffix.lower().lstrip(".")
        if extension not in getattr(settings, "WAGTAILIMAGES_EXTENSIONS", ["jpg", "png", "gif"]):
            result.images_missing += 1
            result.warnings.append(
                f"{where} {ref.src}: .{extension} images are not accepted by "
                "Wagtail here: kept as a link"
            )
            return None
        digest = self._hash_cache.get(local)
        data = None
        if digest is None:
            data = self._image_bytes(local)
            if data is None:
                result.images_missing += 1
                result.warnings.append(f"{where} {ref.src} is not a readable image: kept as a link")
                return None
            # The hash of what is stored (an SVG is stored sanitised): Wagtail's file_hash.
            digest = hashlib.sha1(data).hexdigest()  # noqa: S324 - matches Wagtail's file_hash
            self._hash_cache[local] = digest
        image = self.image_model.objects.filter(file_hash=digest).order_by("pk").first()
        if image is not None:
            result.images_found += 1
            return image
        data = data if data is not None else self._image_bytes(local)
        if data is None:
            result.images_missing += 1
            result.warnings.append(f"{where} {ref.src} is not a readable image: kept as a link")
            return None
        result.images_found += 1
        if self.dry_run:
            return "dry-run"
        title = (ref.alt or local.stem.replace("-", " ").replace("_", " "))[:255]
        image = self.image_model(title=title, description=ref.alt[:255])
        image.file = ImageFile(io.BytesIO(data), name=local.name)
        image._set_image_file_metadata()
        image.save()
        self._touch(image)
        return image

    def _image_bytes(self, local: Path) -> bytes | None:
        """The file's bytes as they will be stored (SVG sanitised), None if unreadable."""
        data = local.read_bytes()
        if is_svg_name(local.name):
            try:
                return sanitise_svg(data)
            except SvgError:
                return None
        try:
            from PIL import Image as PILImage

            with PILImage.open(io.BytesIO(data)) as probe:
                probe.verify()
        except Exception:  # noqa: BLE001 - any unreadable file is reported the same way
            return None
        return data
