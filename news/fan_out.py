"""What a change reaches: frontend paths, and the live pages and snippets that show an object.

The fan-out of the change-event bus (``news.events``): a page's own path, its live
descendants (under old and new paths after a move or a slug change), its listing ancestors,
the feeds, and every live page that links to it; a snippet's or an image's live referrers,
found in Wagtail's reference index, also through live snippets (an image → the organisation
whose logo it is → the posts carrying that organisation).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from wagtail.models import Page, ReferenceIndex, Site

from news.change import ChangeEvent

# The feeds list every post: any change to a live post changes them (NEWSROOM_FEED_PATHS).
DEFAULT_FEED_PATHS = ("/feed.xml", "/atom.xml")
# treebeard's materialised path: four characters per level.
TREE_STEP = 4
# Snippet → snippet → page chains are short; the bound only guards against cycles.
MAX_FAN_OUT_DEPTH = 4


# --- Paths ------------------------------------------------------------------------------------


def frontend_path(url_path: str) -> str | None:
    """A Wagtail ``url_path`` (``/home/news/post/``) as the frontend's path (``/news/post/``).

    Matches what ``news.read.resolver.page_path`` gives for live pages, and also works for paths
    a page no longer has (before a move or a slug change). None when no site serves it.
    """
    best = None
    for root in Site.get_site_root_paths():
        if url_path.startswith(root.root_path) and (
            best is None or len(root.root_path) > len(best)
        ):
            best = root.root_path
    if best is None:
        return None
    return "/" + url_path[len(best) :]


@dataclass(frozen=True)
class PageSpot:
    """Where a page sits: enough to compute its path and its ancestors' without loading it."""

    pk: int
    tree_path: str
    url_path: str


def _spot(page: Page) -> PageSpot:
    return PageSpot(page.pk, page.path, page.url_path)


def _listing_paths(spots: Iterable[PageSpot]) -> set[str]:
    """Frontend paths of the live ancestors (news index, home) of these pages."""
    ancestor_tree_paths = {
        spot.tree_path[:end]
        for spot in spots
        # depth 1 is Wagtail's invisible root: start at depth 2
        for end in range(2 * TREE_STEP, len(spot.tree_path), TREE_STEP)
    }
    if not ancestor_tree_paths:
        return set()
    url_paths = Page.objects.filter(path__in=ancestor_tree_paths, live=True).values_list(
        "url_path", flat=True
    )
    return {path for path in map(frontend_path, url_paths) if path}


def _paths_for(spots: Iterable[PageSpot], *, with_feeds: bool = True) -> set[str]:
    spots = list(spots)
    if not spots:
        return set()
    paths = {path for path in (frontend_path(spot.url_path) for spot in spots) if path}
    paths |= _listing_paths(spots)
    if with_feeds:
        paths.update(feed_paths())
    return paths


def live_descendants(page: Page) -> list[PageSpot]:
    rows = Page.objects.filter(
        path__startswith=page.path, depth__gt=page.depth, live=True
    ).values_list("pk", "path", "url_path")
    return [PageSpot(*row) for row in rows]


# --- Fan-out through the reference index ------------------------------------------------------


def feed_paths() -> list[str]:
    return list(getattr(settings, "NEWSROOM_FEED_PATHS", DEFAULT_FEED_PATHS))


def fan_out_models() -> tuple[type[Model], ...]:
    from news.snippets import Organisation, Person

    return (Organisation, Person)


def referencing_live_content(
    objects: Iterable[Model], *, through_snippets: bool = True
) -> tuple[list[PageSpot], set[tuple[str, int]]]:
    """Live pages (and live snippets) that show ``objects``, found in the reference index.

    With ``through_snippets``, references are followed through live Organisations and People
    (an image → the organisation whose logo it is → the posts carrying that organisation).
    Pages end a chain: a page linking to a page is affected, its own referrers are not.
    """
    snippet_models = {
        ContentType.objects.get_for_model(model).pk: model for model in fan_out_models()
    }
    page_type_id = ContentType.objects.get_for_model(Page).pk
    pages: dict[int, PageSpot] = {}
    snippets: set[tuple[str, int]] = set()
    frontier = [obj for obj in objects if obj.pk is not None]
    seen = {(ReferenceIndex._get_base_content_type(obj).pk, str(obj.pk)) for obj in frontier}
    for _depth in range(MAX_FAN_OUT_DEPTH):
        if not frontier:
            break
        wanted: dict[int, set[str]] = defaultdict(set)
        rows = (
            ReferenceIndex.get_references_to_in_bulk(frontier)
            .values_list("base_content_type_id", "object_id")
            .distinct()
        )
        for type_id, object_id in rows:
            if (type_id, object_id) not in seen:
                seen.add((type_id, object_id))
                wanted[type_id].add(object_id)
        frontier = []
        for type_id, ids in wanted.items():
            if type_id == page_type_id:
                for pk, tree_path, url_path in Page.objects.filter(
                    pk__in=ids, live=True
                ).values_list("pk", "path", "url_path"):
                    pages[pk] = PageSpot(pk, tree_path, url_path)
            elif through_snippets and type_id in snippet_models:
                model = snippet_models[type_id]
                live = list(model.objects.filter(pk__in=ids, live=True))
                snippets.update((model._meta.model_name, obj.pk) for obj in live)
                frontier.extend(live)
    return list(pages.values()), snippets


# --- Building events --------------------------------------------------------------------------


def page_change(
    page: Page,
    event: str,
    *,
    old_url_path: str | None = None,
    old_parent: Page | None = None,
) -> ChangeEvent:
    """The event for a page: itself, its live descendants, listings, feeds, linking pages.

    ``old_url_path`` is where the page was before a move or a slug change: its descendants'
    old paths are derived from it. ``old_parent``: the parent it was moved away from.
    """
    spots = [_spot(page), *live_descendants(page)]
    paths = _paths_for(spots)
    if old_parent is not None:
        # the old parent's listing (and its ancestors') loses the page
        paths |= _listing_paths([PageSpot(page.pk, old_parent.path + "0" * TREE_STEP, "")])
    if old_url_path and old_url_path != page.url_path:
        for spot in spots:
            old = frontend_path(old_url_path + spot.url_path[len(page.url_path) :])
            if old:
                paths.add(old)
    linking_pages, _ = referencing_live_content([page], through_snippets=False)
    paths |= _paths_for(linking_pages, with_feeds=False)
    objects = {("page", spot.pk) for spot in [*spots, *linking_pages]}
    return ChangeEvent(event, "page", page.pk, paths=paths, objects=objects)


def content_change(obj: Model, event: str, object_type: str) -> ChangeEvent:
    """The event for a snippet or an image: every live page that shows it, and their lists."""
    pages, snippets = referencing_live_content([obj])
    objects = {("page", spot.pk) for spot in pages} | snippets
    return ChangeEvent(event, object_type, obj.pk, paths=_paths_for(pages), objects=objects)
