"""Sub-caches of an uncached render (cards, related posts, rendition data) never serve stale
content, and a render with every cache empty still gives the same JSON within budget.

The response cache is off here (``NEWSROOM_API_RESPONSE_CACHE``), so it cannot hide a stale
sub-cache: every request renders the page again from the sub-caches and the database.
"""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.images import ImageFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage

from news.models import NewsPageAuthor
from tests.conftest import make_image, publish_news_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_answer(settings):
    settings.NEWSROOM_API_RESPONSE_CACHE = False


@pytest.fixture
def posts(news_index, person, image):
    first = publish_news_page(
        news_index,
        title="First",
        summary="One",
        feature_image=image,
        authors=[NewsPageAuthor(person=person)],
    )
    second = publish_news_page(
        news_index, title="Second", summary="Two", authors=[NewsPageAuthor(person=person)]
    )
    for page in (first, second):
        page.tags.add("shared")
        page.save_revision().publish()
    return first, second


def get(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_cards_and_related_follow_a_snippet_publish(client, posts, person):
    first, second = posts
    detail = get(client, f"/api/v3/news/{first.pk}/")
    assert [card["id"] for card in detail["related"]] == [second.pk]
    assert detail["related"][0]["authors"][0]["name"] == "Ada Example"
    assert get(client, "/api/v3/news/")["items"][0]["authors"][0]["name"] == "Ada Example"

    person.name = "Ada Renamed"
    person.save_revision().publish()

    detail = get(client, f"/api/v3/news/{first.pk}/")
    assert detail["authors"][0]["name"] == "Ada Renamed"
    assert detail["related"][0]["authors"][0]["name"] == "Ada Renamed"
    assert {item["authors"][0]["name"] for item in get(client, "/api/v3/news/")["items"]} == {
        "Ada Renamed"
    }


def test_related_posts_follow_publish_and_unpublish(client, news_index, posts):
    first, second = posts
    assert [c["id"] for c in get(client, f"/api/v3/news/{first.pk}/")["related"]] == [second.pk]

    third = publish_news_page(news_index, title="Third", summary="Three")
    third.tags.add("shared")
    third.save_revision().publish()
    related = get(client, f"/api/v3/news/{first.pk}/")["related"]
    # Second shares the author (a person and an organisation) as well: it ranks first.
    assert [c["id"] for c in related] == [second.pk, third.pk]

    second.unpublish()
    related = get(client, f"/api/v3/news/{first.pk}/")["related"]
    assert [c["id"] for c in related] == [third.pk]
    assert [item["id"] for item in get(client, "/api/v3/news/")["items"]] == [third.pk, first.pk]

    third.title = "Third, retitled"
    third.save_revision().publish()
    assert get(client, f"/api/v3/news/{first.pk}/")["related"][0]["title"] == "Third, retitled"


def test_rendition_data_follows_a_replaced_file_and_a_new_title(client, posts, image):
    first, _ = posts
    rendered = get(client, f"/api/v3/news/{first.pk}/")
    before, social_before = rendered["feature_image"], rendered["seo"]["social_image"]
    assert before["title"] == "Test image"

    # Title and alt text change without a new file: read from the image row every time.
    image.title = "Renamed image"
    image.description = "A new description"
    image.save()
    data = get(client, f"/api/v3/news/{first.pk}/")["feature_image"]
    assert (data["title"], data["alt"]) == ("Renamed image", "A new description")
    assert data["renditions"] == before["renditions"]

    # A replaced file (another size, another name): new renditions, never the old URLs.
    buffer = io.BytesIO()
    PILImage.new("RGB", (2000, 1000), (10, 200, 40)).save(buffer, "PNG")
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name="replacement.png")
    image.width, image.height = 2000, 1000
    image.renditions.all().delete()  # as Wagtail's image form does when the file changes
    image.save()
    after = get(client, f"/api/v3/news/{first.pk}/")
    old_urls = {r["url"] for r in before["renditions"]}
    assert after["feature_image"]["width"] == 2000
    assert not old_urls & {r["url"] for r in after["feature_image"]["renditions"]}
    assert after["seo"]["social_image"]["url"] != social_before["url"]
    assert after["feature_image"]["renditions"][0]["height"] == 240  # 480 wide, 2:1


