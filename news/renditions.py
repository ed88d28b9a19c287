"""Renditions are made when an image is saved, in the background, so no reader pays for them.

Every image the API shows is offered in the standard renditions (``RENDITION_SPECS``: three
widths, each in its own format and as WebP) and, as a post's feature image, in the social
card rendition. Made inside a reader's request, the first listing after ``load_demo`` took
17–23 s. Here a saved image (new upload, replaced file, moved focal point) queues one task,
after the transaction commits, on the same task backend the publishing webhooks use
(``TASKS["newsroom"]``: a thread pool of the web process by default, or a worker-backed
backend in production). The task is idempotent: Wagtail makes only the renditions that are
missing. ``manage.py make_renditions`` does the same for images saved before this existed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django_tasks import task
from wagtail.images import get_image_model

from news.read.rendition_cache import RENDITION_FILTERS, SOCIAL_IMAGE_SPEC
from tasks.backends import background_alias

logger = logging.getLogger(__name__)


def make_renditions_now(image) -> int:
    """Make the renditions the API serves of ``image`` that do not exist yet; how many exist."""
    filters = (*RENDITION_FILTERS, SOCIAL_IMAGE_SPEC)
    try:
        return len(image.get_renditions(*filters))
    except Exception:
        # One rendition that cannot be made must not stop the others: one by one.
        logger.warning("renditions of image %s failed; trying one by one", image.pk)
    made = 0
    for rendition_filter in filters:
        try:
            image.get_rendition(rendition_filter)
            made += 1
        except Exception:
            logger.warning("rendition of image %s failed", image.pk, exc_info=True)
    return made


@task()
def make_renditions(image_id: int) -> int:
    """Background task: the API's renditions of image ``image_id`` (gone: nothing to do)."""
    image = get_image_model().objects.filter(pk=image_id).first()
    return 0 if image is None else make_renditions_now(image)


def queue_renditions(image_id: int) -> None:
    make_renditions.using(backend=background_alias()).enqueue(image_id)


def _image_saved(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:  # loaddata: files may not be there yet
        return
    if update_fields is not None and not {"file", "focal_point_x", "focal_point_y"} & set(
        update_fields
    ):
        return  # e.g. Wagtail filling in file_size or file_hash: renditions unchanged
    # After commit: a background worker must see the row (and a rollback queues nothing).
    image_id = instance.pk
    transaction.on_commit(lambda: queue_renditions(image_id))


def connect() -> None:
    post_save.connect(_image_saved, sender=get_image_model(), dispatch_uid="newsroom-renditions")
