"""``manage.py clean_previews``: delete preview rows whose tokens have expired (run from cron)."""

from django.core.management.base import BaseCommand

from news.preview import clean_expired_previews


class Command(BaseCommand):
    help = (
        "Delete stored previews (wagtail-headless-preview's PagePreview rows) whose token is "
        "older than NEWSROOM_PREVIEW_TOKEN_MAX_AGE or no longer verifies. Safe to run often."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help="Lifetime in seconds (default: NEWSROOM_PREVIEW_TOKEN_MAX_AGE).",
        )

    def handle(self, *args, max_age=None, **options):
        deleted = clean_expired_previews(max_age)
        self.stdout.write(f"Deleted {deleted} expired preview(s).")
