"""Shared pieces of Newsroom's JSON: images with renditions, people, organisations, rich text.

Blocks and pages build their API form from these functions, so an image or a person looks the
same wherever it appears. A ``Resolver`` collects every object a set of streams refers to,
loads each kind in one query (images with their renditions in two), and serves them to the
chooser blocks while it is active: the query count of a page does not grow with its blocks.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qs, urlparse

import nh3
from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from rest_framework.fields import Field as DRFField
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.models import Filter
from wagtail.models import Page
from wagtail.rich_text.rewriters import EmbedRewriter, LinkRewriter, extract_attrs

from news import api_cache, svg

logger = logging.getLogger(__name__)

IMAGE_ALIGNMENTS = [("full", "Full width"), ("left", "Float left"), ("right", "Float right")]

# Widths every image is offered in, each in its own format and as WebP.
RENDITION_WIDTHS = (480, 960, 1600)
RENDITION_SPECS = tuple(
    spec for width in RENDITION_WIDTHS for spec in (f"width-{width}", f"width-{width}|format-webp")
)
SOCIAL_IMAGE_SPEC = "fill-1200x630|format-jpeg"
# Parsed once: a Filter parses its spec (and inspects operations) on first use.
RENDITION_FILTERS = tuple(Filter(spec=spec) for spec in RENDITION_SPECS)

# Bump when the shape of the cached rendition data below changes.
RENDITION_CACHE_VERSION = 1

# Wagtail's getters look the model up in the app registry on every call, and a render asks
# for the image model for every image, person and organisation it touches.
image_model = functools.cache(get_image_model)
document_model = functools.cache(get_document_model)

_active: ContextVar[Resolver | None] = ContextVar("newsroom_resolver", default=None)


def active_resolver() -> Resolver | None:
    return _active.get()


# --- What an anonymous reader may see ------------------------------------------------------


def reader_visible(queryset: QuerySet, *, now: Any = None) -> QuerySet:
    """Pages an anonymous reader may see: live, not expired, outside every view restriction.

    One SQL query whatever the number of restrictions (Wagtail's ``public()`` runs a query
    for the restrictions first); expiry is checked against the clock because a live page
    stays ``live`` until the ``publish_scheduled`` command runs. ``now`` may be the
    database's clock (``Now()``), which makes the query independent of the moment it is built.
    """
    from wagtail.models import PageViewRestriction

    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    return (
        queryset.filter(live=True)
        .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now() if now is None else now))
        .exclude(Exists(restricted))
    )


def public_documents(queryset: QuerySet) -> QuerySet:
    """Documents outside every collection view restriction (a restricted collection's
    documents are private, and so are those of its descendants)."""
    from wagtail.models import CollectionViewRestriction

    restricted = CollectionViewRestriction.objects.filter(
        collection__path=Substr(OuterRef("collection__path"), 1, Length("collection__path"))
    )
    return queryset.exclude(Exists(restricted))


def _dependency_kind(model: type[Model]) -> str:
    """The tag kind of a resolver key: page, image, document, person, organisation."""
    if model is Page:
        return "page"
    if model is image_model()._meta.concrete_model:
        return "image"
    if model is document_model()._meta.concrete_model:
        return "document"
    return model._meta.model_name


# --- The resolver ---------------------------------------------------------------------------

RICH_TEXT_REF = re.compile(r"<(?:a|embed)\b([^>]*)>")


class Resolver:
    """Bulk loader for everything that streams and pages refer to.

    Use: ``want_*``/``collect_stream`` to note what is needed, ``load()`` once, then render
    inside ``with resolver.active():``. Unpublished snippets and pages are left out unless
    ``include_drafts`` (editor preview) is set.
    """

    def __init__(self, *, request=None, include_drafts: bool = False) -> None:
        self.request = request
        self.include_drafts = include_drafts
        # Public renders read rows through the generation-keyed row cache (news.api_cache);
        # previews (drafts) and renders outside an API request always read the database.
        self.generation: str | None = (
            None if include_drafts else getattr(request, "_newsroom_generation", None)
        )
        self.wanted: dict[type[Model], set[int]] = defaultdict(set)
        self.loaded: dict[type[Model], dict[int, Model]] = defaultdict(dict)
        self.missing: dict[type[Model], set[int]] = defaultdict(set)
        self.extra_specs: set[str] = set()
        # Images whose social-card rendition is wanted (a page's feature image).
        self.social_images: set[int] = set()
        # Rendition data found in the shared cache, by image pk: {"std": …, "social": …}.
        self.cached_renditions: dict[int, dict[str, Any]] = {}
        # Loaded images the rendition cache did not have, by pk (see fetch_renditions).
        self.rendition_misses: dict[int, Model] = {}
        # JSON already built in this render (the same person or logo recurs across cards,
        # quotes and bios): built once, handed out as copies.
        self.built: dict[tuple, dict] = {}

    # Noting what is needed ------------------------------------------------------------------
    def want(self, model: type[Model], pk: Any) -> None:
        if pk is None or pk == "":
            return
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return
        key = self._key(model)
        if pk not in self.loaded[key] and pk not in self.missing[key]:
            self.wanted[key].add(pk)

    def want_image(self, pk: Any, *, social: bool = False) -> None:
        self.want(image_model(), pk)
        if social and pk is not None:
            self.social_images.add(int(pk))

    def collect_stream(self, stream_block: blocks.Block, raw_data: Iterable[dict]) -> None:
        for item in raw_data or []:
            child = stream_block.child_blocks.get(item.get("type"))
            if child is not None:
                self._collect(child, item.get("value"))

    def collect_rich_text(self, html: str) -> None:
        for match in RICH_TEXT_REF.finditer(html or ""):
            attrs = extract_attrs(match.group(1))
            if attrs.get("linktype") == "page":
                self.want(Page, attrs.get("id"))
            elif attrs.get("linktype") == "document":
                self.want(document_model(), attrs.get("id"))
            elif attrs.get("embedtype") == "image":
                self.want_image(attrs.get("id"))

    def _collect(self, block: blocks.Block, raw: Any) -> None:
        if raw is None:
            return
        if isinstance(block, blocks.StreamBlock):
            self.collect_stream(block, raw)
        elif isinstance(block, blocks.StructBlock):
            if isinstance(raw, dict):
                for name, child in block.child_blocks.items():
                    self._collect(child, raw.get(name))
        elif isinstance(block, blocks.ListBlock):
            for item in raw:
                value = item.get("value") if isinstance(item, dict) and "type" in item else item
                self._collect(block.child_block, value)
        elif isinstance(block, blocks.ChooserBlock):
            self.want(block.model_class, raw)
        elif isinstance(block, blocks.RichTextBlock):
            self.collect_rich_text(raw)

    # Loading ---------------------------------------------------------------------------------
    def load(self) -> Resolver:
        """Load everything wanted: snippets first (they point at images), images last."""
        if not any(self.wanted.values()):  # e.g. rich text without links or images
            return self
        from news.snippets import Organisation, Person

        self._load(Person, lambda qs: qs.select_related("organisation"))
        for person in self.loaded[Person].values():
            self.want_image(person.headshot_id)
            if person.organisation_id and self._visible(person.organisation):
                self.loaded[Organisation].setdefault(person.organisation_id, person.organisation)
        self._load(Organisation)
        for organisation in self.loaded[Organisation].values():
            self.want_image(organisation.logo_id)
        self._load(Page)
        self._load(document_model())
        self._load_images()
        self._record_dependencies()
        return self

    def _record_dependencies(self) -> None:
        # The answer being rendered shows (or leaves out) every row looked up: it depends on
        # each of them (news.api_cache), whether read from the row cache or the database.
        for key in set(self.loaded) | set(self.missing):
            kind = _dependency_kind(key)
            api_cache.depends_on(
                *(f"{kind}:{pk}" for pk in self.loaded[key]),
                *(f"{kind}:{pk}" for pk in self.missing[key]),
            )

    def _load(self, model: type[Model], adjust=None) -> None:
        key = self._key(model)
        ids = self.wanted.pop(key, set()) - set(self.loaded[key])
        if not ids:
            return
        cached, absent = self._cached_rows(key, ids)
        self.loaded[key].update(cached)
        self.missing[key].update(absent)
        ids -= set(cached) | absent
        if not ids:
            return
        queryset = key._default_manager.filter(pk__in=ids)
        if key is Page:
            queryset = queryset if self.include_drafts else reader_visible(queryset)
        elif key is document_model()._meta.concrete_model:
            queryset = public_documents(queryset)
        elif hasattr(key, "live") and not self.include_drafts:
            queryset = queryset.filter(live=True)
        if adjust is not None:
            queryset = adjust(queryset)
        rows = {obj.pk: obj for obj in queryset}
        self.loaded[key].update(rows)
        self.missing[key].update(ids - set(rows))
        self._remember_rows(key, rows, ids - set(rows))

    def _cached_rows(self, model: type[Model], ids: set[int]) -> tuple[dict[int, Model], set]:
        if self.generation is None:
            return {}, set()
        return api_cache.get_rows(self.generation, model._meta.label_lower, ids)

    def _remember_rows(self, model: type[Model], rows: dict[int, Model], absent: set) -> None:
        if self.generation is not None:
            api_cache.set_rows(self.generation, model._meta.label_lower, rows, absent)

    def _load_images(self) -> None:
        """Image rows (one query), their rendition data from the shared cache, and the
        renditions themselves (one more query) only for images the cache does not have."""
        model = image_model()
        ids = self.wanted.pop(model, set()) - set(self.loaded[model])
        if not ids:
            return
        images, absent = self._cached_rows(model, ids)
        if ids - set(images) - absent:
            rows = {
                image.pk: image
                for image in model._default_manager.filter(pk__in=ids - set(images) - absent)
            }
            self._remember_rows(model, rows, ids - set(images) - absent - set(rows))
            images.update(rows)
        self.loaded[model].update(images)
        self.missing[model].update(ids - set(images))
        keys = {}
        for image in images.values():
            keys[rendition_cache_key(image, "std")] = (image.pk, "std")
            if image.pk in self.social_images:
                keys[rendition_cache_key(image, "social")] = (image.pk, "social")
        found = cache.get_many([key for key in keys if key]) if keys and _cacheable() else {}
        for key, value in found.items():
            pk, kind = keys[key]
            self.cached_renditions.setdefault(pk, {})[kind] = value
        short = [
            image
            for image in images.values()
            if "std" not in self.cached_renditions.get(image.pk, {})
            or (
                image.pk in self.social_images
                and "social" not in self.cached_renditions.get(image.pk, {})
            )
        ]
        # Their renditions are read only when one of them is rendered (fetch_renditions):
        # an image that was wanted but is not shown costs nothing.
        self.rendition_misses.update({image.pk: image for image in short})

    def fetch_renditions(self) -> None:
        """Renditions of every loaded image the rendition cache did not have (one query)."""
        short = [
            image
            for image in self.rendition_misses.values()
            if not hasattr(image, "prefetched_renditions")
        ]
        if not short:
            return
        specs = RENDITION_SPECS + tuple(sorted(self.extra_specs | {SOCIAL_IMAGE_SPEC}))
        rendition_model = image_model().get_rendition_model()
        renditions: dict[int, list[Model]] = defaultdict(list)
        for rendition in rendition_model.objects.filter(
            image_id__in=[image.pk for image in short], filter_spec__in=specs
        ):
            renditions[rendition.image_id].append(rendition)
        for image in short:
            image.prefetched_renditions = renditions[image.pk]

    def _visible(self, obj: Model) -> bool:
        return self.include_drafts or getattr(obj, "live", True)

    @staticmethod
    def _key(model: type[Model]) -> type[Model]:
        if issubclass(model, Page):
            return Page
        return model._meta.concrete_model

    # Serving ---------------------------------------------------------------------------------
    def get(self, model: type[Model], pk: Any) -> Model | None:
        if pk is None:
            return None
        key = self._key(model)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        if pk not in self.loaded[key] and pk not in self.missing[key]:
            # Not collected in advance: load it now (correct, but one more query).
            self.want(key, pk)
            self.load()
        return self.loaded[key].get(pk)

    def image(self, image_or_pk: Any) -> Model | None:
        pk = getattr(image_or_pk, "pk", image_or_pk)
        return self.get(image_model(), pk)

    @contextlib.contextmanager
    def active(self) -> Iterator[Resolver]:
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)


@contextlib.contextmanager
def resolving(resolver: Resolver | None = None) -> Iterator[Resolver]:
    """Activate ``resolver`` (or reuse the active one, or start a fresh one)."""
    current = resolver or active_resolver() or Resolver()
    if active_resolver() is current:
        yield current
        return
    with current.active():
        yield current


# --- Images ---------------------------------------------------------------------------------


def _prefetched(image: Model | None) -> Model | None:
    resolver = active_resolver()
    if image is None or resolver is None:
        return image
    if hasattr(image, "prefetched_renditions") or image.pk in resolver.cached_renditions:
        return image
    return resolver.image(image) or image


# --- Rendition data shared across requests and processes ------------------------------------
#
# The URLs and sizes of an image's renditions depend only on the image file, its focal point
# and size, the rendition specs and the storage. All of them are in the key: a replaced file
# has a new name, a moved focal point another key, so an entry can never describe anything
# but what the database says now. Title and alt text are not part of the entry (they change
# without a new file) and are always read from the image row.


def _cacheable() -> bool:
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
    parts = (
        RENDITION_CACHE_VERSION,
        image.pk,
        image.file.name,
        image.width,
        image.height,
        image.get_focal_point() and tuple(image.get_focal_point().as_tuple()),
        specs,
        _storage_fingerprint(),
    )
    return "newsroom:rendition:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def _rendition_data(image: Model, kind: str, build) -> Any:
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
    if _cacheable():
        cache.set(rendition_cache_key(image, kind), data, timeout=RENDITION_CACHE_TIMEOUT)
    if resolver is not None:
        resolver.cached_renditions.setdefault(image.pk, {})[kind] = data
    return data


RENDITION_CACHE_TIMEOUT = 7 * 24 * 3600


def _built(kind: str, pk: Any, extra: Any, build) -> dict:
    """``build()``, memoised on the active resolver for (kind, pk, extra); a shallow copy."""
    resolver = active_resolver()
    if resolver is None or pk is None:
        return build()
    key = (kind, pk, extra)
    if key not in resolver.built:
        resolver.built[key] = build()
    return dict(resolver.built[key])


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


def image_data(image: Model | None, *, alt: str | None = None) -> dict | None:
    """An image as a frontend needs it: size, alt text and ready ``srcset`` strings."""
    image = _prefetched(image)
    if image is None:
        return None
    return _built("image", image.pk, alt, lambda: _image_data(image, alt))


def _image_data(image: Model, alt: str | None) -> dict:
    return {
        "id": image.pk,
        "title": image.title,
        "alt": alt if alt is not None else (image.description or ""),
        "width": image.width,
        "height": image.height,
        **_rendition_data(image, "std", lambda: _standard_renditions(image)),
    }


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


def _format_of(image: Model) -> str:
    name = (image.file.name or "").rsplit(".", 1)[-1].lower()
    return {"jpg": "jpeg"}.get(name, name or "jpeg")


def _srcset(renditions: list[dict]) -> str:
    seen: dict[int, str] = {}
    for rendition in renditions:
        seen.setdefault(rendition["width"], rendition["url"])
    return ", ".join(f"{url} {width}w" for width, url in sorted(seen.items()))


def related_image(obj: Model, field: str) -> Model | None:
    """``obj.<field>`` (an image FK), taken from the active resolver when there is one."""
    pk = getattr(obj, f"{field}_id")
    if pk is None:
        return None
    resolver = active_resolver()
    return resolver.image(pk) if resolver is not None else getattr(obj, field)


def social_image_data(image: Model | None) -> dict | None:
    image = _prefetched(image)
    if image is None:
        return None

    def build() -> dict | None:
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

    data = _rendition_data(image, "social", build)
    return dict(data) if data is not None else None


# --- Pages ----------------------------------------------------------------------------------


def page_path(page: Page | None) -> str:
    """The page's path on the frontend, e.g. ``/news/some-post/`` ("" when not routable)."""
    if page is None:
        return ""
    resolver = active_resolver()
    request = resolver.request if resolver else None
    parts = page.get_url_parts(request=request)
    return parts[2] if parts else ""