def test_focal_point_change_gives_new_crop(client, posts, image):
    first, _ = posts
    before = get(client, f"/api/v3/news/{first.pk}/")["seo"]["social_image"]["url"]
    image.focal_point_x, image.focal_point_y = 100, 100
    image.focal_point_width, image.focal_point_height = 50, 50
    image.save()
    after = get(client, f"/api/v3/news/{first.pk}/")["seo"]["social_image"]["url"]
    assert after != before


def test_warm_and_cold_renders_give_the_same_json(client, posts):
    first, _ = posts
    urls = [
        f"/api/v3/news/{first.pk}/",
        "/api/v3/news/?limit=20",
        "/api/v3/route/?html_path=/news/first/",
    ]
    cold = []
    for url in urls:
        cache.clear()
        cold.append(client.get(url).content)
    warm = [client.get(url).content for url in urls]  # sub-caches now filled
    assert warm == cold


def test_cold_render_stays_within_budget(client, posts):
    first, _ = posts
    for url, budget in ((f"/api/v3/news/{first.pk}/", 15), ("/api/v3/news/?limit=20", 10)):
        client.get(url)  # renditions created once
        cache.clear()  # nothing cached at all: response, cards, related, rendition data
        with CaptureQueriesContext(connection) as cold:
            client.get(url)
        with CaptureQueriesContext(connection) as warm:
            client.get(url)
        assert len(cold) <= budget, url
        assert len(warm) < len(cold), url  # the sub-caches spare queries


# --- The row cache: rows read by a render, keyed by the content generation -------------------


def test_row_cache_follows_body_edits_unpublish_and_republish(client, posts):
    first, _ = posts
    url = f"/api/v3/news/{first.pk}/"
    assert get(client, url)["title"] == "First"

    first.title = "First, edited"
    first.save_revision().publish()
    assert get(client, url)["title"] == "First, edited"

    first.unpublish()
    gone = client.get(url)
    assert gone.status_code == 404
    assert client.get(url).status_code == 404  # now from the row cache's "absent"

    first.save_revision().publish()  # the remembered absence belongs to an old generation
    assert get(client, url)["title"] == "First, edited"


def test_row_cache_follows_people_and_organisations_in_the_body(
    client, news_index, person, organisation
):
    post = publish_news_page(
        news_index,
        title="Quoted",
        body=[
            ("quote", {"text": "Quoted words.", "person": person}),
            ("bio", {"person": person}),
            ("boilerplate", {"organisation": organisation}),
        ],
    )
    url = f"/api/v3/news/{post.pk}/"
    body = get(client, url)["body"]
    assert body[0]["value"]["attribution"]["name"] == "Ada Example"
    with CaptureQueriesContext(connection) as warm:
        assert get(client, url)["body"] == body
    assert len(warm) == 1  # only the generation: rows, cards and renditions all cached

    person.name = "Ada Renamed"
    person.save_revision().publish()
    organisation.boilerplate = "<p>New words about us.</p>"
    organisation.save_revision().publish()
    body = get(client, url)["body"]
    assert body[0]["value"]["attribution"]["name"] == "Ada Renamed"
    assert body[1]["value"]["person"]["name"] == "Ada Renamed"
    assert "New words about us." in body[2]["value"]["html"]

    person.unpublish()
    body = get(client, url)["body"]
    assert body[1]["value"]["person"] is None


def test_an_image_webp_cannot_encode_does_not_break_the_page(client, news_index):
    # Stored without the upload form (as an import or an old upload might have): 20,000 px
    # tall is over WebP's 16,383 px limit, so only its WebP renditions cannot be made.
    strip = make_image(title="Tall strip", width=2, height=20_000)
    post = publish_news_page(news_index, title="Strip", feature_image=strip)
    response = client.get(f"/api/v3/news/{post.pk}/")
    assert response.status_code == 200, response.content[:300]
    image = response.json()["feature_image"]
    assert image["height"] == 20_000
    assert image["renditions"] and {r["format"] for r in image["renditions"]} == {"png"}
    assert image["srcset_webp"] == ""
