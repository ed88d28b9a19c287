"""The delivery log as an outbox: which rows are due, who holds them, how long things last.

A row is *due* while it is pending or retrying, its ``next_attempt_at`` has come and no
sender holds its lease (``claimed_until``). A sender takes a row for one attempt with one
conditional UPDATE (:func:`claim`: the row changes only if it is still due), so with any
number of threads, processes and machines each attempt is made once and a delivered row is
never sent again. A sender that dies mid-POST loses nothing: its lease runs out and the next
sweep sends the row (the receiver may then see that event twice; the event id tells it so).

Only database work lives here; sending is :mod:`news.webhooks.delivery`.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from news.webhooks.models import ACTIVE_STATUSES, DeliveryLog

logger = logging.getLogger(__name__)

PRUNE_MARKER_KEY = "newsroom:webhooks:last-prune"


# --- Settings, read at use so tests can override them -----------------------------------------


def webhook_urls() -> list[str]:
    """The configured endpoints (``NEWSROOM_WEBHOOK_URLS``); empty: webhooks are off."""
    return list(getattr(settings, "NEWSROOM_WEBHOOK_URLS", []) or [])


def retry_window() -> timedelta:
    """How long after an event (or a resend) retryable failures are retried."""
    return timedelta(hours=max(0.0, float(getattr(settings, "NEWSROOM_WEBHOOK_RETRY_HOURS", 24))))


def request_timeout() -> float:
    """Seconds one POST may take."""
    return float(getattr(settings, "NEWSROOM_WEBHOOK_TIMEOUT", 5.0))


def lease_seconds() -> float:
    """How long a claim lasts: always longer than one POST may take."""
    lease = float(getattr(settings, "NEWSROOM_WEBHOOK_LEASE", 60))
    # A lease that ran out mid-POST would let a second sender POST the same attempt.
    return max(lease, request_timeout() + 10.0)


def backoff_delay(attempts_made: int) -> float:
    """Seconds before the next attempt: BACKOFF, doubling per attempt, capped at MAX_BACKOFF."""
    base = float(getattr(settings, "NEWSROOM_WEBHOOK_BACKOFF", 2.0))
    cap = float(getattr(settings, "NEWSROOM_WEBHOOK_MAX_BACKOFF", 600.0))
    # The exponent is bounded so that a day of attempts cannot overflow a float.
    return min(base * (2 ** min(max(0, attempts_made - 1), 60)), max(cap, base))


def max_attempts() -> int:
    """The cap on attempts (``NEWSROOM_WEBHOOK_MAX_ATTEMPTS``); 0: the time window decides."""
    return int(getattr(settings, "NEWSROOM_WEBHOOK_MAX_ATTEMPTS", 0) or 0)


# --- Due rows and leases ----------------------------------------------------------------------


def lease_free(now: datetime) -> Q:
    """Rows no sender holds at ``now``."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def due(now: datetime) -> Q:
    """Rows to send at ``now``: active, their time come, and free."""
    return Q(status__in=ACTIVE_STATUSES, next_attempt_at__lte=now) & lease_free(now)


def add_deliveries(
    *, event_id: str, event: str, object_type: str, object_id: str, body: str
) -> list[DeliveryLog]:
    """Write one row per configured endpoint, due now; none when webhooks are off."""
    now = timezone.now()
    return [
        DeliveryLog.objects.create(
            event_id=event_id,
            event=event,
            object_type=object_type,
            object_id=object_id,
            endpoint=url,
            payload=body,
            created_at=now,
            next_attempt_at=now,
            retry_until=now + retry_window(),
        )
        for url in webhook_urls()
    ]


def reopen(delivery: DeliveryLog) -> bool:
    """Make a logged row due again now (attempts and retry window start afresh).

    False, and nothing changes, while a sender holds it: it is being sent at this moment.
    """
    now = timezone.now()
    changes = {
        "status": DeliveryLog.Status.PENDING,
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": now,
        "retry_until": now + retry_window(),
    }
    if not DeliveryLog.objects.filter(lease_free(now), pk=delivery.pk).update(**changes):
        return False
    for name, value in changes.items():
        setattr(delivery, name, value)
    return True


def new_sender_id() -> str:
    """Who holds a claim: host and process (shown in the admin), plus a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(delivery_id: int, sender: str, *, now: datetime | None = None) -> DeliveryLog | None:
    """Take a due delivery for one attempt, or None when it is not due or another sender has it.

    One conditional UPDATE: of two senders racing for the row, the database lets exactly one
    match (PostgreSQL re-checks the condition on the row the winner committed; SQLite runs
    writes one at a time).
    """
    now = now or timezone.now()
    until = now + timedelta(seconds=lease_seconds())
    taken = DeliveryLog.objects.filter(due(now), pk=delivery_id).update(
        claimed_until=until, claimed_by=sender
    )
    if taken != 1:
        return None
    return DeliveryLog.objects.filter(pk=delivery_id, claimed_by=sender).first()


def release(delivery_id: int, sender: str) -> None:
    """Give a claimed row back untouched (the attempt could not be made)."""
    DeliveryLog.objects.filter(pk=delivery_id, claimed_by=sender).update(
        claimed_until=None, claimed_by=""
    )


def next_wait(delivery_id: int, now: datetime) -> datetime | None:
    """When a free, active row is next due; None if it is held, finished or gone."""
    return (
        DeliveryLog.objects.filter(lease_free(now), pk=delivery_id, status__in=ACTIVE_STATUSES)
        .values_list("next_attempt_at", flat=True)
        .first()
    )


# --- Pruning ----------------------------------------------------------------------------------


def prune_deliveries(older_than_days: int | None = None) -> int:
    """Delete log rows older than ``NEWSROOM_WEBHOOK_LOG_DAYS``; returns how many.

    Rows still waiting to be sent are kept whatever their age: the log is the outbox.
    """
    days = older_than_days
    if days is None:
        days = int(getattr(settings, "NEWSROOM_WEBHOOK_LOG_DAYS", 30))
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = (
        DeliveryLog.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=ACTIVE_STATUSES, next_attempt_at__isnull=False)
        .delete()
    )
    return deleted


def maybe_prune() -> None:
    """Prune at most once an hour per cache, piggybacking on a finished delivery."""
    try:
        if cache.add(PRUNE_MARKER_KEY, 1, timeout=3600):
            prune_deliveries()
    except Exception:  # pruning is housekeeping: never let it fail a delivery
        logger.warning("Pruning the webhook delivery log failed", exc_info=True)
