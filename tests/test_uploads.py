"""Hostile uploads in the admin: each refused with a clear message, nothing half-stored."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

pytestmark = pytest.mark.django_db


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), "white").save(buffer, "PNG")
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
        ("script.svg", b"<svg onload='alert(1)'></svg>", "Not a supported image format"),
    ],
)
def test_admin_refuses_hostile_images(editor_client, filename, content, message):
    response = editor_client.post(
        reverse("wagtailimages:add"),
        {"title": "Hostile", "file": SimpleUploadedFile(filename, content), "collection": 1},
    )
    assert response.status_code == 200  # the form again, with the error — not a 500
    assert message.lower() in response.content.decode().lower()
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


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "does not look like a .pdf"),
        ("minutes.docx", b"MZ\x90\x00 not a zip", "does not look like a .docx"),
        ("data.csv", b"\x00\x01\x02binary", "must be text"),
        ("empty.pdf", b"", "empty"),
        ("tool.exe", b"MZ\x90\x00", "extension"),
    ],
)
def test_admin_refuses_hostile_documents(editor_client, filename, content, message):
    response = editor_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Hostile doc", "file": SimpleUploadedFile(filename, content), "collection": 1},
    )
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not get_document_model().objects.filter(title="Hostile doc").exists()


def test_a_real_pdf_is_accepted(editor_client):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = editor_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Annual report", "file": SimpleUploadedFile("report.pdf", pdf), "collection": 1},
    )
    assert response.status_code == 302
    assert get_document_model().objects.filter(title="Annual report").exists()
