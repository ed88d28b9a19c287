"""What changed → which frontend paths and API objects: one ``ChangeEvent`` per editor action.

Signal handlers turn each publishing trigger into a ``ChangeEvent`` — event name, the object,
the frontend paths and the API objects it affects:

* pages: publish, unpublish, scheduled expiry, delete, move, slug change (the page, its live
  descendants under their old *and* new paths, its listing ancestors — news index, home —,
  the feeds, and every live page that links to it);
* Organisation / Person snippets: publish, unpublish, expiry, delete;
* images: file replaced, focal point / title / description changed, deleted.

Snippets and images fan out through Wagtail's reference index: every live page that refers
to them, directly or through another live snippet (an image used as an organisation's logo,
an organisation behind a quoted person), with those pages' listings and the feeds.

The same ``ChangeEvent`` drives everything that must forget old content, so they can never
disagree: the API response cache is invalidated as the change is recorded (inside the
writer's transaction), and after commit the merged event goes to the webhooks and, when
configured, the CDN (``news.webhooks``). Changes are merged into one event per editor action:
per HTTP request when there is one (an admin "publish" POST, a bulk action), else per
database transaction (``publish_scheduled`` publishes each page in its own).

Saving a draft changes nothing readers see, and sends nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asgiref.local import Local
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_delete, pre_save
from wagtail import signals as wagtail_signals
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex, Site

logger = logging.getLogger(__name__)

# The feeds list every post: any change to a live post changes them (NEWSROOM_FEED_PATHS).
DEFAULT_FEED_PATHS = ("/feed.xml", "/atom.xml")
# treebeard's materialised path: four characters per level.
TREE_STEP = 4
# Snippet → snippet → page chains are short; the bound only guards against cycles.
MAX_FAN_OUT_DEPTH = 4
# When several changes make up one action, the event is named after the strongest.
EVENT_STRENGTH = ("deleted", "expired", "unpublished", "moved", "slug_changed", "replaced")
# Image fields the API shows (renditions, crops, alt text): a change to any is visible.
IMAGE_VISIBLE_FIELDS = (
    "file",
    "title",
    "description",
    "focal_point_x",
    "focal_point_y",
    "focal_point_width",
    "focal_point_height",
)


def _strength(event_name: str) -> int:
    action = event_name.rsplit(".", 1)[-1]
    return EVENT_STRENGTH.index(action) if action in EVENT_STRENGTH else len(EVENT_STRENGTH)


@dataclass
class ChangeEvent:
    """One editor action as every consumer sees it."""

    event: str
    object_type: str
    object_id: int | str
    paths: set[str] = field(default_factory=set)
    objects: set[tuple[str, int | str]] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self.actions.add(self.event)
        self.objects.add((self.object_type, self.object_id))

    def merge(self, other: ChangeEvent) -> None:
        """Fold ``other`` into this event; the strongest action names the event."""
        if _strength(other.event) < _strength(self.event):
            self.event, self.object_type, self.object_id = (
                other.event,
                other.object_type,
                other.object_id,
            )
        self.paths |= other.paths
        self.objects |= other.objects
        self.actions |= other.actions

    def to_payload(self) -> dict:
        return {
            "id": self.id,
            "event": self.event,
            "actions": sorted(self.actions),
            "object": {"type": self.object_type, "id": self.object_id},
            "objects": [
                {"type": kind, "id": pk}
                for kind, pk in sorted(self.objects, key=lambda item: (item[0], str(item[1])))
            ],
            "paths": sorted(self.paths),
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
        }


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


def _live_descendants(page: Page) -> list[PageSpot]:
    rows = Page.objects.filter(
        path__startswith=page.path, depth__gt=page.depth, live=True
    ).values_list("pk", "path", "url_path")
    return [PageSpot(*row) for row in rows]


# --- Fan-out through the reference index ------------------------------------------------------


def feed_paths() -> list[str]:
    return list(getattr(settings, "NEWSROOM_FEED_PATHS", DEFAULT_FEED_PATHS))


def _fan_out_models() -> tuple[type[Model], ...]:
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
        ContentType.objects.get_for_model(model).pk: model for model in _fan_out_models()
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
    spots = [_spot(page), *_live_descendants(page)]
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


# --- One event per editor action --------------------------------------------------------------

_state = Local()


def _invalidate_api_cache(change: ChangeEvent) -> None:
    from news import api_cache

    api_cache.invalidate(f"{change.event} {change.object_type} {change.object_id}")


def record(change: ChangeEvent) -> None:
    """Note a change: the API cache forgets now; webhooks and CDN hear after commit.

    Called from inside the writer's transaction (when there is one). Changes made in one
    transaction become one event; changes made in one HTTP request become one event.
    """
    _invalidate_api_cache(change)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _committed(change)
        return
    pending: _PendingTransaction | None = getattr(_state, "pending", None)
    if pending is not None and pending.is_registered(connection):
        pending.change.merge(change)
        return
    pending = _PendingTransaction(change)
    _state.pending = pending
    transaction.on_commit(pending.committed)


class _PendingTransaction:
    """The changes of the current transaction, released by its commit."""

    def __init__(self, change: ChangeEvent) -> None:
        self.change = change

    def is_registered(self, connection) -> bool:
        # A rolled-back transaction drops its callbacks: this one is then stale.
        return any(func == self.committed for _sids, func, *_rest in connection.run_on_commit)

    def committed(self) -> None:
        if getattr(_state, "pending", None) is self:
            _state.pending = None
        _committed(self.change)


def _committed(change: ChangeEvent) -> None:
    scope: ChangeEvent | None = getattr(_state, "request_change", None)
    if getattr(_state, "in_request", False):
        if scope is None:
            _state.request_change = change
        else:
            scope.merge(change)
        return
    dispatch(change)


def _request_started(**kwargs) -> None:
    _flush_request()  # a request that never finished (should not happen) still delivers
    _state.in_request = True


def _request_finished(**kwargs) -> None:
    _flush_request()


def _flush_request() -> None:
    change = getattr(_state, "request_change", None)
    _state.in_request = False
    _state.request_change = None
    if change is not None:
        dispatch(change)


def dispatch(change: ChangeEvent) -> None:
    """Hand a finished, committed event to the webhooks and the CDN purge (never raises)."""
    from news.webhooks import delivery as webhooks

    logger.info(
        "%s %s %s: %d path(s)",
        change.event,
        change.object_type,
        change.object_id,
        len(change.paths),
    )
    try:
        webhooks.send_event(change)
    except Exception:  # publishing must never fail because of delivery
        logger.exception("Could not queue webhooks for %s", change.event)
    try:
        webhooks.queue_frontend_cache_purge(sorted(change.paths))
    except Exception:
        logger.exception("Could not queue the frontend cache purge for %s", change.event)


# --- Signal handlers --------------------------------------------------------------------------


def _safely(build):
    """Run a handler without ever breaking the editor's action."""

    def handler(*args, **kwargs):
        try:
            build(*args, **kwargs)
        except Exception:
            logger.exception("Publishing pipeline: %s failed", build.__name__)

    handler.__name__ = build.__name__
    return handler


