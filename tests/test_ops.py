"""Operations: probes, request ids, JSON log lines, and 503 JSON when the database is gone."""

import json
import logging

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from cms.ops import JsonLinesFormatter, RequestContextMiddleware

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
    }
}


def test_healthz_and_readyz_answer_ok(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


@override_settings(CACHES=DEAD_REDIS, DJANGO_REDIS_IGNORE_EXCEPTIONS=True)
def test_readyz_reports_the_cache_down_with_503(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "down"
    assert response.json()["checks"]["database"] == "ok"


def test_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc123")["X-Request-ID"] == "abc123"
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32


def test_lost_database_becomes_a_503_json():
    def broken_view(request):
        raise OperationalError("connection refused")

    response = RequestContextMiddleware(broken_view)(RequestFactory().get("/api/v3/news/"))
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == 503
    assert response["Retry-After"] == "5"


def test_json_lines_formatter_includes_extra_fields():
    record = logging.LogRecord("newsroom.access", logging.INFO, "", 1, "GET / %s", (200,), None)
    record.request_id = "r1"
    line = json.loads(JsonLinesFormatter().format(record))
    assert line["message"] == "GET / 200"
    assert line["request_id"] == "r1"
    assert line["level"] == "INFO"


def test_middleware_passes_normal_responses_through():
    response = RequestContextMiddleware(lambda r: HttpResponse("fine"))(RequestFactory().get("/"))
    assert response.content == b"fine"


def test_a_gunicorn_worker_freezes_what_it_loaded():
    """gunicorn.conf.py's post_worker_init, run as gunicorn runs it (in a fresh process that
    has loaded cms.wsgi): the URLconf is loaded and the objects alive then are frozen, out of
    the collector's sight; objects made afterwards are still collected."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = (
        "import gc, runpy, sys\n"
        "import cms.wsgi\n"
        "config = runpy.run_path('cms/gunicorn.conf.py')\n"
        "assert gc.get_freeze_count() == 0\n"
        "config['post_worker_init'](None)\n"
        "loaded = 'cms.api.news' in sys.modules\n"
        "frozen = gc.get_freeze_count()\n"
        "cycle = []; cycle.append(cycle); del cycle\n"
        "print(loaded, frozen, gc.collect() >= 1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded, frozen, collected = result.stdout.split()
    assert loaded == "True" and collected == "True"
    assert int(frozen) > 50_000  # Django, Wagtail and the project's modules
