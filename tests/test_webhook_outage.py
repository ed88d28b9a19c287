"""A webhook receiver that is down for a while, and a web process that exits: nothing is lost.

Events are published through the real pipeline (publishing a NewsPage) to a real HTTP receiver
on 127.0.0.1 that refuses connections or answers 503, then comes back. The delivery log is the
outbox: deliveries wait there (retrying, next attempt set), the in-process retry timers can be
thrown away as a process exit would, and ``deliver_webhooks`` — called here, or as separate
``manage.py`` processes on the same database — sends each event exactly once when the
receiver is back. "Time moves on" by moving the log's timestamps back, not by sleeping.

Real commits (other threads and processes read the rows): ``transaction=True``.
"""

from __future__ import annotations

import collections
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from news.webhooks.delivery import deliver_due, resend
from news.webhooks.models import DeliveryLog
from news.webhooks.outbox import backoff_delay, claim
from news.webhooks.signing import SIGNATURE_HEADER, verify_signature
from tasks.pool import discard_scheduled_tasks, scheduled_task_count, wait_for_background_tasks
from tests.conftest import publish_news_page
from tests.servers import PYTHON, REPO, base_env, free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_db")]

SECRET = "outage-test-secret"
# Long enough that the in-process retry timers never fire during a test (they are discarded,
# as a process exit would), so every later delivery is the sweep's doing.
HOUR = 3600.0


# --- A receiver that can go away and come back on the same port ----------------------------------


class Receiver:
    """Records every POST (event id, answer, signature check); can refuse connections."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/revalidate"
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def up(self, status: int = 200) -> None:
        """Listen (again) on the same port, answering ``status``."""
        self.status = status
        if self.server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.status
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "event_id": self.headers.get("X-Newsroom-Delivery"),
                            "status": status,
                            "signed": verify_signature(
                                self.headers.get(SIGNATURE_HEADER, ""), body, SECRET
                            ),
                            "body": body,
                        }
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        """Stop listening: connections are refused, as with a receiver that is off."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def accepted(self) -> collections.Counter:
        """How many times each event id was answered with a 2xx."""
        with self.lock:
            return collections.Counter(
                r["event_id"] for r in self.requests if 200 <= r["status"] < 300
            )

    def all_signed(self) -> bool:
        with self.lock:
            return all(r["signed"] for r in self.requests)


@pytest.fixture
def receiver(settings, news_index):
    """Webhooks to a local receiver (the site tree was built before: its events are not sent)."""
    server = Receiver()
    settings.NEWSROOM_WEBHOOK_URLS = [server.url]
    settings.NEWSROOM_WEBHOOK_SECRET = SECRET
    settings.NEWSROOM_WEBHOOK_BACKOFF = HOUR
    settings.NEWSROOM_WEBHOOK_MAX_BACKOFF = HOUR
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 0
    settings.NEWSROOM_WEBHOOK_RETRY_HOURS = 24
    settings.NEWSROOM_WEBHOOK_TIMEOUT = 3
    yield server
    discard_scheduled_tasks()
    server.down()
    assert wait_for_background_tasks(10)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def time_passes(**duration: float) -> None:
    """Move every timestamp of the log back, as if ``duration`` had gone by."""
    delta = timedelta(**duration)
    DeliveryLog.objects.update(
        created_at=F("created_at") - delta,
        next_attempt_at=F("next_attempt_at") - delta,
        retry_until=F("retry_until") - delta,
        last_attempt_at=F("last_attempt_at") - delta,
    )


def publish_during_outage(news_index, count: int) -> list[DeliveryLog]:
    """Publish ``count`` posts while the receiver is down; wait for their failed first tries."""
    for number in range(count):
        publish_news_page(news_index, title=f"Outage {number}", slug=f"outage-{number}")
    assert wait_until(
        lambda: (
            DeliveryLog.objects.filter(attempts__gte=1).count() >= count
            and not DeliveryLog.objects.filter(claimed_until__isnull=False).exists()
            # The log row is written before the in-process retry is scheduled: on a busy
            # machine the last timer can lag the row it belongs to.
            and scheduled_task_count() >= count
        )
    )
    return list(DeliveryLog.objects.order_by("pk"))


