"""``manage.py rank_related_posts``: keep every post's related posts anew (news.related_store).

Run once after upgrading to a version that keeps them (posts saved since are kept already),
or after deleting a person, an organisation, a tag or a category (which forgets every list;
until then related posts are ranked when read, correct but slower).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from news.related_store import rank_all


class Command(BaseCommand):
    help = "Rank and keep every post's related posts (after an upgrade or a snippet deletion)."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        count = rank_all()
        self.stdout.write(
            f"kept the related posts of {count} posts in {time.monotonic() - started:.1f} s"
        )
