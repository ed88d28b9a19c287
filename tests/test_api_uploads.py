"""Uploads through the v3 write API: hostile files refused like in the admin, nothing stored.

Every request goes through the real HTTP stack (Django's test client, bearer tokens), and every
refusal is checked three ways: a 4xx problem-details body naming the field and the admin's
message, no new row, and no new file under MEDIA_ROOT.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from jsonschema import Draft202012Validator
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import APIToken, Collection, GroupCollectionPermission

from tests.test_uploads import _png, _png_bomb

pytestmark = pytest.mark.django_db

IMAGES = "/api/v3/uploads/images/"
DOCUMENTS = "/api/v3/uploads/documents/"
PROBLEM_JSON = "application/problem+json"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _bearer(user) -> str:
    _, plaintext = APIToken.create_token(user=user, name="tests")
    return f"Bearer {plaintext}"


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_superuser("uploader", "u@example.org", "pw")


@pytest.fixture
def token_client(client, writer):
    client.defaults["HTTP_AUTHORIZATION"] = _bearer(writer)
    return client


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def _post(client, url: str, filename: str, content: bytes, **fields):
    data = {"title": "Hostile", **fields, "file": SimpleUploadedFile(filename, content)}
    return client.post(url, data)


def assert_refused(response, status: int, field: str, message: str, model) -> dict:
    """A problem-details answer naming ``field`` and ``message``; no row was created."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert message.lower() in body["detail"].lower()
    located = [e for e in body["errors"] if e["loc"] == ["form", field]]
    assert located and message.lower() in located[0]["msg"].lower(), body
    assert not model.objects.exists()
    return body


# --- Images ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("bomb.png", _png_bomb(), "too many pixels"),  # 1.6 gigapixels in a few kilobytes
        ("huge.png", _png(9000, 8000), "too many pixels"),  # 72 MP > the 64 MP limit
        ("photo.jpg", _png(20, 20), "does not match"),  # PNG content named .jpg
        ("notes.png", b"just some text, not an image", "Upload a valid image"),
        ("empty.png", b"", "empty"),
        ("logo.svg", _png(20, 20), "does not match"),  # PNG content named .svg
        ("page.png", b"<html><script>alert(1)</script></html>", "does not match"),
    ],
)
def test_hostile_images_are_refused_and_nothing_is_stored(token_client, filename, content, message):
    before = media_files()
    response = _post(token_client, IMAGES, filename, content)
    assert_refused(response, 422, "file", message, get_image_model())
    assert media_files() == before


def test_an_image_over_the_size_limit_is_413(token_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1000
    before = media_files()
    response = _post(token_client, IMAGES, "big.png", _png(300, 300) + b"\x00" * 2000)
    assert_refused(response, 413, "file", "too big", get_image_model())
    assert media_files() == before


def test_a_request_larger_than_any_valid_upload_is_refused_unread(token_client, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1000
    response = _post(token_client, IMAGES, "big.png", b"\x00" * (1024 * 1024 + 5000))
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM_JSON
    assert "larger than" in response.json()["detail"]
    assert not get_image_model().objects.exists()


def test_a_strip_too_tall_for_webp_is_refused(token_client):
    """1×100000 is 0.1 MP: Wagtail's form accepts it (it has no rule on sides), but the WebP
    renditions every image in Newsroom's API carries cannot be encoded (libwebp: 16383 px per
    side; a rendition never upscales, so the width-480 one stays 1×100000). The API refuses it
    rather than store an image that cannot be shown."""
    before = media_files()
    response = _post(token_client, IMAGES, "strip.png", _png(1, 100_000))
    assert_refused(response, 422, "file", "at most 16383 pixels per side", get_image_model())
    assert media_files() == before


def test_a_wide_strip_is_stored_since_its_renditions_are_small(token_client):
    response = _post(token_client, IMAGES, "strip.png", _png(100_000, 1), title="Strip")
    assert response.status_code == 201, response.content
    assert max(r["width"] for r in response.json()["renditions"]) == 1600


def test_a_missing_title_or_file_is_a_422(token_client):
    response = token_client.post(IMAGES, {"file": SimpleUploadedFile("a.png", _png(8, 8))})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM_JSON
    response = token_client.post(IMAGES, {"title": "No file"})
    assert response.status_code == 422
    response = _post(token_client, IMAGES, "a.png", _png(8, 8), title="")
    assert_refused(response, 422, "title", "required", get_image_model())


def test_a_valid_png_is_created_and_usable(token_client, writer, client, document_schema):
    before = media_files()
    response = _post(
        token_client,
        IMAGES,
        "fine.png",
        _png(1200, 800),
        title="Fine",
        description="A white rectangle",
    )
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert_valid(document_schema, IMAGES, body)

    image = get_image_model().objects.get(pk=body["id"])
    assert (image.title, image.width, image.height) == ("Fine", 1200, 800)
    assert image.uploaded_by_user == writer
    assert image.collection == Collection.get_first_root_node()
    assert (body["width"], body["height"], body["alt"]) == (1200, 800, "A white rectangle")
    assert body["collection"] == image.collection_id

    # The rendition URLs point to real files of the announced size.
    media_url = settings.MEDIA_URL
    for rendition in body["renditions"]:
        assert rendition["url"].startswith(media_url)
        with default_storage.open(rendition["url"].removeprefix(media_url)) as stored:
            assert PILImage.open(stored).size == (rendition["width"], rendition["height"])
    assert body["src"] in {r["url"] for r in body["renditions"]}
    assert body["original_url"] == image.file.url
    assert len(media_files() - before) == 1 + len(body["renditions"])

    # The rest of the API serves it.
    listed = client.get(f"/api/v2/images/{image.pk}/")
    assert listed.status_code == 200
    assert listed.json()["title"] == "Fine"


# --- Documents -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "does not look like a .pdf"),
        ("minutes.docx", b"Just some plain text, not a zip.", "does not look like a .docx"),
        ("data.csv", b"\x00\x01\x02binary", "must be text"),
        ("empty.pdf", b"", "empty"),
        ("tool.exe", b"MZ\x90\x00", "extension"),
    ],
)
def test_hostile_documents_are_refused_and_nothing_is_stored(
    token_client, filename, content, message
):
    before = media_files()
    response = _post(token_client, DOCUMENTS, filename, content)
    assert_refused(response, 422, "file", message, get_document_model())
    assert media_files() == before