# --- People and organisations ---------------------------------------------------------------


def organisation_data(organisation: Model | None) -> dict | None:
    if organisation is None:
        return None
    return _built("organisation", organisation.pk, None, lambda: _organisation_data(organisation))


def _organisation_data(organisation: Model) -> dict:
    return {
        "id": organisation.pk,
        "slug": organisation.slug,
        "name": organisation.name,
        "website": organisation.website,
        "membership_level": organisation.membership_level,
        "logo": image_data(related_image(organisation, "logo")),
    }


def person_data(person: Model | None) -> dict | None:
    if person is None:
        return None
    return _built("person", person.pk, None, lambda: _person_data(person))


def _person_data(person: Model) -> dict:
    organisation = person.organisation if person.organisation_id else None
    resolver = active_resolver()
    if organisation is not None and resolver and not resolver._visible(organisation):
        organisation = None
    return {
        "id": person.pk,
        "slug": person.slug,
        "name": person.name,
        "role": person.role,
        "organisation": organisation_data(organisation),
        "headshot": image_data(related_image(person, "headshot")),
        "bio_html": rich_text_html(person.bio),
    }


def free_attribution(name: str, role: str, organisation: str) -> dict:
    """A quote attribution typed by the editor: the same shape as ``person_data``."""
    return {
        "id": None,
        "slug": "",
        "name": name,
        "role": role,
        "organisation": {
            "id": None,
            "slug": "",
            "name": organisation,
            "website": "",
            "membership_level": "none",
            "logo": None,
        }
        if organisation
        else None,
        "headshot": None,
        "bio_html": "",
    }


