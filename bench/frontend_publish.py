"""Publish → new HTML served by the Next.js frontend: latency, p50 / p90 / max.

Runs against a CMS and frontend already running (``make run``, or any pair): this process
publishes a new revision of a demo post through Wagtail's ``publish()`` — the same call the
admin's Publish button makes, with the same signed webhook sent by this process's
background task — and polls the frontend's page until the new title is served. Each sample
is the time from ``publish()`` to the first answer containing the new title.

    NEWSROOM_WEBHOOK_SECRET=$(cat var/webhook-secret.txt) \\
      .venv/bin/python bench/frontend_publish.py --frontend http://127.0.0.1:3000 --runs 10

Needs the frontend's NEWSROOM_WEBHOOK_SECRET (the same value as here) and the CMS database
(DJANGO_SETTINGS_MODULE, default ``cms.settings.dev``: the ``make run`` database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frontend", default="http://127.0.0.1:3000")
    parser.add_argument("--slug", default="northwind-systems-joins-as-premier-member")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
    os.environ["NEWSROOM_WEBHOOK_URLS"] = f"{args.frontend}/api/revalidate/"
    if not os.environ.get("NEWSROOM_WEBHOOK_SECRET"):
        secret = Path("var/webhook-secret.txt")
        if secret.exists():
            os.environ["NEWSROOM_WEBHOOK_SECRET"] = secret.read_text().strip()
    import django

    django.setup()
    from news.models import NewsPage
    from tasks.pool import wait_for_background_tasks

    post = NewsPage.objects.live().get(slug=args.slug)
    url = args.frontend + post.url
    original = post.title
    fetch(url)  # cached before the first sample
    samples = []
    try:
        for run in range(args.runs):
            title = f"{original} (bench {run} {time.time_ns()})"
            post.title = title
            started = time.perf_counter()
            post.save_revision().publish()
            while title not in fetch(url):
                if time.perf_counter() - started > args.timeout:
                    raise SystemExit(
                        f"run {run}: the new title was not served within {args.timeout} s"
                    )
                time.sleep(0.01)
            samples.append(time.perf_counter() - started)
            wait_for_background_tasks(10)
    finally:
        post.title = original
        post.save_revision().publish()
        wait_for_background_tasks(10)
    samples_ms = sorted(s * 1000 for s in samples)
    p90 = samples_ms[max(0, int(len(samples_ms) * 0.9) - 1)]
    print(f"publish → new HTML on {url}")
    print(f"runs {len(samples_ms)}  p50 {statistics.median(samples_ms):.0f} ms  "
          f"p90 {p90:.0f} ms  max {samples_ms[-1]:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
