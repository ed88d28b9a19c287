"""``manage.py load_demo``: create the demo site, people, organisations and posts (idempotent)."""

from django.core.management.base import BaseCommand

from news.demo import DemoLoader


class Command(BaseCommand):
    help = "Load Newsroom's demo content. Running it again creates nothing new."

    def handle(self, *args, **options):
        created = DemoLoader(stdout=self.stdout).run()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo content: created {len(created)} objects."))
        else:
            self.stdout.write("Demo content already present: nothing to do.")
