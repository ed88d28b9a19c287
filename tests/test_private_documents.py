"""Documents in restricted collections are reachable only through the checking view (issue 14, #10).

Locally: never at ``/media/documents/<name>`` (the development server's media route leaves
documents out), only at ``/documents/<id>/<name>``, which checks the collection's view
restriction. On S3 (a local moto server): document objects are private, and the serve view
redirects to a short-lived signed URL; images stay public. Public documents are cacheable,
restricted ones ``private, no-store``.
"""

from __future__ import annotations

import importlib
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from tests.conftest import make_image

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def collections():
    root = Collection.get_first_root_node()
    board = root.add_child(name="Board papers")
    CollectionViewRestriction.objects.create(
        collection=board, restriction_type=CollectionViewRestriction.LOGIN
    )
    press = root.add_child(name="Press kit")
    return {"private": board, "public": press}


def make_document(title: str, collection) -> object:
    document = get_document_model()(title=title, collection=collection)
    document.file.save(f"{title.lower().replace(' ', '-')}.pdf", ContentFile(PDF), save=False)
    document.save()
    return document


@pytest.fixture
def debug_urls(settings):
    """The URLs of the development server (DEBUG: static and media files served)."""
    import cms.urls

    settings.DEBUG = True
    importlib.reload(cms.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(cms.urls)
    clear_url_caches()


def test_document_files_are_never_served_from_media(client, collections, debug_urls, settings):
    secret = make_document("Merger plan", collections["private"])
    public = make_document("Fact sheet", collections["public"])
    image = make_image("Media image")
    # Images (originals and renditions) are still served at /media/ in development...
    assert client.get(f"{settings.MEDIA_URL}{image.file.name}").status_code == 200
    # ...documents never: not even public ones (they are served through the view below).
    for document in (secret, public):
        assert client.get(f"{settings.MEDIA_URL}{document.file.name}").status_code == 404


def test_restricted_documents_need_a_login_and_are_never_cached(
    client, collections, django_user_model
):
    secret = make_document("Merger plan", collections["private"])
    assert secret.url == f"/documents/{secret.pk}/{secret.filename}"
    response = client.get(secret.url)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert response["Cache-Control"] == "private, no-store"
    user = django_user_model.objects.create_user("reader", "r@example.org", "pw-reader-1")
    client.force_login(user)
    response = client.get(secret.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"


def test_public_documents_are_cacheable(client, collections, settings):
    public = make_document("Fact sheet", collections["public"])
    response = client.get(public.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == f"public, max-age={settings.NEWSROOM_DOCUMENT_MAX_AGE}"
    assert response.has_header("ETag")


def test_the_v2_api_lists_public_documents_with_the_checking_url(client, collections):
    secret = make_document("Merger plan", collections["private"])
    public = make_document("Fact sheet", collections["public"])
    items = client.get("/api/v2/documents/", {"fields": "download_url"}).json()["items"]
    assert [item["id"] for item in items] == [public.pk]
    download = items[0]["meta"]["download_url"]
    assert urlsplit(download).path == f"/documents/{public.pk}/{public.filename}"
    assert client.get(f"/api/v2/documents/{secret.pk}/").status_code == 404


# --- S3 ---------------------------------------------------------------------------------------

from tests.test_storage_s3 import s3_endpoint  # noqa: E402, F401 (fixture)


@pytest.fixture
def private_bucket(s3_endpoint, monkeypatch):  # noqa: F811
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="newsroom-docs")
    storages = {
        "default": {
            # As base.py configures it, with objects public by default (the review's case).
            "BACKEND": "cms.storage.NewsroomS3Storage",
            "OPTIONS": {
                "bucket_name": "newsroom-docs",
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "querystring_auth": False,
                "file_overwrite": False,
                "default_acl": "public-read",
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, WAGTAILDOCS_SERVE_METHOD="redirect"):
        from django.core.files.storage import storages as storage_handler

        storage_handler._storages.pop("default", None)
        yield client
        storage_handler._storages.pop("default", None)


def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_on_s3_documents_are_private_objects_behind_signed_urls(
    client,
    collections,
    private_bucket,
    s3_endpoint,  # noqa: F811
    settings,
):
    public = make_document("Fact sheet", collections["public"])
    secret = make_document("Merger plan", collections["private"])
    image = make_image("Bucket image")
    unsigned = f"{s3_endpoint}/newsroom-docs/{{}}"
    # The objects themselves: documents private even though the bucket default is public.
    assert _anonymous_get(unsigned.format(image.file.name)) == 200
    assert _anonymous_get(unsigned.format(public.file.name)) == 403
    assert _anonymous_get(unsigned.format(secret.file.name)) == 403
    acl = private_bucket.get_object_acl(Bucket="newsroom-docs", Key=secret.file.name)
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee"))]

    # A public document: the view redirects to a short-lived signed URL that works.
    response = client.get(public.url)
    assert response.status_code == 302
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    if "X-Amz-Expires" in query:  # signature v4: seconds
        expires = int(query["X-Amz-Expires"][0])
    else:  # signature v2: a moment
        expires = int(query["Expires"][0]) - int(time.time())
    assert 0 < expires <= settings.NEWSROOM_DOCUMENT_URL_EXPIRY
    assert _anonymous_get(location) == 200
    max_age = int(response["Cache-Control"].split("max-age=")[1])
    assert response["Cache-Control"].startswith("public") and max_age < expires

    # A restricted document: anonymous readers get the login page, never a signed URL.
    response = client.get(secret.url)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert s3_endpoint not in response["Location"]
    assert response["Cache-Control"] == "private, no-store"