# --- Rich text ------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "del", "sup", "sub", "code", "pre", "kbd",
    "a", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "img", "figure",
    "figcaption", "table", "thead", "tbody", "tr", "th", "td", "caption", "span", "div", "dl",
    "dt", "dd", "abbr", "mark", "small",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "class", "loading"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
    "*": {"id", "class"},
}


def _page_link(attrs: dict) -> str:
    resolver = active_resolver()
    page = resolver.get(Page, attrs.get("id")) if resolver else None
    if page is None:
        return "<a>"
    return f'<a href="{page_path(page)}">'


def _document_link(attrs: dict) -> str:
    resolver = active_resolver()
    document = resolver.get(document_model(), attrs.get("id")) if resolver else None
    if document is None:
        return "<a>"
    return f'<a href="{document.url}">'


def _image_embed(attrs: dict) -> str:
    resolver = active_resolver()
    image = resolver.image(attrs.get("id")) if resolver else None
    data = image_data(image, alt=attrs.get("alt")) if image is not None else None
    if data is None:
        return ""
    fmt = attrs.get("format") or "fullwidth"
    return (
        f'<img src="{data["src"]}" srcset="{data["srcset"]}" width="{data["width"]}" '
        f'height="{data["height"]}" alt="{_escape(data["alt"])}" class="richtext-image {fmt}" '
        'loading="lazy">'
    )


