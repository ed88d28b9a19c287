"""How long does the first reader request after ``manage.py load_demo`` take?

The review measured 17 s (development server) and 23 s (gunicorn) for the first
``GET /api/v3/news/?limit=100`` after ``load_demo``: every rendition was made inside that
request. Renditions are now made in the background when an image is saved
(news/renditions.py) and ``load_demo`` waits for them. This script builds a throw-away SQLite
database, migrates it, runs ``load_demo`` (timed), starts gunicorn (2 sync workers, as
``make run`` serves the CMS with the development server, gunicorn is the harder case) and
times the first listing, the first post detail and a second listing, each a fresh request.

    .venv/bin/python bench/first_visit.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import base_env, gunicorn, manage  # noqa: E402


def timed_get(url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - start, body


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="newsroom-first-visit-") as tmp:
        env = base_env(Path(tmp), DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3")
        manage(env, "migrate", "--no-input")
        start = time.perf_counter()
        manage(env, "load_demo")
        print(f"load_demo (renditions included): {time.perf_counter() - start:.1f} s")
        with gunicorn(env, workers=2) as base:
            seconds, body = timed_get(f"{base}/api/v3/news/?limit=100")
            print(f"first GET /api/v3/news/?limit=100: {seconds * 1000:.0f} ms ({len(body)} B)")
            first = json.loads(body)["items"][0]["id"]
            seconds, _ = timed_get(f"{base}/api/v3/news/{first}/")
            print(f"first GET /api/v3/news/{first}/: {seconds * 1000:.0f} ms")
            seconds, _ = timed_get(f"{base}/api/v3/news/?limit=100")
            print(f"second GET /api/v3/news/?limit=100: {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
