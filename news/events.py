"""The change-event bus: Wagtail's and Django's signals in, ``ChangeEvent`` objects out.

This is the one module that listens to model signals for what readers can see. Each signal
becomes a ``ChangeEvent`` (``news.change``) carrying what changed (object type and id, event
name), the pages it reaches through Wagtail's reference index and the frontend paths
(``news.fan_out``). Subscribers register in their ``AppConfig.ready``:

- ``subscribe(handler, when=IN_TRANSACTION)``: called inside the writer's transaction with a
  list of events (public or not): one event at once, or, inside ``delivered_together()``, every
  event of the block at its end. The API cache bumps its dependency versions there (other
  processes see the new versions exactly when they can see the new content) and the search
  index is updated there (a rolled-back publish leaves it untouched).
- ``subscribe(handler, when=AFTER_COMMIT)``: called with *public* events only, once the
  transaction has committed, merged into one event per editor action: per HTTP request when
  there is one (an admin "publish" POST, a bulk action), else per transaction. The webhooks
  and the CDN purge (``news.publishing``).

Model-level housekeeping that is not about what readers see stays with its model:
``news.renditions`` (renditions made in the background after an image upload) and
``news.svg`` (an SVG's size).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence

from asgiref.local import Local
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from wagtail import signals as wagtail_signals
from wagtail.images import get_image_model
from wagtail.models import Page

from news.change import ChangeEvent
from news.fan_out import content_change, fan_out_models, live_descendants, page_change

logger = logging.getLogger(__name__)

IN_TRANSACTION = "in_transaction"
AFTER_COMMIT = "after_commit"
# In-transaction subscribers receive a list of events, after-commit ones a single event.
Subscriber = Callable[[Sequence[ChangeEvent]], None] | Callable[[ChangeEvent], None]
_subscribers: dict[str, list[Subscriber]] = {IN_TRANSACTION: [], AFTER_COMMIT: []}
# Per thread (and per async task): the open delivered_together() queue, the pending
# transaction's and the current request's after-commit event.
_state = Local()

# A save() that only touches these fields is a draft being saved: readers see nothing new.
DRAFT_ONLY_FIELDS = frozenset(
    {
        "draft_title",
        "has_unpublished_changes",
        "latest_revision",
        "latest_revision_created_at",
        "locked",
        "locked_at",
        "locked_by",
        "live_revision",
    }
)
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


def subscribe(handler: Subscriber, *, when: str = AFTER_COMMIT) -> None:
    """Register ``handler`` (idempotent: a handler registered twice is called once)."""
    if handler not in _subscribers[when]:
        _subscribers[when].append(handler)


def emit(change: ChangeEvent) -> None:
    """Deliver a change: in-transaction subscribers now (or at the end of the enclosing
    ``delivered_together`` block), public events again after commit.

    Called from inside the writer's transaction when there is one. Changes made in one
    transaction become one after-commit event; changes made in one HTTP request too.
    """
    queue: list[ChangeEvent] | None = getattr(_state, "together", None)
    if queue is None:
        _deliver_in_transaction([change])
    elif change.kind == "deleted":
        # Announced before the row goes (pre_delete): subscribers read what it reaches now.
        queue.append(change)
        _flush_together(queue)
    else:
        queue.append(change)
    if not change.public:
        return
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


def _deliver_in_transaction(changes: list[ChangeEvent]) -> None:
    for handler in _subscribers[IN_TRANSACTION]:
        handler(changes)


def _flush_together(queue: list[ChangeEvent]) -> None:
    changes = queue[:]
    queue.clear()
    if changes:
        _deliver_in_transaction(changes)


@contextlib.contextmanager
def delivered_together() -> Iterator[None]:
    """The in-transaction subscribers get the block's changes in one list, at its end.

    For writers that change many objects in one transaction (an imported post with its
    people and organisations): the API cache then bumps its versions once and the search
    index builds each post once, instead of once per saved object. Use it inside the
    transaction, around all of its writes: the end of the block must come before the commit.
    Nested blocks deliver with the outermost one. A deletion is delivered at once, with what
    was queued before it (subscribers read what the row reaches before it goes). After-commit
    subscribers are not affected: they already get one event per transaction.
    """
    if getattr(_state, "together", None) is not None:
        yield
        return
    queue: list[ChangeEvent] = []
    _state.together = queue
    try:
        yield
    except BaseException:
        _state.together = None
        # If the caller's transaction survives the error, it must not miss these changes;
        # if it rolls back, this work rolls back with it. The original error wins.
        with contextlib.suppress(Exception):
            _flush_together(queue)
        raise
    _state.together = None
    _flush_together(queue)


# --- One event per editor action (after commit) -----------------------------------------------


class _PendingTransaction:
    """The public changes of the current transaction, released by its commit."""

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
    _deliver_after_commit(change)


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
        _deliver_after_commit(change)


def _deliver_after_commit(change: ChangeEvent) -> None:
    for handler in _subscribers[AFTER_COMMIT]:
        try:
            handler(change)
        except Exception:  # one subscriber's failure must not starve the others
            logger.exception("Change-event subscriber %s failed", handler.__name__)


# --- Signals → events -------------------------------------------------------------------------


def _safely(build):
    """Build and emit without ever breaking the editor's action (a failing fan-out is
    logged; the in-transaction subscribers' own errors are theirs to raise)."""

    def handler(*args, **kwargs):
        try:
            change = build(*args, **kwargs)
        except Exception:
            logger.exception("Change-event bus: %s failed", build.__name__)
            return
        if change is not None:
            emit(change)

    handler.__name__ = build.__name__
    return handler


