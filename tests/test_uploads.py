"""Hostile uploads in the admin: each refused with a clear message, nothing half-stored."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import ExifTags
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import APIToken

from news.read.images import image_data
from news.uploads import WEBP_MAX_SIDE, webp_side_problem
from tests.conftest import make_image

pytestmark = pytest.mark.django_db

SIDE_MESSAGE = f"at most {WEBP_MAX_SIDE} pixels per side"
# What Wagtail's AbstractDocument.clean() says about a refused (hence empty) file name.
EMPTY_EXTENSION = "extension “” is not allowed"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Each test stores files in a folder of its own, so "nothing stored" can be checked, and
    no file left here (a ``report.pdf``) renames a later test's upload."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def bearer_client(user) -> Client:
    """A client of the v3 write API with a token of ``user`` (and no session)."""
    _, plaintext = APIToken.create_token(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    exif = PILImage.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    PILImage.new("RGB", (width, height), "white").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG that claims 1.6 billion pixels (its data is a few kilobytes of zeros)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    body = zlib.compress(row * 50, 9)  # truncated: enough to be opened, never decoded
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("bomb.png", _png_bomb(), "too many pixels"),
        ("huge.png", _png(9000, 8000), "too many pixels"),  # 72 MP > the 64 MP limit
        ("photo.jpg", _png(20, 20), "does not match"),  # PNG content named .jpg
        ("notes.png", b"just some text, not an image", "Upload a valid image"),
        ("empty.png", b"", "empty"),
        ("logo.svg", _png(20, 20), "does not match"),  # PNG content named .svg
    ],
)
def test_admin_refuses_hostile_images(editor_client, filename, content, message):
    response = editor_client.post(
        reverse("wagtailimages:add"),
        {"title": "Hostile", "file": SimpleUploadedFile(filename, content), "collection": 1},
    )
    assert response.status_code == 200  # the form again, with the error — not a 500
    assert message.lower() in response.content.decode().lower()
    # Wagtail's checks run first: the bomb's 40000-pixel sides are not what it is told.
    assert response.context["form"].errors["file"] == [response.context["form"].errors["file"][0]]
    assert "WebP" not in response.content.decode()
    assert not get_image_model().objects.filter(title="Hostile").exists()


def test_multiple_uploader_answers_json_errors(editor_client):
    response = editor_client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": SimpleUploadedFile("bomb.png", _png_bomb())},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False
    assert "pixels" in body["error_message"]
    assert get_image_model().objects.count() == 0


def test_a_normal_image_is_accepted(editor_client):
    response = editor_client.post(
        reverse("wagtailimages:add"),
        {"title": "Fine", "file": SimpleUploadedFile("fine.png", _png(64, 48)), "collection": 1},
    )
    assert response.status_code == 302
    assert get_image_model().objects.get(title="Fine").width == 64


# --- Sides too long for WebP renditions -------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("strip.png", _png(1, 100_000)),  # 0.1 MP: Wagtail's pixel limit lets it through
        ("strip.png", _png(1, WEBP_MAX_SIDE + 1)),
        # A wide JPEG that renditions turn upright (EXIF "rotate 90°") is a tall strip.
        ("turned.jpg", _jpeg(20_000, 1, orientation=6)),
    ],
)
def test_admin_refuses_images_too_long_for_webp(editor_client, media_root, filename, content):
    response = editor_client.post(
        reverse("wagtailimages:add"),
        {"title": "Strip", "file": SimpleUploadedFile(filename, content), "collection": 1},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        webp_side_problem(*PILImage.open(io.BytesIO(content)).size[::-1])
        if filename == "turned.jpg"
        else webp_side_problem(*PILImage.open(io.BytesIO(content)).size)
    ]
    assert SIDE_MESSAGE in response.content.decode()
    assert not get_image_model().objects.exists()
    assert stored_files(media_root) == []


def test_the_multiple_uploader_refuses_a_tall_strip(editor_client, media_root):
    response = editor_client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": SimpleUploadedFile("strip.png", _png(1, 100_000))},
    )
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert SIDE_MESSAGE in response.json()["error_message"]
    assert not get_image_model().objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("filename", "content", "size"),
    [
        # Renditions are at most 1600 px wide, and this one's are 1 px tall: WebP is fine.
        ("wide.png", _png(100_000, 1), (100_000, 1)),
        ("tallest.png", _png(1, WEBP_MAX_SIDE), (1, WEBP_MAX_SIDE)),
        ("wide.jpg", _jpeg(20_000, 1), (20_000, 1)),
    ],
)
def test_admin_accepts_images_whose_webp_renditions_fit(editor_client, filename, content, size):
    response = editor_client.post(
        reverse("wagtailimages:add"),
        {"title": "Strip", "file": SimpleUploadedFile(filename, content), "collection": 1},
    )
    assert response.status_code == 302, response.context["form"].errors
    image = get_image_model().objects.get(title="Strip")
    assert (image.width, image.height) == size
    renditions = image_data(image)["renditions"]
    assert {r["format"] for r in renditions} >= {"webp"}
    assert max(max(r["width"], r["height"]) for r in renditions) <= WEBP_MAX_SIDE


@pytest.mark.parametrize(
    ("width", "height", "largest"),
    [
        (1, 100_000, "1×100000"),  # no rendition upscales: each stays 100000 px tall
        (1600, 16_384, "1600×16384"),
        (2000, 30_000, "1600×24000"),  # the width-1600 rendition is still too tall
        (3000, 20_000, None),  # 1600×10666 at most
        (100_000, 1, None),
        (WEBP_MAX_SIDE, WEBP_MAX_SIDE, None),
    ],
)
def test_the_side_limit_is_about_the_webp_renditions(width, height, largest):
    problem = webp_side_problem(width, height)
    if largest is None:
        assert problem is None
    else:
        assert f"it is {width}×{height} pixels" in problem
        assert f"up to {largest}" in problem
        assert SIDE_MESSAGE in problem


def test_editing_an_image_without_a_new_file_is_not_checked_again(editor_client):
    # Stored before the rule (or by a script): its title can still be edited.
    image = make_image("Old strip", width=1, height=WEBP_MAX_SIDE + 1)
    response = editor_client.post(
        reverse("wagtailimages:edit", args=[image.pk]),
        {"title": "Renamed strip", "collection": image.collection_id, "tags": ""},
    )
    assert response.status_code == 302, response.context["form"].errors
    image.refresh_from_db()
    assert image.title == "Renamed strip"


def test_wagtails_own_v3_endpoint_refuses_a_tall_strip(editor_client, media_root):
    api = bearer_client(editor_client.user)
    content = _png(1, 100_000)
    answers = [
        api.post(url, {"title": "Strip", "file": SimpleUploadedFile("strip.png", content)})
        for url in ("/api/v3/images/", "/api/v3/uploads/images/")
    ]
    admin = editor_client.post(
        reverse("wagtailimages:add"),
        {"title": "Strip", "file": SimpleUploadedFile("strip.png", content), "collection": 1},
    )
    expected = webp_side_problem(1, 100_000)
    for response in answers:
        assert response.status_code == 422, response.content
        assert response["Content-Type"] == "application/problem+json"
        messages = [e["msg"] for e in response.json()["errors"] if e["loc"][-1] == "file"]
        assert messages == [expected]  # the admin's message, word for word
    assert admin.context["form"].errors["file"] == [expected]
    assert not get_image_model().objects.exists()
    assert stored_files(media_root) == []


# --- Documents -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "does not look like a .pdf"),
        ("minutes.docx", b"MZ\x90\x00 not a zip", "does not look like a .docx"),
        ("data.csv", b"\x00\x01\x02binary", "must be text"),
        ("empty.pdf", b"", "empty"),
        ("page.txt", b"caf\xe9 \xff\xfe latin-1 text" * 10, "must be UTF-8 text"),
        ("tool.exe", b"MZ\x90\x00", "File extension “exe” is not allowed"),
        ("tool.pdf.exe", b"%PDF-1.4\n", "File extension “exe” is not allowed"),
        (None, None, "This field is required"),
    ],
)
def test_admin_refuses_hostile_documents_with_one_message(
    editor_client, media_root, filename, content, message
):
    data = {"title": "Hostile doc", "collection": 1}
    if filename is not None:
        data["file"] = SimpleUploadedFile(filename, content)
    response = editor_client.post(reverse("wagtaildocs:add"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and message.lower() in errors[0].lower(), errors
    assert message.lower() in response.content.decode().lower()
    # Not the model's second, wrong message about the refused file's empty name.
    assert EMPTY_EXTENSION not in response.content.decode()
    assert not get_document_model().objects.filter(title="Hostile doc").exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("url", ["/api/v3/documents/", "/api/v3/uploads/documents/"])
@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("report.pdf", b"<html></html>", "does not look like a .pdf"),
        ("empty.pdf", b"", "empty"),
        ("tool.exe", b"MZ\x90\x00", "File extension “exe” is not allowed"),
    ],
)
def test_upload_apis_refuse_documents_with_one_message(
    editor_client, media_root, url, filename, content, message
):
    response = bearer_client(editor_client.user).post(
        url, {"title": "Hostile doc", "file": SimpleUploadedFile(filename, content)}
    )
    assert response.status_code == 422, response.content
    messages = [e["msg"] for e in response.json()["errors"] if e["loc"][-1] == "file"]
    assert len(messages) == 1 and message.lower() in messages[0].lower(), messages
    assert EMPTY_EXTENSION not in response.content.decode()
    assert not get_document_model().objects.exists()
    assert stored_files(media_root) == []


def test_a_real_pdf_is_accepted(editor_client):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = editor_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Annual report", "file": SimpleUploadedFile("report.pdf", pdf), "collection": 1},
    )
    assert response.status_code == 302
    assert get_document_model().objects.filter(title="Annual report").exists()