def assert_every_event_delivered_once(receiver: Receiver) -> None:
    logs = list(DeliveryLog.objects.all())
    assert logs and {log.status for log in logs} == {"delivered"}
    assert all(log.next_attempt_at is None and log.claimed_until is None for log in logs)
    accepted = receiver.accepted()
    assert set(accepted) == {log.event_id for log in logs}
    assert set(accepted.values()) == {1}, accepted
    assert receiver.all_signed()


def listed_statuses(client) -> list[str]:
    """The status column of the admin's delivery log (not the filter's choices)."""
    response = client.get(reverse("webhook_deliveries:index"))
    assert response.status_code == 200
    return re.findall(r"<td[^>]*>\s*(Pending|Retrying|Delivered|Failed)\s*</td>", response.text)


def subprocess_env(tmp_path, **extra: str) -> dict[str, str]:
    """A ``manage.py`` process on this test's database, with this test's webhook settings."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        url = f"postgres://{db['USER']}{password}@{host}/{db['NAME']}"
    return base_env(
        tmp_path,
        DATABASE_URL=url,
        PYTHONUNBUFFERED="1",
        NEWSROOM_WEBHOOK_SECRET=SECRET,
        NEWSROOM_WEBHOOK_TIMEOUT="3",
        **extra,
    )


def start_workers(env: dict[str, str], count: int = 1) -> list[subprocess.Popen]:
    """``count`` × ``manage.py deliver_webhooks --loop``, returned once all are sweeping."""
    workers = [
        subprocess.Popen(
            [PYTHON, "manage.py", "deliver_webhooks", "--loop", "--interval", "0.1"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for worker in workers:  # they start side by side; each says when it sweeps
        first_line = worker.stdout.readline()
        assert first_line.startswith("Delivering webhooks every"), (
            first_line,
            worker.stderr.read(),
        )
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> list[str]:
    """SIGTERM; each worker must stop cleanly (exit 0) and promptly. Returns their output."""
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    outputs = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            raise
        assert worker.returncode == 0, err[-2000:]
        assert out.rstrip().endswith("Stopped."), out
        outputs.append(out)
    return outputs


# --- The outage ---------------------------------------------------------------------------------


def test_receiver_down_for_hours_then_back_every_event_delivered_once(receiver, news_index):
    receiver.down()
    logs = publish_during_outage(news_index, 3)

    # The first attempts failed: waiting to be retried, none given up on, nothing arrived.
    assert len(logs) >= 3
    assert {log.status for log in logs} == {"retrying"}
    now = timezone.now()
    assert all(log.next_attempt_at > now and log.last_response_code is None for log in logs)
    assert receiver.requests == []

    # The web process exits: its in-memory retries are gone, the log is not.
    assert discard_scheduled_tasks() == len(logs)

    # Back after a while — but a retry is not due before its time.
    receiver.up()
    call_command("deliver_webhooks", verbosity=0)
    assert receiver.requests == []
    assert set(DeliveryLog.objects.values_list("status", flat=True)) == {"retrying"}

    time_passes(hours=1, seconds=1)
    call_command("deliver_webhooks", verbosity=0)
    assert_every_event_delivered_once(receiver)
    assert [json.loads(r["body"])["event"] for r in receiver.requests] == [
        log.event for log in logs
    ]  # in event order

    # Delivered is final: later sweeps and stale in-process tasks send nothing again.
    time_passes(hours=30)
    call_command("deliver_webhooks", verbosity=0)
    assert claim(logs[0].pk, "late") is None
    assert len(receiver.requests) == len(logs)


def test_503s_are_retried_in_process_then_swept_concurrently_exactly_once(
    receiver, news_index, settings
):
    settings.NEWSROOM_WEBHOOK_BACKOFF = 0.05
    settings.NEWSROOM_WEBHOOK_MAX_BACKOFF = 0.2
    receiver.up(status=503)
    for number in range(3):
        publish_news_page(news_index, title=f"Flaky {number}", slug=f"flaky-{number}")

    # The in-process timers keep retrying (capped backoff); nothing is given up on.
    assert wait_until(
        lambda: (
            DeliveryLog.objects.count() >= 3
            and not DeliveryLog.objects.filter(attempts__lt=3).exists()
        )
    )
    assert not DeliveryLog.objects.exclude(status__in=("pending", "retrying")).exists()
    assert receiver.accepted() == {}

    # Back: the in-process timers and two sweeps race for the same rows.
    receiver.up(status=200)
    start = threading.Barrier(2)

    def sweep_until_done() -> None:
        start.wait()
        try:
            while DeliveryLog.objects.exclude(status="delivered").exists():
                deliver_due()
                time.sleep(0.02)
        finally:
            connections.close_all()

    sweepers = [threading.Thread(target=sweep_until_done) for _ in range(2)]
    for sweeper in sweepers:
        sweeper.start()
    for sweeper in sweepers:
        sweeper.join(15)
    assert wait_for_background_tasks(10)
    assert_every_event_delivered_once(receiver)


def test_two_concurrent_sweeps_deliver_each_due_row_exactly_once(receiver):
    receiver.up()
    receiver.delay = 0.01  # each POST takes a moment: the sweeps overlap row by row
    now = timezone.now()
    DeliveryLog.objects.bulk_create(
        DeliveryLog(
            event_id=f"event-{number}",
            event="page.published",
            endpoint=receiver.url,
            payload=json.dumps({"event": "page.published", "n": number}),
            next_attempt_at=now,
            retry_until=now + timedelta(hours=24),
        )
        for number in range(40)
    )
    start = threading.Barrier(2)
    reports = []

    def sweep() -> None:
        start.wait()
        try:
            reports.append(deliver_due())
        finally:
            connections.close_all()

    sweepers = [threading.Thread(target=sweep) for _ in range(2)]
    for sweeper in sweepers:
        sweeper.start()
    for sweeper in sweepers:
        sweeper.join(30)
    assert sum(report.delivered for report in reports) == 40
    assert_every_event_delivered_once(receiver)


def test_a_separate_worker_process_delivers_what_the_web_process_could_not(
    receiver, news_index, tmp_path
):
    receiver.down()
    logs = publish_during_outage(news_index, 2)
    discard_scheduled_tasks()  # the web process exits before its retries
    time_passes(hours=1, seconds=1)  # every retry is due

    # The worker starts while the receiver is still down: it probes, fails, backs off
    # (its own, short, backoff), never gives up, and delivers once the receiver is back.
    (worker,) = start_workers(
        subprocess_env(
            tmp_path,
            NEWSROOM_WEBHOOK_BACKOFF="0.2",
            NEWSROOM_WEBHOOK_MAX_BACKOFF="0.4",
        )
    )
    try:
        assert wait_until(lambda: DeliveryLog.objects.filter(attempts__gte=2).exists(), timeout=15)
        assert not DeliveryLog.objects.filter(status__in=("delivered", "failed")).exists()
        receiver.up()
        assert wait_until(
            lambda: not DeliveryLog.objects.exclude(status="delivered").exists(), timeout=15
        )
    finally:
        (output,) = stop_workers([worker])
    assert "delivered" in output
    assert len(logs) == DeliveryLog.objects.count()
    assert_every_event_delivered_once(receiver)


def test_two_worker_processes_deliver_each_event_exactly_once(receiver, tmp_path):
    receiver.up()
    receiver.delay = 0.01
    workers = start_workers(subprocess_env(tmp_path), 2)
    try:
        # Both are sweeping when the rows become due: they race for every one of them.
        now = timezone.now()
        DeliveryLog.objects.bulk_create(
            DeliveryLog(
                event_id=f"event-{number}",
                event="page.published",
                endpoint=receiver.url,
                payload=json.dumps({"n": number}),
                next_attempt_at=now,
                retry_until=now + timedelta(hours=24),
            )
            for number in range(40)
        )
        assert wait_until(
            lambda: not DeliveryLog.objects.exclude(status="delivered").exists(), timeout=20
        )
    finally:
        outputs = stop_workers(workers)
    assert_every_event_delivered_once(receiver)
    # Each line a worker printed is one sweep's report; together they delivered each row once.
    delivered = sum(
        int(number) for out in outputs for number in re.findall(r"(\d+) delivered", out)
    )
    assert delivered == 40


# --- Giving up, the admin, resend ---------------------------------------------------------------


def test_a_delivery_past_its_retry_window_fails_is_shown_and_resend_delivers_it(
    receiver, news_index, editor_client
):
    receiver.down()
    logs = publish_during_outage(news_index, 2)
    discard_scheduled_tasks()
    assert listed_statuses(editor_client) == ["Retrying", "Retrying"]
    listing = editor_client.get(reverse("webhook_deliveries:index"))
    assert b"Next attempt at" in listing.content

    # A day and more later, still down: the sweep's attempt is the last one; the other
    # delivery to the same endpoint is given up with it (the endpoint was just seen down).
    time_passes(hours=25)
    report = deliver_due()
    assert (report.failed, report.delivered) == (2, 0)
    assert len(receiver.requests) == 0
    for log in DeliveryLog.objects.all():
        assert (log.status, log.next_attempt_at) == ("failed", None)
    assert listed_statuses(editor_client) == ["Failed", "Failed"]
    inspect = editor_client.get(reverse("webhook_deliveries:inspect", args=(logs[1].pk,)))
    assert inspect.status_code == 200 and b"Retry window over" in inspect.content

    # Failed is final for the sweep …
    receiver.up()
    time_passes(hours=1)
    assert deliver_due().attempted == 0

    # … until an editor resends: a fresh window, sent at once in process.
    for log in logs:
        response = editor_client.post(reverse("webhook_deliveries:resend", args=(log.pk,)))
        assert response.status_code == 302
    assert wait_until(lambda: not DeliveryLog.objects.exclude(status="delivered").exists())
    assert wait_for_background_tasks(10)
    assert_every_event_delivered_once(receiver)
    assert listed_statuses(editor_client) == ["Delivered", "Delivered"]


def test_a_max_attempts_cap_still_applies(receiver, news_index, settings):
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.up(status=503)
    (log,) = publish_during_outage(news_index, 1)
    discard_scheduled_tasks()
    time_passes(hours=2)
    deliver_due()
    log.refresh_from_db()
    assert (log.status, log.attempts, log.last_response_code) == ("failed", 2, 503)


def test_a_down_endpoint_gets_one_probe_per_sweep_not_the_backlog(receiver, news_index):
    receiver.up(status=503)
    logs = publish_during_outage(news_index, 3)
    discard_scheduled_tasks()
    before = len(receiver.requests)
    time_passes(hours=2)
    report = deliver_due()
    assert len(receiver.requests) == before + 1
    assert (report.retrying, report.postponed) == (1, len(logs) - 1)
    probe, *others = DeliveryLog.objects.order_by("pk")
    assert probe.attempts == 2 and all(other.attempts == 1 for other in others)
    assert {other.next_attempt_at for other in others} == {probe.next_attempt_at}


def test_resend_waits_while_a_sender_holds_the_delivery(receiver, news_index):
    receiver.down()
    (log,) = publish_during_outage(news_index, 1)
    discard_scheduled_tasks()
    time_passes(hours=2)
    assert claim(log.pk, "someone-else") is not None
    assert claim(log.pk, "a-second-sender") is None  # the lease is held
    assert resend(log) is False
    log.refresh_from_db()
    assert (log.status, log.claimed_by) == ("retrying", "someone-else")


# --- The schedule ---------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap_and_a_day_of_retries_is_bounded(settings):
    settings.NEWSROOM_WEBHOOK_BACKOFF = 2
    settings.NEWSROOM_WEBHOOK_MAX_BACKOFF = 600
    assert [backoff_delay(n) for n in (1, 2, 3, 4, 9, 10, 11, 500)] == [
        2,
        4,
        8,
        16,
        512,
        600,
        600,
        600,
    ]
    # Attempts in the default 24 h window: ten ramp-up steps, then one every ten minutes.
    elapsed, attempts = 0.0, 1
    while elapsed < 24 * 3600:
        elapsed += backoff_delay(attempts)
        attempts += 1
    assert 140 < attempts < 160


def test_worker_command_rejects_a_bad_interval():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("deliver_webhooks", "--loop", "--interval", "0")


def test_subprocess_env_points_at_this_database(tmp_path):
    env = subprocess_env(tmp_path)
    assert env["DATABASE_URL"].endswith(os.path.basename(connection.settings_dict["NAME"]))
