"""Send every due webhook delivery: once (cron, every minute) or ``--loop`` (a worker process).

Due deliveries are the delivery log's pending and retrying rows whose next attempt has come:
first attempts a web process queued but never ran (it exited), retries whose in-memory timer
died with their process, and the backlog of a receiver that was down for hours. Any number of
these commands may run at once, on any number of machines: each row is claimed before it is
POSTed, so each attempt is made once (``news.webhooks.delivery.deliver_due``).

    manage.py deliver_webhooks                 # one sweep, then exit (cron)
    manage.py deliver_webhooks --loop          # sweep every 2 s until SIGTERM/SIGINT
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connections

from news.webhooks.delivery import deliver_due

logger = logging.getLogger("news.webhooks")


class Command(BaseCommand):
    help = (
        "Send the webhook deliveries that are due (first attempts and retries). Once, for "
        "cron; or --loop, as a worker process that stops cleanly on SIGTERM."
    )
    # Run every minute from cron: the project-wide checks (URLs, models, settings) belong to
    # deploys and ``manage.py check``, not to each sweep (startup time, noise in cron mail).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Keep sweeping until SIGTERM or SIGINT (a worker process).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=2.0,
            help="Seconds between sweeps with --loop (default 2).",
        )

    def handle(self, *args: Any, loop: bool = False, interval: float = 2.0, **options: Any):
        if interval <= 0:
            raise CommandError("--interval must be more than 0")
        if not loop:
            report = deliver_due()
            if options["verbosity"] > 0:
                self.stdout.write(f"Webhooks: {report}.")
            return
        stop = threading.Event()
        # SIGTERM (systemd, Docker, Kubernetes) ends the loop after the current POST, whose
        # outcome is recorded: nothing is left claimed for a lease to run out.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        if options["verbosity"] > 0:
            self.stdout.write(f"Delivering webhooks every {interval:g} s (SIGTERM stops).")
        while not stop.is_set():
            try:
                report = deliver_due(should_stop=stop.is_set)
            except DatabaseError:
                # The database restarting must not end the worker: try again next sweep.
                logger.exception("Webhook sweep failed; retrying in %g s", interval)
                connections.close_all()
            else:
                if report.attempted and options["verbosity"] > 0:
                    self.stdout.write(f"Webhooks: {report}.")
            close_old_connections()
            stop.wait(interval)
        if options["verbosity"] > 0:
            self.stdout.write("Stopped.")
