"""Sending webhooks: the signed POST, its outcome, retries, the sweep, and the CDN purge.

:func:`send_event` is what the publishing pipeline calls with each finished, committed
event: one delivery-log row per endpoint (:mod:`news.webhooks.outbox`), then one background
task per row (:func:`deliver_webhook`) on the ``"newsroom"`` task alias (:mod:`tasks`). The
task claims the row, POSTs the event's JSON with the signature (:mod:`news.webhooks.signing`)
and records the answer.

Timeouts, connection errors and 5xx answers are retried: ``NEWSROOM_WEBHOOK_BACKOFF``
seconds, doubling per attempt up to ``NEWSROOM_WEBHOOK_MAX_BACKOFF``, until
``NEWSROOM_WEBHOOK_RETRY_HOURS`` after the event (or ``NEWSROOM_WEBHOOK_MAX_ATTEMPTS``
attempts, when that is > 0); a retryable failure after that is final. Any other answer (3xx,
4xx) is final at once. The queued retry is the fast path only: whatever the task backend,
:func:`deliver_due` (``manage.py deliver_webhooks``, from cron or ``--loop``) sends every due
row, so retries outlive the process that scheduled them.

This module never imports the publishing pipeline: an event is anything shaped like
:class:`WebhookEvent`.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from news.webhooks import outbox
from news.webhooks.models import DeliveryLog
from news.webhooks.signing import request_headers
from tasks.backends import background_alias

logger = logging.getLogger(__name__)

# How much of an error answer is kept in the log (enough to see what the receiver said).
ERROR_SNIPPET_CHARS = 300


class WebhookEvent(Protocol):
    """What a webhook needs of an event (``news.publishing.ChangeEvent`` is one)."""

    id: str
    event: str
    object_type: str
    object_id: int | str

    def to_payload(self) -> dict: ...


# --- Queueing ---------------------------------------------------------------------------------


def event_body(event: WebhookEvent) -> str:
    """The JSON text that is signed and sent (compact, keys sorted: stable bytes)."""
    return json.dumps(event.to_payload(), sort_keys=True, separators=(",", ":"))


def send_event(event: WebhookEvent) -> list[DeliveryLog]:
    """Log one delivery per endpoint, due now, and queue them; returns at once."""
    if not outbox.webhook_urls():
        return []
    deliveries = outbox.add_deliveries(
        event_id=event.id,
        event=event.event,
        object_type=event.object_type,
        object_id=str(event.object_id),
        body=event_body(event),
    )
    for delivery in deliveries:
        queue_delivery(delivery.pk)
    return deliveries


def queue_delivery(delivery_id: int, *, at: datetime | None = None) -> bool:
    """Queue an attempt now or at ``at``; False when the backend cannot defer (the sweep will)."""
    job = deliver_webhook.using(backend=background_alias())
    if at is not None and at > timezone.now():
        if not job.get_backend().supports_defer:
            return False
        job = job.using(run_after=at)
    job.enqueue(delivery_id)
    return True


def resend(delivery: DeliveryLog) -> bool:
    """Send a logged delivery again (same body and event id, fresh signature, attempts, window).

    False, and nothing changes, while a sender holds it: it is being sent at this moment.
    """
    if not outbox.reopen(delivery):
        return False
    queue_delivery(delivery.pk)
    return True


# --- One attempt ------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A webhook POST is never replayed to another URL: a redirect is an answer like a 4xx.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(delivery: DeliveryLog) -> tuple[int | None, str]:
    """One POST; returns (status code or None for no answer, error text)."""
    body = delivery.payload.encode()
    headers = request_headers(
        body,
        event=delivery.event,
        event_id=delivery.event_id,
        secret=getattr(settings, "NEWSROOM_WEBHOOK_SECRET", "") or "",
        timestamp=int(time.time()),
    )
    request = urllib.request.Request(delivery.endpoint, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=outbox.request_timeout()) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        text = error.read(ERROR_SNIPPET_CHARS).decode(errors="replace")
        return error.code, text
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(error).__name__}: {reason}"[:ERROR_SNIPPET_CHARS]


@dataclass(frozen=True)
class Attempt:
    """What one call of :func:`attempt_delivery` did."""

    outcome: str  # "delivered", "retrying", "failed", or "skipped" (not due, or taken)
    delivery: DeliveryLog | None = None
    # No answer or a 5xx: the endpoint, not this event, is the trouble.
    receiver_down: bool = False


def _outcome(delivery: DeliveryLog, code: int | None, error: str, at: datetime) -> dict[str, Any]:
    """The row's fields after an attempt answered ``code`` (None: no answer) at ``at``."""
    attempts = delivery.attempts + 1
    retryable = code is None or code >= 500
    cap = outbox.max_attempts()
    out_of_retries = (cap > 0 and attempts >= cap) or (
        delivery.retry_until is not None and at >= delivery.retry_until
    )
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": at,
        "last_response_code": code,
        "last_error": error,
        "next_attempt_at": None,
        "claimed_until": None,
        "claimed_by": "",
    }
    if code is not None and 200 <= code < 300:
        changes["status"] = DeliveryLog.Status.DELIVERED
        changes["delivered_at"] = at
    elif retryable and not out_of_retries:
        changes["status"] = DeliveryLog.Status.RETRYING
        changes["next_attempt_at"] = at + timedelta(seconds=outbox.backoff_delay(attempts))
    else:
        changes["status"] = DeliveryLog.Status.FAILED
    return changes