def _escape(text: str) -> str:
    return ((text or "").replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")).replace(
        ">", "&gt;"
    )


_LINKS = LinkRewriter(rules={"page": _page_link, "document": _document_link})
_EMBEDS = EmbedRewriter(rules={"image": _image_embed})


def rich_text_html(source: str) -> str:
    """Wagtail's stored rich text as HTML a browser renders: frontend paths, rendition URLs.

    The result is sanitised (no scripts, event handlers or ``javascript:`` links), whatever
    the source, so imported or hand-edited HTML cannot carry them to a frontend.
    """
    if not source:
        return ""
    with resolving() as resolver:
        resolver.collect_rich_text(source)
        resolver.load()
        html = _EMBEDS(_LINKS(source))
    return sanitise_html(html)


# A pure function of its argument, so memoising it per process can never serve stale HTML;
# the same paragraphs, bios and boilerplates are sanitised again on every render otherwise.
@functools.lru_cache(maxsize=4096)
def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener",
    )


# Block-level boundaries separate words even when the HTML has no whitespace between them.
BLOCK_BOUNDARY = re.compile(
    r"(?=<(?:/?(?:p|li|ul|ol|h[1-6]|div|tr|td|th|blockquote|pre|figcaption|dd|dt)\b|br\b))",
    re.IGNORECASE,
)


