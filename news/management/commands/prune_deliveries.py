"""Delete webhook delivery log entries older than NEWSROOM_WEBHOOK_LOG_DAYS (or --days)."""

from django.core.management.base import BaseCommand, CommandError

from news.webhooks.outbox import prune_deliveries


class Command(BaseCommand):
    help = "Delete old webhook delivery log entries (run daily from cron, or rely on the "
    "opportunistic pruning after deliveries)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days (default: NEWSROOM_WEBHOOK_LOG_DAYS, 30).",
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        deleted = prune_deliveries(days)
        noun = "entry" if deleted == 1 else "entries"
        self.stdout.write(f"Deleted {deleted} webhook delivery log {noun}.")
