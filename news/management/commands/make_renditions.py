"""``manage.py make_renditions``: make the API's renditions of every image that lacks them.

Images saved since news/renditions.py existed get theirs in the background on save; this
fills in older images (e.g. after an upgrade or a restored backup). Idempotent.
"""

from django.core.management.base import BaseCommand
from wagtail.images import get_image_model

from news.renditions import make_renditions_now


class Command(BaseCommand):
    help = "Make the renditions the API serves for every image that does not have them yet."

    def handle(self, *args, **options):
        count = 0
        for image in get_image_model().objects.order_by("pk").iterator():
            make_renditions_now(image)
            count += 1
        self.stdout.write(f"Renditions checked for {count} image(s).")
