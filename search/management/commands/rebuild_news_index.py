"""``manage.py rebuild_news_index``: index every live, public news post again from scratch."""

import time

from django.core.management.base import BaseCommand

from search import documents


class Command(BaseCommand):
    help = "Rebuild Newsroom's search index (one document per live, public news post)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recreate",
            action="store_true",
            help="Also drop and recreate the full-text tables/columns (e.g. after a migration "
            "that rebuilt the document table on SQLite, which drops its triggers).",
        )

    def handle(self, *args, recreate: bool = False, **options):
        started = time.perf_counter()
        count = documents.rebuild_index(recreate=recreate)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} posts in {elapsed:.1f} s."))