def _internal(kind: str, instance: Model, action: str, **details) -> ChangeEvent:
    return ChangeEvent(
        f"{kind}.{action}", kind, instance.pk, public=False, instance=instance, details=details
    )


@_safely
def on_page_published(sender, instance: Page, **kwargs) -> ChangeEvent:
    return _with_instance(page_change(instance, "page.published"), instance)


@_safely
def on_page_unpublished(sender, instance: Page, **kwargs) -> ChangeEvent:
    name = "page.expired" if instance.expired else "page.unpublished"
    return _with_instance(page_change(instance, name), instance)


@_safely
def on_page_slug_changed(sender, instance: Page, instance_before: Page, **kwargs):
    if instance.live:
        change = page_change(instance, "page.slug_changed", old_url_path=instance_before.url_path)
        return _with_instance(change, instance)
    return None


@_safely
def on_page_moved(sender, instance: Page, parent_page_before: Page, url_path_before: str, **kw):
    if not instance.live and not live_descendants(instance):
        return _internal("page", instance, "moved")
    change = page_change(
        instance, "page.moved", old_url_path=url_path_before, old_parent=parent_page_before
    )
    return _with_instance(change, instance)


@_safely
def on_page_deleted(sender, instance: Page, **kwargs):
    # pre_delete: the row and the reference index still say where the page was.
    # Wagtail may already have set ``live = False`` on this instance: ask the database.
    if Page.objects.filter(pk=instance.pk, live=True).exists():
        return _with_instance(page_change(instance, "page.deleted"), instance)
    return _internal("page", instance, "deleted")


def _with_instance(change: ChangeEvent, instance: Model) -> ChangeEvent:
    change.instance = instance
    return change


def _snippet_type(sender) -> str | None:
    return sender._meta.model_name if sender in fan_out_models() else None


@_safely
def on_snippet_published(sender, instance: Model, **kwargs):
    if kind := _snippet_type(sender):
        return _with_instance(content_change(instance, f"{kind}.published", kind), instance)
    return None


@_safely
def on_snippet_unpublished(sender, instance: Model, **kwargs):
    if kind := _snippet_type(sender):
        action = "expired" if getattr(instance, "expired", False) else "unpublished"
        return _with_instance(content_change(instance, f"{kind}.{action}", kind), instance)
    return None


@_safely
def on_snippet_saved(sender, instance: Model, update_fields=None, raw=False, **kwargs):
    # A live row saved in code (not through publish) is visible too; draft saves are not.
    if raw or (update_fields is not None and set(update_fields) <= DRAFT_ONLY_FIELDS):
        return None
    return _internal(sender._meta.model_name, instance, "saved", update_fields=update_fields)


@_safely
def on_snippet_deleting(sender, instance: Model, **kwargs):
    kind = sender._meta.model_name
    if getattr(instance, "live", False):
        return _with_instance(content_change(instance, f"{kind}.deleted", kind), instance)
    return _internal(kind, instance, "deleted")


@_safely
def on_snippet_removed(sender, instance: Model, **kwargs):
    # post_delete: the rows that referred to it are gone too (search reindexes its posts).
    return _internal(sender._meta.model_name, instance, "removed")


@_safely
def on_image_pre_save(sender, instance: Model, raw: bool = False, update_fields=None, **kwargs):
    instance._newsroom_before = None
    if raw or instance.pk is None:
        return None
    if update_fields is not None and not set(update_fields) & set(IMAGE_VISIBLE_FIELDS):
        return None
    instance._newsroom_before = (
        sender.objects.filter(pk=instance.pk).values(*IMAGE_VISIBLE_FIELDS).first()
    )
    return None


