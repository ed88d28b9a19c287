"""Backup and restore: a dump restored into a fresh database serves the same API content."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

from tests.servers import base_env, manage

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
ADMIN_PG = "postgresql://postgres@127.0.0.1:5432/postgres"

CREATE_CONTENT = """
from news.demo import DemoLoader, draw_logo
from news.models import NewsPage
from django.core.files.images import ImageFile
from wagtail.images import get_image_model
import io
home, index = DemoLoader().site_tree()
image = get_image_model()(title="Backed up", description="A logo")
image.file = ImageFile(io.BytesIO(draw_logo("Backup Corp", (10, 120, 200))), name="backup.png")
image.save()
page = NewsPage(title="Survives a restore", slug="restored", summary="Kept.",
                body=[("image", {"image": image, "alt_text": "", "alignment": "right"}),
                      ("paragraph", "<p>Every word comes back.</p>")])
index.add_child(instance=page)
page.save_revision().publish()
print(page.pk)
"""

READ_API = """
import json
from django.test import Client
client = Client()
urls = ["/api/v3/news/", "/api/v3/news/{page_id}/"]
print(json.dumps({{url: client.get(url).json() for url in urls}}, sort_keys=True))
"""


def _last_json_line(output: str) -> dict:
    # Log lines go to stdout too (JSON-lines logging); the script prints its JSON last.
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def databases(tmp_path):
    """Two database URLs: the source and a fresh, empty target (same engine as the suite)."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'source.sqlite3'}", f"sqlite:///{tmp_path / 'target.sqlite3'}"
        return
    names = [f"newsroom_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(ADMIN_PG, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    yield tuple(f"postgres://postgres@127.0.0.1:5432/{name}" for name in names)
    with psycopg.connect(ADMIN_PG, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_into_a_fresh_database_serves_the_same_content(tmp_path, databases):
    source_url, target_url = databases
    common = {"ALLOWED_HOSTS": "testserver,localhost,127.0.0.1"}
    source = base_env(tmp_path, DATABASE_URL=source_url, **common)
    source["MEDIA_ROOT"] = str(tmp_path / "media-source")
    target = base_env(tmp_path, DATABASE_URL=target_url, **common)
    target["MEDIA_ROOT"] = str(tmp_path / "media-target")

    manage(source, "migrate", "--noinput", "-v0")
    page_id = int(manage(source, "shell", "-c", CREATE_CONTENT).strip().splitlines()[-1])
    read = READ_API.format(page_id=page_id)
    before = _last_json_line(manage(source, "shell", "-c", read))
    assert before[f"/api/v3/news/{page_id}/"]["title"] == "Survives a restore"

    manage(source, "backup_site", str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["media"] == "media.tar.gz"

    manage(target, "restore_site", str(tmp_path / "backup"), "--yes")
    after = _last_json_line(manage(target, "shell", "-c", read))
    assert after == before
    # The media came back too: every rendition URL in the restored API exists on disk.
    image = after[f"/api/v3/news/{page_id}/"]["body"][0]["value"]["image"]
    original = tmp_path / "media-target" / "original_images" / "backup.png"
    assert original.exists()
    for rendition in image["renditions"]:
        path = urlsplit(rendition["url"]).path.removeprefix("/media/")  # URLs are absolute
        assert (tmp_path / "media-target" / path).exists()


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path, databases):
    env = base_env(tmp_path, DATABASE_URL=databases[1])
    (tmp_path / "empty").mkdir()
    import subprocess

    from tests.servers import PYTHON, REPO

    result = subprocess.run(
        [PYTHON, "manage.py", "restore_site", str(tmp_path / "empty"), "--yes"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "not a Newsroom backup" in result.stderr
