"""The Resolver: everything one render refers to, loaded in bulk, and the render's context.

A render (a page, a list of cards, a list of people) first notes every object it will show —
``want``/``want_image``/``collect_stream``/``collect_rich_text`` — then ``load()``s them, one
query per kind (images and their renditions in two), then builds its JSON *inside* the
resolver. The query count of a render therefore does not grow with its blocks or items.

The render's context is the active resolver, and nothing else. It is held in a ContextVar
(each thread and each asyncio task has its own), set by ``with resolving(resolver):`` and read
by ``active_resolver()``. It carries everything the JSON builders need to know about the
render:

* ``request``: the site a page path is relative to (``page_path``);
* ``include_drafts``: a preview (drafts of snippets and pages shown) or a public render;
* ``generation``: the content generation the request read (``request._newsroom_generation``,
  set by ``cms.api.http``); public renders read rows through the row cache under it
  (``news.api_cache``), previews never;
* what was loaded, what is missing (not visible: rendered as absent), rendition data found in
  the shared cache, and JSON already built in this render (``memoised``).

Code that builds JSON without an active resolver still works (a chooser block falls back to
Wagtail's own loading), but ``NewsBodyBlock`` and ``rich_text_html`` start one themselves, so
no stray call can show a draft.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from wagtail import blocks
from wagtail.models import Page
from wagtail.models import pages as wagtail_pages
from wagtail.rich_text.rewriters import extract_attrs

from news import api_cache
from news.read import near_cache, rendition_cache
from news.read.selectors import document_model, image_model, referenced_rows, renditions_by_image
from news.snippets import Organisation, Person

_active: ContextVar[Resolver | None] = ContextVar("newsroom_resolver", default=None)

RICH_TEXT_REF = re.compile(r"<(?:a|embed)\b([^>]*)>")


def active_resolver() -> Resolver | None:
    """The resolver of the render in progress in this thread or task, if any."""
    return _active.get()


def _dependency_kind(model: type[Model]) -> str:
    """The tag kind of a resolver key: page, image, document, person, organisation."""
    if model is Page:
        return "page"
    if model is image_model()._meta.concrete_model:
        return "image"
    if model is document_model()._meta.concrete_model:
        return "document"
    return model._meta.model_name


class Resolver:
    """Bulk loader for everything that streams and pages refer to.

    Use: ``want_*``/``collect_*`` to note what is needed, ``load()`` once, then build the JSON
    inside ``with resolving(resolver):``. Unpublished snippets and pages are left out unless
    ``include_drafts`` (editor preview) is set.
    """

    def __init__(self, *, request: Any = None, include_drafts: bool = False) -> None:
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
        # quotes and bios): built once, handed out as copies (``memoised``).
        self.built: dict[tuple, dict] = {}
        # Where Wagtail's serve view starts, reversed once per render (``page_path``).
        self.serve_prefix: str | None = None

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

    def want_person_images(self, person: Model) -> None:
        """A loaded person's headshot and their (visible) organisation's logo."""
        self.want_image(person.headshot_id)
        if person.organisation_id and self.visible(person.organisation):
            self.want_image(person.organisation.logo_id)

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
        self._load(Person)
        for person in self.loaded[Person].values():
            self.want_person_images(person)
            if person.organisation_id and self.visible(person.organisation):
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

    def _load(self, model: type[Model]) -> dict[int, Model]:
        """Rows of ``model`` wanted and not yet known: from the row cache, then the database."""
        key = self._key(model)
        ids = self.wanted.pop(key, set()) - set(self.loaded[key]) - self.missing[key]
        if not ids:
            return {}
        found, absent = self._cached_rows(key, ids)
        ids -= set(found) | absent
        if ids:
            rows = {
                obj.pk: obj for obj in referenced_rows(key, ids, include_drafts=self.include_drafts)
            }
            self._remember_rows(key, rows, ids - set(rows))
            found.update(rows)
            absent |= ids - set(rows)
        self.loaded[key].update(found)
        self.missing[key].update(absent)
        return found

    def _cached_rows(self, model: type[Model], ids: set[int]) -> tuple[dict[int, Model], set]:
        if self.generation is None:
            return {}, set()
        return api_cache.get_rows(self.generation, model._meta.label_lower, ids)

    def _remember_rows(self, model: type[Model], rows: dict[int, Model], absent: set) -> None:
        if self.generation is not None:
            api_cache.set_rows(self.generation, model._meta.label_lower, rows, absent)

    def _load_images(self) -> None:
        """Image rows (one query), their rendition data from the shared cache; renditions
        themselves are read later (``fetch_renditions``) only for images the cache lacks."""
        images = self._load(image_model())
        keys = {}
        for image in images.values():
            keys[rendition_cache.rendition_cache_key(image, "std")] = (image.pk, "std")
            if image.pk in self.social_images:
                keys[rendition_cache.rendition_cache_key(image, "social")] = (image.pk, "social")
        cacheable = keys and rendition_cache.cacheable()
        found = near_cache.get_many(rendition_cache.ALIAS, keys) if cacheable else {}
        for key, value in found.items():
            pk, kind = keys[key]
            self.cached_renditions.setdefault(pk, {})[kind] = value
        for image in images.values():
            held = self.cached_renditions.get(image.pk, {})
            if "std" not in held or (image.pk in self.social_images and "social" not in held):
                # Read only when one of them is rendered: an image that was wanted but is
                # not shown costs nothing.
                self.rendition_misses[image.pk] = image

    def fetch_renditions(self) -> None:
        """Renditions of every loaded image the rendition cache did not have (one query)."""
        short = [
            image
            for image in self.rendition_misses.values()
            if not hasattr(image, "prefetched_renditions")
        ]
        if not short:
            return
        specs = rendition_cache.RENDITION_SPECS + tuple(
            sorted(self.extra_specs | {rendition_cache.SOCIAL_IMAGE_SPEC})
        )
        renditions = renditions_by_image([image.pk for image in short], specs)
        for image in short:
            image.prefetched_renditions = renditions[image.pk]

    def visible(self, obj: Model) -> bool:
        """Whether a related row (e.g. a person's organisation) may be shown in this render."""
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
def resolving(resolver: Resolver | None = None) -> Iterator[Resolver]:
    """Make ``resolver`` the render's context (or keep the active one, or start a fresh one)
    for the duration of the block."""
    current = resolver or active_resolver() or Resolver()
    if active_resolver() is current:
        yield current
        return
    token = _active.set(current)
    try:
        yield current
    finally:
        _active.reset(token)


def memoised(kind: str, pk: Any, extra: Any, build: Callable[[], dict]) -> dict:
    """``build()``, memoised on the active resolver for (kind, pk, extra); a shallow copy."""
    resolver = active_resolver()
    if resolver is None or pk is None:
        return build()
    key = (kind, pk, extra)
    if key not in resolver.built:
        resolver.built[key] = build()
    return dict(resolver.built[key])


# A path below a site root whose reverse() is the serve prefix followed by the path itself:
# ASCII slugs (what reverse() leaves unquoted) that Wagtail's serve pattern matches.
_PLAIN_PATH = re.compile(r"(?:[A-Za-z0-9_\-]+/)*")


def page_path(page: Page | None) -> str:
    """The page's path on the frontend, e.g. ``/news/some-post/`` ("" when not routable),
    relative to the site of the render's request: what Wagtail's ``Page.get_url_parts``
    gives (``tests/test_page_path.py`` compares them).

    A listing builds a path per card: rather than ``reverse()`` per page (a sixth of a cold
    listing's CPU), the serve view's prefix is reversed once per render and the page's path
    below its site root appended, when that path is plain ASCII slugs and the page belongs to
    one site; anything else (several sites, i18n, Unicode slugs, a page type with its own
    routing) goes through Wagtail."""
    if page is None:
        return ""
    resolver = active_resolver()
    request = resolver.request if resolver else None
    sites = page._get_relevant_site_root_paths(request)
    if not sites:
        return ""
    rest = page.url_path[len(sites[0].root_path) :]
    if (
        resolver is not None
        and type(page).get_url_parts is Page.get_url_parts  # no custom routing
        and not settings.WAGTAIL_I18N_ENABLED
        and all(site.site_id == sites[0].site_id for site in sites)
        and _PLAIN_PATH.fullmatch(rest)
    ):
        if resolver.serve_prefix is None:
            resolver.serve_prefix = _serve_prefix()
        if resolver.serve_prefix:
            path = resolver.serve_prefix + rest
            return path if wagtail_pages.WAGTAIL_APPEND_SLASH or path == "/" else path.rstrip("/")
    parts = page.get_url_parts(request=request)
    return parts[2] if parts else ""


def _serve_prefix() -> str:
    """Where Wagtail's serve view starts (the script prefix included); "" when it is not
    routed (a page path then comes from Wagtail, as for any other case)."""
    try:
        return reverse("wagtail_serve", args=("",))
    except NoReverseMatch:
        return ""


def stream_data(stream_value: Any, *, request: Any = None) -> list[dict]:
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
