"""Publishing to the outside world: each committed editor action → webhooks and CDN purge.

A subscriber of the change-event bus (``news.events``): it receives *public* events only,
after the writer's transaction has committed, merged into one event per editor action (one
HTTP request, else one transaction), and hands each to the webhook outbox
(``news.webhooks.delivery.send_event``: one durable delivery-log row per endpoint) and, when
configured, to the CDN purge. A rolled-back publish sends nothing; a draft save sends nothing.

What an event contains (the paths and API objects it reaches) is worked out by the bus
(``news.fan_out``), the same event the API cache and the search index receive, so they can
never disagree about what changed.
"""

from __future__ import annotations

import logging

from news import events
from news.change import ChangeEvent
from news.fan_out import (  # noqa: F401 (the publishing API other modules use)
    content_change,
    feed_paths,
    frontend_path,
    page_change,
    referencing_live_content,
)

logger = logging.getLogger(__name__)

__all__ = ["ChangeEvent", "dispatch", "connect"]


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


def connect() -> None:
    """Subscribe the webhooks to the bus (called from ``NewsConfig.ready``)."""
    events.subscribe(dispatch, when=events.AFTER_COMMIT)
