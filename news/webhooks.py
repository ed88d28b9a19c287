"""Webhook delivery: signed POSTs to every frontend, sent off the request path, retried, logged.

``publishing.dispatch`` hands each finished ``ChangeEvent`` to :func:`send_event`: one
``DeliveryLog`` row per configured endpoint (``NEWSROOM_WEBHOOK_URLS``), then one background
task per row. The task POSTs the event's JSON, signed with ``NEWSROOM_WEBHOOK_SECRET``::

    X-Newsroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">

Timeouts, connection errors and 5xx answers are retried with exponential backoff
(``NEWSROOM_WEBHOOK_BACKOFF`` x 2^(attempt-1) seconds) up to ``NEWSROOM_WEBHOOK_MAX_ATTEMPTS``
attempts; any other answer (3xx, 4xx) is final. Old log rows are pruned opportunistically and
by ``manage.py prune_deliveries``.

Tasks run on the ``"newsroom"`` task backend (``TASKS`` in settings). The default,
:class:`BackgroundThreadBackend`, runs them on a small thread pool inside the web process: no
extra process, and the request never waits. Production can point that alias at a
worker-backed backend (e.g. django-tasks-db) instead; the tasks are plain module-level
functions taking JSON arguments, so they run unchanged there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connections, models
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
    from news.publishing import ChangeEvent

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
    attempts = models.PositiveSmallIntegerField(default=0)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
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
    """One thread pool per backend alias and process, counting work that is not finished."""

    def __init__(self, name: str, max_workers: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self.condition = threading.Condition()
        self.unfinished = 0

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
    queued in memory are lost if the process dies (the delivery log then shows them pending;
    "Resend" picks them up). OPTIONS: ``MAX_WORKERS`` (default 4).
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
            timer = threading.Timer(delay, self._submit, args=(pool, result))
            timer.daemon = True
            timer.start()
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
    """
    deadline = time.monotonic() + timeout
    for pool in list(_pools.values()):
        if not pool.wait_idle(max(0.0, deadline - time.monotonic())):
            return False
    return True


def _task_backend_alias() -> str:
    try:
        task_backends[TASK_BACKEND_ALIAS]
    except InvalidTaskBackendError:
        return "default"
    return TASK_BACKEND_ALIAS


# --- Sending ----------------------------------------------------------------------------------


def webhook_urls() -> list[str]:
    return list(getattr(settings, "NEWSROOM_WEBHOOK_URLS", []) or [])


def event_body(event: ChangeEvent) -> str:
    """The JSON text that is signed and sent (compact, keys sorted: stable bytes)."""
    return json.dumps(event.to_payload(), sort_keys=True, separators=(",", ":"))


def send_event(event: ChangeEvent) -> list[DeliveryLog]:
    """Log one delivery per endpoint and queue them; returns at once."""
    urls = webhook_urls()
    if not urls:
        return []
    body = event_body(event)
    deliveries = [
        DeliveryLog.objects.create(
            event_id=event.id,
            event=event.event,
            object_type=event.object_type,
            object_id=str(event.object_id),
            endpoint=url,
            payload=body,
        )
        for url in urls
    ]
    for delivery in deliveries:
        queue_delivery(delivery.pk)
    return deliveries


def queue_delivery(delivery_id: int, *, delay: float = 0.0) -> None:
    job = deliver_webhook.using(backend=_task_backend_alias())
    if delay > 0 and job.get_backend().supports_defer:
        job = job.using(run_after=timezone.now() + timedelta(seconds=delay))
    job.enqueue(delivery_id)


def resend(delivery: DeliveryLog) -> None:
    """Send a logged delivery again (same body and event id, fresh signature and attempts)."""
    delivery.status = DeliveryLog.Status.PENDING
    delivery.attempts = 0
    delivery.last_error = ""
    delivery.save(update_fields=["status", "attempts", "last_error"])
    queue_delivery(delivery.pk)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A webhook POST is never replayed to another URL: a redirect is an answer like a 4xx.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def backoff_delay(attempts_made: int) -> float:
    base = float(getattr(settings, "NEWSROOM_WEBHOOK_BACKOFF", 2.0))
    return base * (2 ** max(0, attempts_made - 1))


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


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Attempt one delivery; on a timeout or 5xx, schedule (or wait for) the next attempt."""
    max_attempts = max(1, int(getattr(settings, "NEWSROOM_WEBHOOK_MAX_ATTEMPTS", 5)))
    while True:
        delivery = DeliveryLog.objects.filter(pk=delivery_id).first()
        if delivery is None or delivery.status in (
            DeliveryLog.Status.DELIVERED,
            DeliveryLog.Status.FAILED,
        ):
            return "skipped"
        code, error = _post(delivery)
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.last_response_code = code
        delivery.last_error = error
        retryable = code is None or code >= 500
        if code is not None and 200 <= code < 300:
            delivery.status = DeliveryLog.Status.DELIVERED
            delivery.delivered_at = delivery.last_attempt_at
        elif retryable and delivery.attempts < max_attempts:
            delivery.status = DeliveryLog.Status.RETRYING
        else:
            delivery.status = DeliveryLog.Status.FAILED
        delivery.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "last_response_code",
                "last_error",
                "status",
                "delivered_at",
            ]
        )
        if delivery.status != DeliveryLog.Status.RETRYING:
            if delivery.status == DeliveryLog.Status.FAILED:
                logger.warning(
                    "Webhook %s to %s failed after %d attempt(s): %s %s",
                    delivery.event,
                    delivery.endpoint,
                    delivery.attempts,
                    code,
                    error,
                )
            maybe_prune()
            return delivery.status
        delay = backoff_delay(delivery.attempts)
        job = deliver_webhook.using(backend=_task_backend_alias())
        if job.get_backend().supports_defer:
            queue_delivery(delivery_id, delay=delay)
            return "retry scheduled"
        time.sleep(delay)  # a backend without deferral (e.g. immediate): wait here


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
    """Delete log rows older than ``NEWSROOM_WEBHOOK_LOG_DAYS``; returns how many."""
    days = older_than_days
    if days is None:
        days = int(getattr(settings, "NEWSROOM_WEBHOOK_LOG_DAYS", 30))
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = DeliveryLog.objects.filter(created_at__lt=cutoff).delete()
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
        resend(delivery)
        messages.success(request, f"Webhook {delivery.event} queued again for {delivery.endpoint}.")
        return redirect(self.get_url_name("index"))

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("delete/<int:pk>/", self.delete_view, name="delete"),
            path("resend/<int:pk>/", self.resend_view, name="resend"),
        ]
