"""``manage.py load_demo``: create the demo site, people, organisations and posts (idempotent)."""

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from news.demo import DemoLoader
from tasks.pool import wait_for_background_tasks


class Command(BaseCommand):
    help = "Load Newsroom's demo content. Running it again creates nothing new."

    def handle(self, *args, **options):
        # No webhooks for the demo: `make run` loads it before the frontend is up, so each
        # delivery would be retried (with back-off) and the wait below would sit out every
        # retry. The frontend renders the demo on its first visit anyway.
        with override_settings(NEWSROOM_WEBHOOK_URLS=[]):
            created = DemoLoader(stdout=self.stdout).run()
        # The images' renditions are being made in the background (news/renditions.py);
        # wait for them, so that the first visit after `make run` does not pay for them.
        if not wait_for_background_tasks(timeout=600):
            self.stderr.write("Some renditions are still being made in the background.")
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo content: created {len(created)} objects."))
        else:
            self.stdout.write("Demo content already present: nothing to do.")