@_safely
def on_image_saved(sender, instance: Model, created: bool = False, **kwargs):
    before = getattr(instance, "_newsroom_before", None)
    instance._newsroom_before = None
    if created or not before:
        return None
    changed = {
        name
        for name in IMAGE_VISIBLE_FIELDS
        if str(getattr(instance, name) or "") != str(before[name] or "")
    }
    if not changed:
        return None
    action = "replaced" if "file" in changed else "updated"
    return _with_instance(content_change(instance, f"image.{action}", "image"), instance)


@_safely
def on_image_deleted(sender, instance: Model, **kwargs):
    return _with_instance(content_change(instance, "image.deleted", "image"), instance)


def _on_setting_change(kind: str):
    """Categories, tags, documents, redirects, sites, view restrictions, navigation: no
    webhook (not editor publishing actions), but the API cache and the index must know."""

    @_safely
    def on_change(sender, instance: Model, created: bool = False, raw: bool = False, **kwargs):
        if raw:
            return None
        # ``created`` is bound above, so never in kwargs: which signal this is says it.
        action = "deleted" if kwargs.get("signal") is post_delete else "saved"
        return _internal(kind, instance, action, created=created)

    on_change.__name__ = f"on_{kind}_change"
    return on_change


def _setting_models() -> dict[str, type[Model]]:
    from taggit.models import Tag
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents import get_document_model
    from wagtail.models import CollectionViewRestriction, PageViewRestriction, Site

    from home.models import NavigationMenuItem, NavigationSettings
    from news.snippets import NewsCategory

    return {
        "category": NewsCategory,
        "tag": Tag,
        "document": get_document_model(),
        "redirect": Redirect,
        "site": Site,
        "page_restriction": PageViewRestriction,
        "collection_restriction": CollectionViewRestriction,  # documents become private
        "navigation": NavigationSettings,  # the site's menu (GET /api/v3/site/)
        "navigation_item": NavigationMenuItem,
    }


_connected = False


def connect_signals() -> None:
    """Wire every signal to the bus (idempotent; called from ``NewsConfig.ready``)."""
    global _connected
    if _connected:
        return
    _connected = True
    uid = "newsroom_events"
    wagtail_signals.page_published.connect(on_page_published, dispatch_uid=f"{uid}:published")
    wagtail_signals.page_unpublished.connect(on_page_unpublished, dispatch_uid=f"{uid}:unpublished")
    wagtail_signals.page_slug_changed.connect(on_page_slug_changed, dispatch_uid=f"{uid}:slug")
    wagtail_signals.post_page_move.connect(on_page_moved, dispatch_uid=f"{uid}:moved")
    # Every page model: the deletion collector sends pre_delete per concrete class.
    pre_delete.connect(on_page_deleted, sender=Page, dispatch_uid=f"{uid}:page-deleted")
    for model in fan_out_models():
        label = model._meta.label
        wagtail_signals.published.connect(
            on_snippet_published, sender=model, dispatch_uid=f"{uid}:pub:{label}"
        )
        wagtail_signals.unpublished.connect(
            on_snippet_unpublished, sender=model, dispatch_uid=f"{uid}:unpub:{label}"
        )
        post_save.connect(on_snippet_saved, sender=model, dispatch_uid=f"{uid}:save:{label}")
        pre_delete.connect(on_snippet_deleting, sender=model, dispatch_uid=f"{uid}:del:{label}")
        post_delete.connect(on_snippet_removed, sender=model, dispatch_uid=f"{uid}:gone:{label}")
    image_model = get_image_model()
    pre_save.connect(on_image_pre_save, sender=image_model, dispatch_uid=f"{uid}:img-pre")
    post_save.connect(on_image_saved, sender=image_model, dispatch_uid=f"{uid}:img-save")
    pre_delete.connect(on_image_deleted, sender=image_model, dispatch_uid=f"{uid}:img-del")
    for kind, model in _setting_models().items():
        handler = _on_setting_change(kind)
        post_save.connect(handler, sender=model, dispatch_uid=f"{uid}:save:{kind}", weak=False)
        post_delete.connect(handler, sender=model, dispatch_uid=f"{uid}:del:{kind}", weak=False)
    request_started.connect(_request_started, dispatch_uid=f"{uid}:request-started")
    request_finished.connect(_request_finished, dispatch_uid=f"{uid}:request-finished")
