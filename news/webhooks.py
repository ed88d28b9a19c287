"""Webhook delivery: signed POSTs to every frontend, sent off the request path, retried, logged.

``publishing.dispatch`` hands each finished ``ChangeEvent`` to :func:`send_event`: one
``DeliveryLog`` row per configured endpoint (``NEWSROOM_WEBHOOK_URLS``), then one background
task per row. The task POSTs the event's JSON, signed with ``NEWSROOM_WEBHOOK_SECRET``::

    X-Newsroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">

The delivery log is the outbox: a row is *due* while it is pending or retrying, its
``next_attempt_at`` has come and no sender holds its lease (``claimed_until``). Whoever sends
it first claims it with one conditional UPDATE (the row changes only if it is still due), so
with any number of threads, processes and machines each attempt is made once, and a delivered
row is never sent again. A sender that dies mid-POST loses nothing: its lease runs out and the
next sweep sends the row (the receiver may then see that event twice; the
``X-Newsroom-Delivery`` event id tells it so).

Timeouts, connection errors and 5xx answers are retried: ``NEWSROOM_WEBHOOK_BACKOFF`` seconds,
doubling per attempt up to ``NEWSROOM_WEBHOOK_MAX_BACKOFF``, until ``NEWSROOM_WEBHOOK_RETRY_HOURS``
after the event (or ``NEWSROOM_WEBHOOK_MAX_ATTEMPTS`` attempts, when that is > 0); a retryable
failure after that is final. Any other answer (3xx, 4xx) is final at once. Old log rows are
pruned opportunistically and by ``manage.py prune_deliveries``.

Tasks run on the ``"newsroom"`` task backend (``TASKS`` in settings). The default,
:class:`BackgroundThreadBackend`, runs them on a small thread pool inside the web process: no
extra process, and the request never waits; it also times the retries. Production can point
that alias at a worker-backed backend (e.g. django-tasks-db) instead; the tasks are plain
module-level functions taking JSON arguments, so they run unchanged there. Whatever the
backend, ``manage.py deliver_webhooks`` (from cron, or ``--loop`` as a worker process) sends
every due row: retries that outlive the process that scheduled them, rows of a process that
exited before sending, a backlog after a long outage (:func:`deliver_due`).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connections, models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_tasks import TaskResult, TaskResultStatus, task, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.exceptions import InvalidTaskBackendError
from django_tasks.utils import get_random_id
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton

if TYPE_CHECKING:
    from news.change import ChangeEvent

logger = logging.getLogger(__name__)

TASK_BACKEND_ALIAS = "newsroom"
SIGNATURE_HEADER = "X-Newsroom-Signature"
USER_AGENT = "Newsroom-Webhooks/1.0"
# How much of an error answer is kept in the log (enough to see what the receiver said).
ERROR_SNIPPET_CHARS = 300
PRUNE_MARKER_KEY = "newsroom:webhooks:last-prune"


# --- The log ----------------------------------------------------------------------------------


class DeliveryLog(models.Model):
    """One event sent (or being sent) to one endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=64, db_index=True)
    event = models.CharField(max_length=64)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    endpoint = models.URLField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The outbox: when the row is next due (null once delivered or failed), until when a
    # retryable failure is retried, and who is sending it right now (until when).
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retry_until = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    # The exact body that is signed and sent; a resend sends the same bytes again.
    payload = models.TextField()

    class Meta:
        app_label = "news"
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"

    @property
    def paths(self) -> list[str]:
        try:
            return json.loads(self.payload).get("paths", [])
        except ValueError:
            return []


ACTIVE_STATUSES = (DeliveryLog.Status.PENDING, DeliveryLog.Status.RETRYING)


# --- Signing ----------------------------------------------------------------------------------