def test_a_document_over_the_size_limit_is_413(token_client, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 100
    before = media_files()
    response = _post(token_client, DOCUMENTS, "long.pdf", PDF + b"%" * 200)
    assert_refused(response, 413, "file", "too big", get_document_model())
    assert media_files() == before


def test_a_valid_pdf_is_created_and_usable(token_client, client, document_schema):
    response = _post(token_client, DOCUMENTS, "report.pdf", PDF, title="Annual report")
    assert response.status_code == 201, response.content
    body = response.json()
    assert_valid(document_schema, DOCUMENTS, body)
    document = get_document_model().objects.get(pk=body["id"])
    assert (body["title"], body["filename"], body["file_size"]) == (
        "Annual report",
        "report.pdf",
        len(PDF),
    )

    listing = client.get("/api/v2/documents/")
    assert listing.status_code == 200
    assert [item["id"] for item in listing.json()["items"]] == [document.pk]

    served = client.get(body["download_url"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PDF


# --- Wagtail's own v3 create endpoints refuse the same files ---------------------------------
#
# Wagtail 8.0.1 has POST /api/v3/images/ and /api/v3/documents/ too (hence /uploads/ here);
# they bind the same admin forms, so the write API as a whole refuses what the admin refuses.


@pytest.mark.parametrize(
    ("url", "filename", "content", "message"),
    [
        ("/api/v3/images/", "bomb.png", _png_bomb(), "too many pixels"),
        ("/api/v3/images/", "photo.jpg", _png(20, 20), "does not match"),
        ("/api/v3/images/", "empty.png", b"", "empty"),
        ("/api/v3/images/", "logo.svg", _png(20, 20), "does not match"),
        ("/api/v3/documents/", "report.pdf", b"<html></html>", "does not look like a .pdf"),
        ("/api/v3/documents/", "empty.pdf", b"", "empty"),
    ],
)
def test_stock_create_endpoints_refuse_the_same_files(
    token_client, url, filename, content, message
):
    before = media_files()
    response = _post(token_client, url, filename, content)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM_JSON
    assert any(message.lower() in e["msg"].lower() for e in response.json()["errors"])
    assert not get_image_model().objects.exists()
    assert not get_document_model().objects.exists()
    assert media_files() == before


# --- Authentication and permission ----------------------------------------------------------


@pytest.mark.parametrize("url", [IMAGES, DOCUMENTS])
def test_no_token_is_401(client, url):
    response = _post(client, url, "fine.png", _png(8, 8))
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM_JSON
    response = _post(client, url, "fine.png", _png(8, 8), HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401


def test_a_logged_in_session_is_not_enough(client, writer):
    client.force_login(writer)
    response = _post(client, IMAGES, "fine.png", _png(8, 8))
    assert response.status_code == 401
    assert not get_image_model().objects.exists()


@pytest.mark.parametrize(
    ("url", "filename", "content"), [(IMAGES, "a.png", _png(8, 8)), (DOCUMENTS, "a.pdf", PDF)]
)
def test_a_user_without_add_permission_gets_403(client, django_user_model, url, filename, content):
    reader = django_user_model.objects.create_user("reader", "r@example.org", "pw")
    client.defaults["HTTP_AUTHORIZATION"] = _bearer(reader)
    before = media_files()
    response = _post(client, url, filename, content)
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM_JSON
    assert "permission" in response.json()["detail"]
    assert not get_image_model().objects.exists()
    assert not get_document_model().objects.exists()
    assert media_files() == before


def test_collection_permissions_are_respected(client, django_user_model):
    root = Collection.get_first_root_node()
    press = root.add_child(name="Press kit")
    group = Group.objects.create(name="Press image editors")
    GroupCollectionPermission.objects.create(
        group=group,
        collection=press,
        permission=Permission.objects.get(
            content_type__app_label="wagtailimages", codename="add_image"
        ),
    )
    editor = django_user_model.objects.create_user("press", "p@example.org", "pw")
    editor.groups.add(group)
    client.defaults["HTTP_AUTHORIZATION"] = _bearer(editor)

    response = _post(client, IMAGES, "a.png", _png(8, 8), collection=root.pk)
    assert response.status_code == 403
    assert "collection" in response.json()["detail"]
    response = _post(client, IMAGES, "a.png", _png(8, 8), collection=99_999)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["form", "collection"]
    assert not get_image_model().objects.exists()

    # Allowed in one collection only: as in the admin, that one is used when none is given.
    response = _post(client, IMAGES, "a.png", _png(8, 8), title="Press photo")
    assert response.status_code == 201, response.content
    assert response.json()["collection"] == press.pk
    response = _post(client, DOCUMENTS, "a.pdf", PDF)
    assert response.status_code == 403


# --- Nothing half-stored when saving fails after the file was written ------------------------


def test_a_database_failure_after_the_file_was_written_leaves_nothing(token_client, monkeypatch):
    from wagtail.documents import forms as document_forms
    from wagtail.images import forms as image_forms

    def fail(instance):
        # Runs inside the form's save, after the file was written and the row inserted.
        assert default_storage.exists(instance.file.name)
        raise DatabaseError("disk full")

    monkeypatch.setattr(image_forms.search_index, "insert_or_update_object", fail)
    monkeypatch.setattr(document_forms.search_index, "insert_or_update_object", fail)
    before = media_files()

    response = _post(token_client, IMAGES, "fine.png", _png(64, 48))
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_JSON
    assert "nothing was stored" in response.json()["detail"]
    response = _post(token_client, DOCUMENTS, "report.pdf", PDF)
    assert response.status_code == 503

    assert not get_image_model().objects.exists()
    assert not get_document_model().objects.exists()
    assert media_files() == before


def test_an_image_whose_renditions_fail_leaves_nothing(token_client, monkeypatch):
    from cms.api import uploads

    def half_rendered(image):
        image.get_rendition("width-10")  # one rendition file written, then a failure
        raise OSError("broken image data")

    monkeypatch.setattr(uploads, "image_data", half_rendered)
    before = media_files()
    response = _post(token_client, IMAGES, "fine.png", _png(64, 48))
    assert_refused(response, 422, "file", "could not be processed", get_image_model())
    assert media_files() == before


def test_a_database_failure_after_the_renditions_were_made_leaves_nothing(
    token_client, monkeypatch
):
    from django.core.cache import cache

    from cms.api import uploads
    from news.read.images import image_data
    from news.read.rendition_cache import rendition_cache_key

    seen = []
    before = media_files()

    def rendered_then_failed(image):
        image_data(image)  # every rendition file written, their data cached
        assert len(media_files() - before) == 1 + image.renditions.count() > 1
        seen.append(image)
        raise DatabaseError("connection lost")

    monkeypatch.setattr(uploads, "image_data", rendered_then_failed)
    response = _post(token_client, IMAGES, "fine.png", _png(1200, 800))
    assert response.status_code == 503
    assert not get_image_model().objects.exists()
    assert media_files() == before
    assert cache.get(rendition_cache_key(seen[0], "std")) is None


# --- OpenAPI ---------------------------------------------------------------------------------


@pytest.fixture
def document_schema(client):
    response = client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    return response.json()


def assert_valid(document: dict, path: str, payload: dict) -> None:
    media = document["paths"][path]["post"]["responses"]["201"]["content"]
    schema = {**next(iter(media.values()))["schema"], "components": document["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(payload))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize(("path", "fields"), [(IMAGES, {"description"}), (DOCUMENTS, set())])
def test_uploads_are_documented(document_schema, path, fields):
    operation = document_schema["paths"][path]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    if "$ref" in body:
        body = document_schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(body["required"]) == {"file", "title"}
    assert set(body["properties"]) == {"file", "title", "collection"} | fields
    assert body["properties"]["file"]["format"] == "binary"
    assert {"201", "401", "403", "413", "422", "503"} <= set(operation["responses"])
    assert operation["security"] == [{"BearerTokenAuth": []}]
    for status in ("401", "403", "413", "422", "503"):
        ref = next(iter(operation["responses"][status]["content"].values()))["schema"]["$ref"]
        assert ref.endswith("/Problem")