def attempt_delivery(
    delivery_id: int, *, sender: str | None = None, now: datetime | None = None
) -> Attempt:
    """Claim a due delivery, POST it once, record the answer and release it.

    ``now`` stands in for the clock (tests, and a sweep that pins one time for its run).
    """
    sender = sender or outbox.new_sender_id()
    delivery = outbox.claim(delivery_id, sender, now=now)
    if delivery is None:
        return Attempt("skipped")
    try:
        code, error = _post(delivery)
    except BaseException:
        outbox.release(delivery_id, sender)  # an unexpected error must not block it for a lease
        raise
    changes = _outcome(delivery, code, error, now or timezone.now())
    # Only while the claim is still ours: had the lease run out and another sender taken the
    # row, its record of its own attempt is the one to keep.
    if not DeliveryLog.objects.filter(pk=delivery_id, claimed_by=sender).update(**changes):
        logger.warning(
            "Webhook delivery %s was taken over during its POST (NEWSROOM_WEBHOOK_LEASE shorter "
            "than the receiver's answers?); its answer %s is not recorded",
            delivery_id,
            code,
        )
    for name, value in changes.items():
        setattr(delivery, name, value)
    if delivery.status == DeliveryLog.Status.FAILED:
        logger.warning(
            "Webhook %s to %s failed after %d attempt(s): %s %s",
            delivery.event,
            delivery.endpoint,
            delivery.attempts,
            code,
            error,
        )
    return Attempt(delivery.status, delivery, receiver_down=code is None or code >= 500)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Attempt one delivery if it is due; queue the retry when one is needed.

    The queued retry is only the fast path: the row stays due in the log, so if this process
    is gone by then, ``manage.py deliver_webhooks`` sends it, and whichever comes first wins.
    """
    attempt = attempt_delivery(delivery_id)
    if attempt.outcome == "skipped":
        return _follow_up(delivery_id)
    if attempt.outcome == DeliveryLog.Status.RETRYING:
        assert attempt.delivery is not None
        if queue_delivery(delivery_id, at=attempt.delivery.next_attempt_at):
            return "retry scheduled"
        return "retry left to deliver_webhooks"
    outbox.maybe_prune()
    return attempt.outcome


def _follow_up(delivery_id: int) -> str:
    """A task that found its delivery not due: keep its retry chain alive when that is right.

    The timer may fire a moment early, or a sweep may have moved the next attempt later while
    the endpoint is down; either way the row is free and waiting, so wait for it again.
    """
    now = timezone.now()
    waiting = outbox.next_wait(delivery_id, now)
    if waiting is not None and waiting > now and queue_delivery(delivery_id, at=waiting):
        return "retry scheduled"
    return "skipped"


# --- The sweep: everything that is due, from any process ---------------------------------------


@dataclass
class SweepReport:
    """What one :func:`deliver_due` run did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    # Not tried in this sweep: their endpoint had just failed (no answer, 5xx).
    postponed: int = 0
    # Taken by another sender between the query and the claim.
    skipped: int = 0
    endpoints_down: set[str] = field(default_factory=set)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed

    def __str__(self) -> str:
        return (
            f"{self.delivered} delivered, {self.retrying} to retry, {self.failed} failed, "
            f"{self.postponed} postponed (endpoint down), {self.skipped} taken by another sender"
        )