def signature_header(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Newsroom-Signature`` value for ``body`` signed at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    header: str, body: bytes, secret: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: check the HMAC and refuse anything older than ``tolerance`` s."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature_header(body, secret, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, received)


# --- The development task backend -------------------------------------------------------------


class _Pool:
    """One thread pool per backend alias and process, counting work that is not finished.

    Deferred work waits in one heap served by one timer thread (not a thread per task: a
    receiver down for hours can have hundreds of retries waiting).
    """

    def __init__(self, name: str, max_workers: int) -> None:
        self.name = name
        self.executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self.condition = threading.Condition()
        self.unfinished = 0
        self.scheduled: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._timer: threading.Thread | None = None

    def schedule(self, delay: float, callback: Callable[[], None]) -> None:
        with self.condition:
            heapq.heappush(self.scheduled, (time.monotonic() + delay, next(self._order), callback))
            if self._timer is None:
                self._timer = threading.Thread(
                    target=self._serve_timers, name=f"{self.name}-timer", daemon=True
                )
                self._timer.start()
            self.condition.notify_all()

    def _serve_timers(self) -> None:
        while True:
            with self.condition:
                while True:
                    if not self.scheduled:
                        self.condition.wait()
                        continue
                    remaining = self.scheduled[0][0] - time.monotonic()
                    if remaining <= 0:
                        callback = heapq.heappop(self.scheduled)[2]
                        break
                    self.condition.wait(remaining)
            try:
                callback()
            except Exception:  # one bad callback must not stop every later timer
                logger.exception("Scheduled background task could not start")

    def discard_scheduled(self) -> int:
        with self.condition:
            dropped = len(self.scheduled)
            self.scheduled.clear()
            self.unfinished -= dropped
            self.condition.notify_all()
        return dropped

    def started(self) -> None:
        with self.condition:
            self.unfinished += 1

    def finished(self) -> None:
        with self.condition:
            self.unfinished -= 1
            self.condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: self.unfinished <= 0, timeout=timeout)


_pools: dict[str, _Pool] = {}
_pools_lock = threading.Lock()


def _forget_pools_after_fork() -> None:
    # A forked worker (gunicorn --preload) must not share its parent's threads.
    _pools.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_after_fork)


