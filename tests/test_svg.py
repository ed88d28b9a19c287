"""SVG images: sanitised on every way in, served inert, in the API with rasters where needed.

Real parts throughout: svg-hush (py-svg-hush) sanitises, cairosvg (libcairo2) draws, uploads
go through the admin form, Newsroom's upload API and Wagtail's own v3 images endpoint, and the
media view is Django's static file view behind Newsroom's headers.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import APIToken

from cms.media import media_urlpatterns
from news.read.images import image_data, social_image_data
from news.svg import SVG_CSP, SvgError, raster_size, sanitise_svg, svg_size
from tests.test_api_uploads import media_files
from tests.test_storage_s3 import s3_endpoint  # noqa: F401, F811 - the moto S3 server

pytestmark = pytest.mark.django_db

# The media route of cms/urls.py (mounted there only with DEBUG), for the serving test.
urlpatterns = media_urlpatterns()

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 80">'
    b'<rect width="240" height="80" fill="#0b5cad"/>'
    b'<circle cx="40" cy="40" r="24" fill="#ffffff"/></svg>'
)

# Each hostile SVG with what must not survive sanitising.
HOSTILE = {
    "script element": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.cookie)</script><rect width='5' height='5'/></svg>",
        [b"<script", b"alert"],
    ),
    "event handlers": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" width="10" height="10">'
        b'<rect width="5" height="5" onclick="alert(2)" onmouseover="steal()"/></svg>',
        [b"onload", b"onclick", b"onmouseover", b"alert", b"steal"],
    ),
    "foreignObject": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><foreignObject>'
        b'<body xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example/"/>'
        b"</body></foreignObject><circle r='3'/></svg>",
        [b"foreignObject", b"iframe", b"evil.example"],
    ),
    "external references": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        b' viewBox="0 0 10 10"><image href="https://evil.example/track.png"/>'
        b'<use xlink:href="https://evil.example/sprite.svg#logo"/>'
        b'<a href="javascript:alert(1)"><text>x</text></a>'
        b'<rect style="fill:url(https://evil.example/p.svg#x)" width="1" height="1"/>'
        b"<style>@import url(https://evil.example/x.css); rect{fill:url(/x.svg#p)}</style>"
        b'<use href="#local"/><rect id="local" width="2" height="2"/></svg>',
        [b"evil.example", b"javascript", b"track.png", b"sprite.svg", b"x.css", b"@import"],
    ),
    "data payloads": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        b'<image href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+"/>'
        b'<image href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="/></svg>',
        [b"data:", b"base64"],
    ),
    "entities": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>',
        [b"ENTITY", b"passwd", b"DOCTYPE"],
    ),
}


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b']><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&i;</text></svg>'
)


def _bearer(user) -> str:
    _, plaintext = APIToken.create_token(user=user, name="svg tests")
    return f"Bearer {plaintext}"


@pytest.fixture
def token_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("svg", "svg@example.org", "pw")
    client.defaults["HTTP_AUTHORIZATION"] = _bearer(user)
    return client


def _stored_svg(image) -> bytes:
    with image.open_file() as handle:
        return handle.read()


# --- The sanitiser ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_svgs_are_defused(case: str) -> None:
    source, forbidden = HOSTILE[case]
    clean = sanitise_svg(source)
    for needle in forbidden:
        assert needle.lower() not in clean.lower(), (case, needle, clean)
    root = ET.fromstring(clean)  # still a well-formed SVG document
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (case, name)
            if name.endswith("href"):
                assert value.startswith("#"), (case, value)  # only the image's own parts


def test_drawing_is_kept() -> None:
    clean = sanitise_svg(LOGO)
    assert b"<rect" in clean and b"<circle" in clean and b'viewBox="0 0 240 80"' in clean
    assert svg_size(clean) == (240.0, 80.0)
    # Same-document references (gradients, <use href="#…">) stay.
    kept = sanitise_svg(HOSTILE["external references"][0])
    assert b'href="#local"' in kept


@pytest.mark.parametrize(
    "content", [b"not xml at all", b"<html><body>hi</body></html>", b"<svg", b"", BILLION_LAUGHS]
)
def test_not_svg_is_refused(content: bytes) -> None:
    with pytest.raises(SvgError):
        sanitise_svg(content)


def test_intrinsic_size_from_width_height_or_viewbox() -> None:
    assert svg_size(sanitise_svg(b'<svg xmlns="http://www.w3.org/2000/svg" width="120" '
                                 b'height="30" viewBox="0 0 12 3"/>')) == (120.0, 30.0)  # fmt: skip
    assert svg_size(sanitise_svg(b'<svg xmlns="http://www.w3.org/2000/svg" '
                                 b'viewBox="0 0 400 100"/>')) == (400.0, 100.0)  # fmt: skip
    assert raster_size((400.0, 100.0), 480) == (480, 120)
    assert max(raster_size((1.0, 100_000.0), 480)) == 16383  # never beyond WebP's limit


# --- Uploads: admin, Newsroom's API, Wagtail's API -------------------------------------------


def _hostile_logo() -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 80" onload="alert(1)">'
        b"<script>alert(2)</script><rect width='240' height='80' fill='#0b5cad'/>"
        b'<image href="https://evil.example/pixel.png"/></svg>'
    )


def _assert_clean_svg(image) -> None:
    assert image.is_svg()
    stored = _stored_svg(image)
    for needle in (b"script", b"onload", b"alert", b"evil.example"):
        assert needle not in stored
    assert b"<rect" in stored
    assert (image.width, image.height) == (240, 80)
    # Wagtail's duplicate detection works on what is stored.
    import hashlib

    assert image.file_hash == hashlib.sha1(stored).hexdigest()  # noqa: S324


def test_admin_upload_sanitises(editor_client) -> None:
    response = editor_client.post(
        reverse("wagtailimages:add"),
        {
            "title": "Logo",
            "file": SimpleUploadedFile("logo.svg", _hostile_logo()),
            "collection": 1,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    image = get_image_model().objects.get()
    _assert_clean_svg(image)
    # The admin shows it (listing thumbnail, edit page) without error.
    assert editor_client.get(reverse("wagtailimages:index")).status_code == 200
    assert editor_client.get(reverse("wagtailimages:edit", args=[image.pk])).status_code == 200


def test_newsroom_upload_api_sanitises_and_answers_with_rasters(token_client) -> None:
    response = token_client.post(
        "/api/v3/uploads/images/",
        {"title": "Logo", "file": SimpleUploadedFile("logo.svg", _hostile_logo())},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    image = get_image_model().objects.get()
    _assert_clean_svg(image)
    assert (body["width"], body["height"]) == (240, 80)
    assert body["src"].endswith(".svg") and body["src"] == image.file.url
    assert body["srcset"] == "" and body["srcset_webp"] == ""
    formats = sorted({r["format"] for r in body["renditions"]})
    assert formats == ["png", "webp"]
    widths = sorted({r["width"] for r in body["renditions"]})
    assert widths == [480, 960, 1600]
    png = next(r for r in body["renditions"] if r["format"] == "png" and r["width"] == 480)
    assert png["height"] == 160


def test_wagtail_images_api_sanitises(token_client) -> None:
    response = token_client.post(
        "/api/v3/images/",
        {"title": "Logo", "file": SimpleUploadedFile("logo.svg", _hostile_logo())},
    )
    assert response.status_code in (200, 201), response.content
    image = get_image_model().objects.get()
    _assert_clean_svg(image)
    detail = token_client.get(f"/api/v3/images/{image.pk}/")
    assert detail.status_code == 200


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("tall.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 100000"/>', "WebP"),
        ("logo.svg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "does not match"),
        ("page.svg", b"<html><script>alert(1)</script></html>", "image"),
        ("laughs.svg", BILLION_LAUGHS, "image"),  # entity expansion: refused, not expanded
    ],
)
def test_unusable_svgs_are_refused_with_nothing_stored(token_client, filename, content, message):
    before = media_files()
    response = token_client.post(
        "/api/v3/uploads/images/", {"title": "x", "file": SimpleUploadedFile(filename, content)}
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert message.lower() in response.json()["detail"].lower()
    assert not get_image_model().objects.exists()
    assert media_files() == before


# --- The API representation and rasters ------------------------------------------------------


def _svg_image(title: str = "Logo"):
    from django.core.files.images import ImageFile

    image = get_image_model()(title=title, description="Example logo")
    image.file = ImageFile(io.BytesIO(sanitise_svg(LOGO)), name="logo.svg")
    image._set_image_file_metadata()
    image.save()
    return image


def test_image_data_and_social_rendition_of_an_svg() -> None:
    image = _svg_image()
    data = image_data(image)
    assert (data["width"], data["height"]) == (240, 80)
    assert data["src"] == image.file.url and data["src"].endswith(".svg")
    png = next(r for r in data["renditions"] if r["format"] == "png" and r["width"] == 960)
    with image.renditions.get(filter_spec="width-960|format-png").file.open() as handle:
        drawn = PILImage.open(io.BytesIO(handle.read()))
        drawn.load()
    assert drawn.size == (960, 320) == (png["width"], png["height"])
    # Really drawn: the blue rectangle and the white circle are there.
    assert drawn.convert("RGB").getpixel((5, 5)) == (11, 92, 173)
    assert drawn.convert("RGB").getpixel((160, 160)) == (255, 255, 255)

    social = social_image_data(image)
    assert (social["width"], social["height"]) == (1200, 630)
    assert social["url"].endswith(".jpg")
    rows = image.renditions.count()
    # Made once: asking again reuses the stored renditions.
    image_data(image)
    social_image_data(image)
    assert image.renditions.count() == rows == 7


# --- Serving ---------------------------------------------------------------------------------


@override_settings(ROOT_URLCONF=__name__)
def test_media_view_serves_svg_with_csp_and_nosniff(client) -> None:
    image = _svg_image()
    response = client.get(image.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == SVG_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"<svg" in b"".join(response.streaming_content)
    raster = image.renditions.first() or image_data(image) and image.renditions.first()
    other = client.get(raster.url)
    assert other.status_code == 200 and other["X-Content-Type-Options"] == "nosniff"
    # A raster gets the site-wide policy (cms/csp.py), not the SVG one.
    assert other.get("Content-Security-Policy") != SVG_CSP


def test_s3_storage_types_svg_objects(s3_endpoint, monkeypatch) -> None:  # noqa: F811
    """On a real (moto) S3 server: the SVG object is stored as image/svg+xml with the policy
    in its metadata; a PNG rendition keeps its own type and no such metadata."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="svg-media")
    storages = {
        "default": {
            "BACKEND": "cms.s3.MediaS3Storage",
            "OPTIONS": {
                "bucket_name": "svg-media",
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "querystring_auth": False,
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        image = _svg_image()
        image_data(image)
        original = s3.head_object(Bucket="svg-media", Key=image.file.name)
        png = image.renditions.get(filter_spec="width-480|format-png")
        raster = s3.head_object(Bucket="svg-media", Key=png.file.name)
    assert original["ContentType"] == "image/svg+xml"
    assert original["Metadata"]["content-security-policy"] == SVG_CSP
    assert original["CacheControl"] == "public, max-age=31536000, immutable"
    assert raster["ContentType"] == "image/png" and "content-security-policy" not in raster.get(
        "Metadata", {}
    )


def test_a_post_with_an_svg_logo_matches_the_contract(client, news_index) -> None:
    from news.snippets import Organisation
    from tests.conftest import publish_news_page
    from tests.test_api_openapi import assert_valid

    logo = _svg_image()
    org = Organisation(name="Corvid", slug="corvid", logo=logo, boilerplate="<p>Chips.</p>")
    org.save()
    org.save_revision().publish()
    page = publish_news_page(
        news_index,
        title="Corvid joins",
        feature_image=logo,
        body=[
            {"type": "image", "value": {"image": logo.pk, "alt_text": "Corvid logo",
                                        "alignment": "right", "max_width": 150}},
            {"type": "boilerplate", "value": {"organisation": org.pk}},
        ],
    )  # fmt: skip
    document = client.get("/api/v3/openapi.json").json()
    body = client.get(f"/api/v3/news/{page.pk}/").json()
    assert_valid(document, "/api/v3/news/{page_id}/", body)
    image = body["body"][0]["value"]["image"]
    assert image["src"].endswith(".svg") and (image["width"], image["height"]) == (240, 80)
    assert body["seo"]["social_image"]["url"].endswith(".jpg")
    assert body["body"][1]["value"]["organisation"]["logo"]["src"].endswith(".svg")