def plain_text(html: str) -> str:
    """Visible text of an HTML fragment (for word counts, summaries and search)."""
    text = nh3.clean(BLOCK_BOUNDARY.sub(" ", html or ""), tags=set())
    return re.sub(r"\s+", " ", _unescape(text)).strip()


def _unescape(text: str) -> str:
    import html as html_module

    return html_module.unescape(text)


# --- Video embeds ---------------------------------------------------------------------------

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


def parse_video_url(url: str) -> dict | None:
    """YouTube or Vimeo page URL → provider, id and a privacy-friendly embed URL; else None."""
    try:
        parsed = urlparse(url.strip())
    except ValueError:
        return None
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in {"http", "https"}:
        return None
    if host in YOUTUBE_HOSTS:
        video_id = ""
        if host == "youtu.be":
            video_id = parsed.path.strip("/").split("/")[0]
        elif parsed.path == "/watch":
            video_id = (parse_qs(parsed.query).get("v") or [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = parsed.path.split("/")[2]
        if re.fullmatch(r"[A-Za-z0-9_-]{6,20}", video_id):
            return {
                "provider": "youtube",
                "video_id": video_id,
                "embed_url": f"https://www.youtube-nocookie.com/embed/{video_id}",
            }
    if host in VIMEO_HOSTS:
        match = re.search(r"/(\d{3,12})(?:/|$)", parsed.path)
        if match:
            video_id = match.group(1)
            return {
                "provider": "vimeo",
                "video_id": video_id,
                "embed_url": f"https://player.vimeo.com/video/{video_id}?dnt=1",
            }
    return None


# --- Streams rendered without an active resolver (NewsBodyBlock) -----------------------------


def stream_data(stream_value, *, request=None) -> list[dict]:
    """A StreamField value as JSON, everything it refers to loaded in bulk first.

    The value is rebuilt from its raw data: a StreamValue that was read before (by search
    indexing, a word count, Wagtail's own serialiser) may hold chooser objects loaded without
    the resolver, drafts included.
    """
    resolver = active_resolver() or Resolver(request=request)
    stream_block = stream_value.stream_block
    raw_data = list(stream_value.raw_data)
    resolver.collect_stream(stream_block, raw_data)
    resolver.load()
    with resolving(resolver):
        fresh = stream_block.to_python(raw_data)
        return stream_block.get_api_representation(fresh, context={})


class ResolvedRichTextField(DRFField):
    """``APIField`` serializer for a RichTextField: browser-ready HTML (see rich_text_html)."""

    def to_representation(self, value) -> str:
        return rich_text_html(value or "")