class BackgroundThreadBackend(ImmediateBackend):
    """Runs tasks on a thread pool of this process, right away or after ``run_after``.

    For development and small sites: nothing else to run, and the caller never waits. Tasks
    queued in memory die with the process; webhook deliveries do not, since the delivery log
    keeps them due for ``manage.py deliver_webhooks``. OPTIONS: ``MAX_WORKERS`` (default 4).
    """

    supports_defer = True
    supports_async_task = False

    def _pool(self) -> _Pool:
        # Django makes one backend instance per thread; the pool must be one per process.
        with _pools_lock:
            pool = _pools.get(self.alias)
            if pool is None:
                workers = int(self.options.get("MAX_WORKERS", 4))
                pool = _pools[self.alias] = _Pool(f"tasks-{self.alias}", workers)
            return pool

    def enqueue(self, task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        pool = self._pool()
        pool.started()
        delay = (task.run_after - timezone.now()).total_seconds() if task.run_after else 0
        if delay > 0:
            pool.schedule(delay, lambda: self._submit(pool, result))
        else:
            self._submit(pool, result)
        return result

    def _submit(self, pool: _Pool, result: TaskResult) -> None:
        try:
            pool.executor.submit(self._run, pool, result)
        except RuntimeError:  # interpreter shutting down
            pool.finished()

    def _run(self, pool: _Pool, result: TaskResult) -> None:
        close_old_connections()
        try:
            self._execute_task(result)
            if result.status == TaskResultStatus.FAILED and result.errors:
                logger.error(
                    "Background task %s failed:\n%s",
                    result.task.module_path,
                    result.errors[-1].traceback,
                )
        finally:
            # This thread's connections: pool threads live long, connections should not.
            connections.close_all()
            pool.finished()


def wait_for_background_tasks(timeout: float = 10.0) -> bool:
    """Block until every in-process background task (and scheduled retry) has finished.

    For tests, benchmarks and commands that want their deliveries done before they exit.
    A retry scheduled further ahead than ``timeout`` makes this return False; it is safe to
    drop it (:func:`discard_scheduled_tasks`): the delivery log keeps it due.
    """
    deadline = time.monotonic() + timeout
    for pool in list(_pools.values()):
        if not pool.wait_idle(max(0.0, deadline - time.monotonic())):
            return False
    return True


def scheduled_task_count() -> int:
    """How many deferred background tasks this process holds (retries waiting their turn)."""
    total = 0
    for pool in list(_pools.values()):
        with pool.condition:
            total += len(pool.scheduled)
    return total


def discard_scheduled_tasks() -> int:
    """Drop this process's deferred background tasks (not those running); returns how many.

    What a process exit does to them, without exiting: tests use it to show that the
    delivery log, not the process, keeps webhook retries.
    """
    return sum(pool.discard_scheduled() for pool in list(_pools.values()))


def _task_backend_alias() -> str:
    try:
        task_backends[TASK_BACKEND_ALIAS]
    except InvalidTaskBackendError:
        return "default"
    return TASK_BACKEND_ALIAS


# Other background work of the app (news/renditions.py) runs on the same backend.
task_backend_alias = _task_backend_alias


# --- Sending ----------------------------------------------------------------------------------


def webhook_urls() -> list[str]:
    return list(getattr(settings, "NEWSROOM_WEBHOOK_URLS", []) or [])


def event_body(event: ChangeEvent) -> str:
    """The JSON text that is signed and sent (compact, keys sorted: stable bytes)."""
    return json.dumps(event.to_payload(), sort_keys=True, separators=(",", ":"))


def retry_window() -> timedelta:
    """How long after an event (or a resend) retryable failures are retried."""
    return timedelta(hours=max(0.0, float(getattr(settings, "NEWSROOM_WEBHOOK_RETRY_HOURS", 24))))


def lease_seconds() -> float:
    """How long a claim lasts: always longer than one POST may take."""
    lease = float(getattr(settings, "NEWSROOM_WEBHOOK_LEASE", 60))
    timeout = float(getattr(settings, "NEWSROOM_WEBHOOK_TIMEOUT", 5.0))
    # A lease that ran out mid-POST would let a second sender POST the same attempt.
    return max(lease, timeout + 10.0)


def send_event(event: ChangeEvent) -> list[DeliveryLog]:
    """Log one delivery per endpoint, due now, and queue them; returns at once."""
    urls = webhook_urls()
    if not urls:
        return []
    body = event_body(event)
    now = timezone.now()
    deliveries = [
        DeliveryLog.objects.create(
            event_id=event.id,
            event=event.event,
            object_type=event.object_type,
            object_id=str(event.object_id),
            endpoint=url,
            payload=body,
            created_at=now,
            next_attempt_at=now,
            retry_until=now + retry_window(),
        )
        for url in urls
    ]
    for delivery in deliveries:
        queue_delivery(delivery.pk)
    return deliveries


def queue_delivery(delivery_id: int, *, at: datetime | None = None) -> bool:
    """Queue an attempt now or at ``at``; False when the backend cannot defer (the sweep will)."""
    job = deliver_webhook.using(backend=_task_backend_alias())
    if at is not None and at > timezone.now():
        if not job.get_backend().supports_defer:
            return False
        job = job.using(run_after=at)
    job.enqueue(delivery_id)
    return True


def _lease_free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def _due(now: datetime) -> Q:
    return Q(status__in=ACTIVE_STATUSES, next_attempt_at__lte=now) & _lease_free(now)


def resend(delivery: DeliveryLog) -> bool:
    """Send a logged delivery again (same body and event id, fresh signature, attempts, window).

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
    if not DeliveryLog.objects.filter(_lease_free(now), pk=delivery.pk).update(**changes):
        return False
    for name, value in changes.items():
        setattr(delivery, name, value)
    queue_delivery(delivery.pk)
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
    taken = DeliveryLog.objects.filter(_due(now), pk=delivery_id).update(
        claimed_until=until, claimed_by=sender
    )
    if taken != 1:
        return None
    return DeliveryLog.objects.filter(pk=delivery_id, claimed_by=sender).first()


def _release(delivery_id: int, sender: str) -> None:
    DeliveryLog.objects.filter(pk=delivery_id, claimed_by=sender).update(
        claimed_until=None, claimed_by=""
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A webhook POST is never replayed to another URL: a redirect is an answer like a 4xx.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def backoff_delay(attempts_made: int) -> float:
    """Seconds before the next attempt: BACKOFF, doubling per attempt, capped at MAX_BACKOFF."""
    base = float(getattr(settings, "NEWSROOM_WEBHOOK_BACKOFF", 2.0))
    cap = float(getattr(settings, "NEWSROOM_WEBHOOK_MAX_BACKOFF", 600.0))
    # The exponent is bounded so that a day of attempts cannot overflow a float.
    return min(base * (2 ** min(max(0, attempts_made - 1), 60)), max(cap, base))


def _post(delivery: DeliveryLog) -> tuple[int | None, str]:
    """One POST; returns (status code or None for no answer, error text)."""
    body = delivery.payload.encode()
    secret = getattr(settings, "NEWSROOM_WEBHOOK_SECRET", "") or ""
    request = urllib.request.Request(
        delivery.endpoint,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Newsroom-Event": delivery.event,
            "X-Newsroom-Delivery": delivery.event_id,
            SIGNATURE_HEADER: signature_header(body, secret, int(time.time())),
        },
    )
    timeout = float(getattr(settings, "NEWSROOM_WEBHOOK_TIMEOUT", 5.0))
    try:
        with _opener.open(request, timeout=timeout) as response:
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


def attempt_delivery(
    delivery_id: int, *, sender: str | None = None, now: datetime | None = None
) -> Attempt:
    """Claim a due delivery, POST it once, record the answer and release it.

    ``now`` stands in for the clock (tests, and a sweep that pins one time for its run).
    """
    sender = sender or new_sender_id()
    delivery = claim(delivery_id, sender, now=now)
    if delivery is None:
        return Attempt("skipped")
    try:
        code, error = _post(delivery)
    except BaseException:
        _release(delivery_id, sender)  # an unexpected error must not block it for a lease
        raise
    finished = now or timezone.now()
    attempts = delivery.attempts + 1
    retryable = code is None or code >= 500
    max_attempts = int(getattr(settings, "NEWSROOM_WEBHOOK_MAX_ATTEMPTS", 0) or 0)
    out_of_retries = (max_attempts > 0 and attempts >= max_attempts) or (
        delivery.retry_until is not None and finished >= delivery.retry_until
    )
    changes: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": finished,
        "last_response_code": code,
        "last_error": error,
        "next_attempt_at": None,
        "claimed_until": None,
        "claimed_by": "",
    }
    if code is not None and 200 <= code < 300:
        changes["status"] = DeliveryLog.Status.DELIVERED
        changes["delivered_at"] = finished
    elif retryable and not out_of_retries:
        changes["status"] = DeliveryLog.Status.RETRYING
        changes["next_attempt_at"] = finished + timedelta(seconds=backoff_delay(attempts))
    else:
        changes["status"] = DeliveryLog.Status.FAILED
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
    return Attempt(delivery.status, delivery, receiver_down=retryable)


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
    maybe_prune()
    return attempt.outcome


def _follow_up(delivery_id: int) -> str:
    """A task that found its delivery not due: keep its retry chain alive when that is right.

    The timer may fire a moment early, or a sweep may have moved the next attempt later while
    the endpoint is down; either way the row is free and waiting, so wait for it again.
    """
    now = timezone.now()
    waiting = (
        DeliveryLog.objects.filter(_lease_free(now), pk=delivery_id, status__in=ACTIVE_STATUSES)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
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
    sender = new_sender_id()
    last_pk = 0
    while True:
        current = now or timezone.now()
        rows = list(
            DeliveryLog.objects.filter(_due(current), pk__gt=last_pk)
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
        maybe_prune()
    return report


def _postpone_endpoint(probe: DeliveryLog, now: datetime | None, report: SweepReport) -> None:
    """The endpoint ``probe`` went to is down: its other due rows wait until the probe's retry.

    Rows whose retry window is over fail now, as they would have on their own attempt.
    """
    current = now or timezone.now()
    until = probe.next_attempt_at or current + timedelta(seconds=backoff_delay(probe.attempts))
    others = DeliveryLog.objects.filter(_due(current), endpoint=probe.endpoint).exclude(pk=probe.pk)
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


@task()
def purge_frontend_cache(urls: list[str]) -> None:
    """Purge the CDN through Wagtail's frontend cache backends (WAGTAILFRONTENDCACHE)."""
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    purge_urls_from_cache(urls)


def queue_frontend_cache_purge(paths: list[str]) -> None:
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None) or not paths:
        return
    base = settings.NEWSROOM_FRONTEND_URL.rstrip("/")
    purge_frontend_cache.using(backend=_task_backend_alias()).enqueue(
        [base + path for path in paths]
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


# --- System check -----------------------------------------------------------------------------


@checks.register()
def check_webhook_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if webhook_urls() and not getattr(settings, "NEWSROOM_WEBHOOK_SECRET", ""):
        return [
            checks.Warning(
                "NEWSROOM_WEBHOOK_URLS is set but NEWSROOM_WEBHOOK_SECRET is empty: receivers "
                "cannot tell Newsroom's webhooks from forged ones.",
                id="newsroom.W001",
            )
        ]
    return []


# --- Admin: the delivery log with a "Resend" action --------------------------------------------


class DeliveryLogIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("change"):
            buttons.append(resend_button(instance))
        return buttons


class DeliveryLogInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(resend_button(self.object))
        return buttons


def resend_button(delivery: DeliveryLog) -> ListingButton:
    # A POST (with the CSRF token) sent by Wagtail's own w-action controller.
    return ListingButton(
        "Resend",
        icon_name="resubmit",
        priority=5,
        attrs={
            "data-controller": "w-action",
            "data-action": "w-action#post",
            "data-w-action-url-value": reverse("webhook_deliveries:resend", args=[delivery.pk]),
        },
    )


class DeliveryLogViewSet(ModelViewSet):
    """Read-only log (inspect, delete) plus "Resend"; under Settings in the admin menu."""

    model = DeliveryLog
    icon = "resubmit"
    menu_label = "Webhook deliveries"
    add_to_settings_menu = True
    index_view_class = DeliveryLogIndexView
    inspect_view_class = DeliveryLogInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_response_code",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event", "object_type"]
    search_fields = ["event", "endpoint", "event_id", "payload"]
    search_backend_name = None  # plain database filtering; the log is not search-indexed
    inspect_view_fields = [
        "event",
        "event_id",
        "object_type",
        "object_id",
        "endpoint",
        "status",
        "attempts",
        "last_response_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "retry_until",
        "claimed_until",
        "claimed_by",
        "delivered_at",
        "created_at",
        "payload",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # No add/edit/history/usage views: log rows are written by the pipeline only.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def resend_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        delivery = get_object_or_404(DeliveryLog, pk=pk)
        if resend(delivery):
            messages.success(
                request, f"Webhook {delivery.event} queued again for {delivery.endpoint}."
            )
        else:
            messages.warning(
                request,
                f"Webhook {delivery.event} is being sent to {delivery.endpoint} right now; "
                "resend it once this attempt is logged.",
            )
        return redirect(self.get_url_name("index"))

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("delete/<int:pk>/", self.delete_view, name="delete"),
            path("resend/<int:pk>/", self.resend_view, name="resend"),
        ]
