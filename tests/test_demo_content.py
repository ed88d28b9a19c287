"""The demo loader: complete, idempotent, and shaped like a real press release."""

import pytest
from django.core.management import call_command
from wagtail.images import get_image_model
from wagtail.models import Revision

from news.demo import PRESS_RELEASE_SLUG
from news.models import NewsPage
from news.snippets import Organisation, Person

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "pages": sorted(NewsPage.objects.values_list("pk", "slug")),
        "orgs": Organisation.objects.count(),
        "people": Person.objects.count(),
        "images": get_image_model().objects.count(),
        "revisions": Revision.objects.count(),
    }


def test_load_demo_is_idempotent_and_covers_every_block_type():
    call_command("load_demo", verbosity=0)
    first = _snapshot()
    call_command("load_demo", verbosity=0)
    assert _snapshot() == first

    posts = NewsPage.objects.live()
    assert posts.count() >= 12
    used = {block.block_type for post in posts for block in post.body}
    assert used == {
        "paragraph", "heading", "image", "quote", "bio", "boilerplate",
        "call_to_action", "embed", "code", "table",
    }  # fmt: skip
    assert all(o.logo_id for o in Organisation.objects.all())
    assert all(p.headshot_id for p in Person.objects.all())


def test_demo_press_release_has_the_expected_shape():
    call_command("load_demo", verbosity=0)
    post = NewsPage.objects.get(slug=PRESS_RELEASE_SLUG)
    types = [block.block_type for block in post.body]
    first_image = post.body[types.index("image")].value
    assert first_image["alignment"] == "right" and first_image["max_width"]
    assert first_image["image"] == Organisation.objects.get(slug="northwind-systems").logo
    quotes = [b.value for b in post.body if b.block_type == "quote"]
    assert len(quotes) == 2 and all(q["person"] for q in quotes)
    bios = [b.value for b in post.body if b.block_type == "bio"]
    assert len(bios) == 1 and bios[0]["person"].headshot_id
    abouts = [b.value["organisation"].name for b in post.body if b.block_type == "boilerplate"]
    assert len(abouts) == 3 and len(set(abouts)) == 3
