"""Renditions are made in the background when an image is saved (issue 14, finding 13).

Right after ``load_demo`` every image already has the renditions the API serves, so the
first listing a reader asks for creates none (it used to make them all: 17–23 s).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model

from news.read.rendition_cache import RENDITION_SPECS, SOCIAL_IMAGE_SPEC
from tasks.pool import wait_for_background_tasks
from tests.conftest import make_image

# Real commits: renditions are queued after the transaction that saved the image commits.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_db")]

WANTED = {*RENDITION_SPECS, SOCIAL_IMAGE_SPEC}


def _specs(image) -> set[str]:
    return set(image.renditions.values_list("filter_spec", flat=True))


def _rendition_model():
    return get_image_model().get_rendition_model()


def test_a_saved_image_gets_its_renditions_in_the_background():
    image = make_image("Background", 1200, 800)
    assert wait_for_background_tasks(60)
    assert _specs(image) == WANTED
    # Saving again (e.g. a new title) makes nothing twice.
    count = _rendition_model().objects.count()
    image.title = "Renamed"
    image.save()
    assert wait_for_background_tasks(60)
    assert _rendition_model().objects.count() == count


def test_the_first_listing_after_load_demo_makes_no_renditions():
    call_command("load_demo", verbosity=0)  # waits for the background work it caused
    images = list(get_image_model().objects.all())
    assert len(images) >= 12
    for image in images:
        assert _specs(image) >= WANTED, image.title
    before = _rendition_model().objects.count()
    table = _rendition_model()._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/api/v3/news/", {"limit": 100})
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 13 and all(item["feature_image"] for item in items)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert not [sql for sql in inserts if table in sql]
    assert _rendition_model().objects.count() == before
    # A post's page (quotes, bios, logos, the social card) makes none either.
    detail = Client().get(f"/api/v3/news/{items[0]['id']}/")
    assert detail.status_code == 200
    assert _rendition_model().objects.count() == before
