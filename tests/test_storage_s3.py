"""Images, renditions and documents on S3-compatible object storage (a local moto S3 server)."""

from __future__ import annotations

import socket

import boto3
import pytest
from django.test import override_settings

from news.read.images import image_data
from tests.conftest import make_image

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="newsroom-media")
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "newsroom-media",
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield client


def test_images_and_renditions_live_in_the_bucket(s3_bucket, s3_endpoint):
    image = make_image("Bucket image", width=1200, height=800, description="In a bucket")
    data = image_data(image)
    keys = {obj["Key"] for obj in s3_bucket.list_objects_v2(Bucket="newsroom-media")["Contents"]}
    assert image.file.name in keys
    assert any(key.endswith(".webp") for key in keys)  # renditions were written to S3 too
    assert data["src"].startswith(f"{s3_endpoint}/newsroom-media/")
    assert all(r["url"].startswith(s3_endpoint) for r in data["renditions"])