def deliver_due(
    *,
    now: datetime | None = None,
    batch_size: int = 100,
    should_stop: Callable[[], bool] | None = None,
) -> SweepReport:
    """Send every due delivery once, oldest first; safe to run in many processes at once.

    When an endpoint gives no answer or a 5xx, its other due deliveries are not tried in this
    sweep (a receiver that is down would only time out again): they wait as long as the one
    that was tried, so a down receiver gets one probe per backoff step, not the whole backlog.
    Once it answers again, the next sweep sends the backlog in event order.
    """
    report = SweepReport()
    sender = outbox.new_sender_id()
    last_pk = 0
    while True:
        current = now or timezone.now()
        rows = list(
            DeliveryLog.objects.filter(outbox.due(current), pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "endpoint")[:batch_size]
        )
        for pk, endpoint in rows:
            last_pk = pk
            if should_stop is not None and should_stop():
                return report
            if endpoint in report.endpoints_down:
                continue
            attempt = attempt_delivery(pk, sender=sender, now=now)
            if attempt.outcome == "skipped":
                report.skipped += 1
                continue
            setattr(report, attempt.outcome, getattr(report, attempt.outcome) + 1)
            if attempt.receiver_down and attempt.delivery is not None:
                report.endpoints_down.add(endpoint)
                _postpone_endpoint(attempt.delivery, now, report)
        if len(rows) < batch_size:
            break
    if report.delivered or report.failed:
        outbox.maybe_prune()
    return report


def _postpone_endpoint(probe: DeliveryLog, now: datetime | None, report: SweepReport) -> None:
    """The endpoint ``probe`` went to is down: its other due rows wait until the probe's retry.

    Rows whose retry window is over fail now, as they would have on their own attempt.
    """
    current = now or timezone.now()
    until = probe.next_attempt_at or current + timedelta(
        seconds=outbox.backoff_delay(probe.attempts)
    )
    others = DeliveryLog.objects.filter(outbox.due(current), endpoint=probe.endpoint).exclude(
        pk=probe.pk
    )
    expired = others.filter(retry_until__lte=current).update(
        status=DeliveryLog.Status.FAILED,
        next_attempt_at=None,
        last_error=(
            f"Retry window over while the endpoint was down (delivery {probe.pk}: "
            f"{probe.last_response_code or probe.last_error})"
        )[:ERROR_SNIPPET_CHARS],
    )
    if expired:
        logger.warning("%d webhook(s) to %s failed: retry window over", expired, probe.endpoint)
    report.failed += expired
    report.postponed += others.update(next_attempt_at=until)


# --- CDN purge --------------------------------------------------------------------------------


@task()
def purge_frontend_cache(urls: list[str]) -> None:
    """Purge the CDN through Wagtail's frontend cache backends (WAGTAILFRONTENDCACHE)."""
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    purge_urls_from_cache(urls)


def queue_frontend_cache_purge(paths: list[str]) -> None:
    """Purge the frontend URLs of ``paths`` in the background, when a CDN is configured."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None) or not paths:
        return
    base = settings.NEWSROOM_FRONTEND_URL.rstrip("/")
    purge_frontend_cache.using(backend=background_alias()).enqueue([base + path for path in paths])