@_safely
def on_page_published(sender, instance: Page, **kwargs) -> None:
    record(page_change(instance, "page.published"))


@_safely
def on_page_unpublished(sender, instance: Page, **kwargs) -> None:
    record(page_change(instance, "page.expired" if instance.expired else "page.unpublished"))


@_safely
def on_page_slug_changed(sender, instance: Page, instance_before: Page, **kwargs) -> None:
    if instance.live:
        record(page_change(instance, "page.slug_changed", old_url_path=instance_before.url_path))


@_safely
def on_page_moved(
    sender, instance: Page, parent_page_before: Page, url_path_before: str, **kwargs
) -> None:
    if not instance.live and not _live_descendants(instance):
        return
    record(
        page_change(
            instance,
            "page.moved",
            old_url_path=url_path_before,
            old_parent=parent_page_before,
        )
    )


@_safely
def on_page_deleted(sender, instance: Page, **kwargs) -> None:
    # pre_delete: the row and the reference index still say where the page was.
    # Wagtail may already have set ``live = False`` on this instance: ask the database.
    if Page.objects.filter(pk=instance.pk, live=True).exists():
        record(page_change(instance, "page.deleted"))


def _snippet_type(sender) -> str | None:
    return sender._meta.model_name if sender in _fan_out_models() else None


