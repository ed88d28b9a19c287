"""``manage.py prune_search_log [--days N]``: keep the search log (the admin's "Search terms"
report) to its last N days (``NEWSROOM_SEARCH_LOG_DAYS``, 30). Run it daily from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.service import prune_log


class Command(BaseCommand):
    help = "Delete search-log days older than NEWSROOM_SEARCH_LOG_DAYS and unused query strings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Days to keep (default 30).")

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        if days is not None and days < 0:
            self.stderr.write("--days must be 0 or more.")
            raise SystemExit(2)
        deleted_days, deleted_queries = prune_log(days)
        self.stdout.write(
            f"Deleted {deleted_days} daily search counts and {deleted_queries} query strings."
        )