@_safely
def on_snippet_published(sender, instance: Model, **kwargs) -> None:
    if kind := _snippet_type(sender):
        record(content_change(instance, f"{kind}.published", kind))


@_safely
def on_snippet_unpublished(sender, instance: Model, **kwargs) -> None:
    if kind := _snippet_type(sender):
        action = "expired" if getattr(instance, "expired", False) else "unpublished"
        record(content_change(instance, f"{kind}.{action}", kind))


@_safely
def on_snippet_deleted(sender, instance: Model, **kwargs) -> None:
    if (kind := _snippet_type(sender)) and getattr(instance, "live", False):
        record(content_change(instance, f"{kind}.deleted", kind))


@_safely
def on_image_pre_save(
    sender, instance: Model, raw: bool = False, update_fields=None, **kwargs
) -> None:
    instance._newsroom_before = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(IMAGE_VISIBLE_FIELDS):
        return
    instance._newsroom_before = (
        sender.objects.filter(pk=instance.pk).values(*IMAGE_VISIBLE_FIELDS).first()
    )


@_safely
def on_image_saved(sender, instance: Model, created: bool = False, **kwargs) -> None:
    before = getattr(instance, "_newsroom_before", None)
    instance._newsroom_before = None
    if created or not before:
        return
    changed = {
        name
        for name in IMAGE_VISIBLE_FIELDS
        if str(getattr(instance, name) or "") != str(before[name] or "")
    }
    if changed:
        action = "replaced" if "file" in changed else "updated"
        record(content_change(instance, f"image.{action}", "image"))


@_safely
def on_image_deleted(sender, instance: Model, **kwargs) -> None:
    record(content_change(instance, "image.deleted", "image"))


_connected = False


def connect_signals() -> None:
    """Wire the triggers (idempotent; called from ``NewsConfig.ready``)."""
    global _connected
    if _connected:
        return
    _connected = True
    uid = "newsroom_publishing"
    wagtail_signals.page_published.connect(on_page_published, dispatch_uid=f"{uid}:published")
    wagtail_signals.page_unpublished.connect(on_page_unpublished, dispatch_uid=f"{uid}:unpublished")
    wagtail_signals.page_slug_changed.connect(on_page_slug_changed, dispatch_uid=f"{uid}:slug")
    wagtail_signals.post_page_move.connect(on_page_moved, dispatch_uid=f"{uid}:moved")
    # Every page model: the deletion collector sends pre_delete per concrete class.
    pre_delete.connect(on_page_deleted, sender=Page, dispatch_uid=f"{uid}:page-deleted")
    for model in _fan_out_models():
        label = model._meta.label
        wagtail_signals.published.connect(
            on_snippet_published, sender=model, dispatch_uid=f"{uid}:pub:{label}"
        )
        wagtail_signals.unpublished.connect(
            on_snippet_unpublished, sender=model, dispatch_uid=f"{uid}:unpub:{label}"
        )
        pre_delete.connect(on_snippet_deleted, sender=model, dispatch_uid=f"{uid}:del:{label}")
    image_model = get_image_model()
    pre_save.connect(on_image_pre_save, sender=image_model, dispatch_uid=f"{uid}:img-pre")
    post_save.connect(on_image_saved, sender=image_model, dispatch_uid=f"{uid}:img-save")
    pre_delete.connect(on_image_deleted, sender=image_model, dispatch_uid=f"{uid}:img-del")
    request_started.connect(_request_started, dispatch_uid=f"{uid}:request-started")
    request_finished.connect(_request_finished, dispatch_uid=f"{uid}:request-finished")
