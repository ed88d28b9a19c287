"""Precise invalidation and the speed of cached answers, against gunicorn.

Run on demand (not part of the test suite)::

    apt-get install -y wrk            # Debian's wrk, if `wrk` is missing
    .venv/bin/python bench/invalidation_bench.py [--posts 1000] [--duration 10]

What it does: a throw-away SQLite database (``migrate``) with ``--posts`` live posts made in
bulk (``tests/bulk_site.py``), gunicorn on 127.0.0.1 with 2 sync workers and the project's
default settings (``cms.settings.dev``, DEBUG off) sharing a Redis cache
(``redis://127.0.0.1:6379/<--redis-db>``, flushed first), then:

1. every post's detail is requested until all are cached (``X-Cache: hit``);
2. (a) a new post is published, (b) a person quoted in 3 posts is renamed, (c) an image shown
   in 5 posts gets a new file — each from *this* process (another process than the
   workers), through the change-event bus — and after each every detail is requested once:
   the hit rate of the others, and the affected ones' ``X-Cache`` and content, are printed;
3. wrk (``-t1 -c8``): a trivial JSON view (``/api/v3/ping``), a cached detail and its 304,
   with their ratios to the trivial view.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_bench import GUNICORN, PYTHON, free_port, get, run_wrk  # noqa: E402


def wait_until_up(base: str, server: subprocess.Popen, seconds: float = 120) -> None:
    """Until gunicorn answers the trivial view (or gave up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if get(f"{base}/api/v3/ping", timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def _setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def _build_site(posts: int):
    from wagtail.models import Page, Site

    from home.models import HomePage
    from news.models import NewsIndexPage
    from tests import bulk_site

    root = Page.get_first_root_node()
    home = HomePage(title="Home", slug="bench-home")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "127.0.0.1", "root_page": home}
    )
    index = NewsIndexPage(title="News", slug="news")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index, bulk_site.build(index, posts)


def _sweep(base: str, ids: list[int]) -> dict[int, tuple[str, bytes]]:
    answers = {}
    for pk in ids:
        status, headers, body = get(f"{base}/api/v3/news/{pk}/", timeout=120)
        assert status == 200, (pk, status)
        answers[pk] = (headers.get("X-Cache", ""), body)
    return answers


def _report(name: str, answers, affected: set[int], expect: bytes | None) -> None:
    others = [pk for pk in answers if pk not in affected]
    hits = sum(1 for pk in others if answers[pk][0] == "hit")
    fresh = sum(1 for pk in affected if expect is None or expect in answers[pk][1])
    misses = sorted(pk for pk in others if answers[pk][0] != "hit")
    print(
        f"{name:<34} others served from cache: {hits}/{len(others)} "
        f"({100 * hits / len(others):.1f} %), affected fresh: {fresh}/{len(affected)}"
        + (f", other misses (related list changed): {len(misses)}" if misses else "")
    )


def _scenarios(base: str, index, site) -> None:
    from django.core.files.images import ImageFile
    from PIL import Image as PILImage

    from tests.conftest import publish_news_page

    posts = site.posts
    for _ in range(3):  # two workers: every answer rendered and cached once, then hits
        answers = _sweep(base, posts)
    print(f"warm: {sum(1 for x, _ in answers.values() if x == 'hit')}/{len(posts)} hits")

    new = publish_news_page(index, title="Breaking", summary="New", category=site.categories[0])
    new.tags.add(site.tags[0])
    new.save_revision().publish()
    answers = _sweep(base, [*posts, new.pk])
    _report("(a) one post published", answers, {new.pk}, b"Breaking")

    site.quoted.name = "Renamed Person"
    site.quoted.save_revision().publish()
    answers = _sweep(base, posts)
    _report("(b) person quoted in 3 renamed", answers, set(site.quoting_posts), b"Renamed Person")

    buffer = io.BytesIO()
    PILImage.new("RGB", (900, 300), (10, 200, 40)).save(buffer, "PNG")
    image = site.shared_image
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name="replaced-picture.png")
    image.width, image.height = 900, 300
    image.renditions.all().delete()
    image.save()
    answers = _sweep(base, posts)
    _report("(c) image in 5 posts replaced", answers, set(site.image_posts), b"replaced-picture")


def _speed(base: str, post_id: int, args) -> None:
    detail = f"{base}/api/v3/news/{post_id}/"
    for _ in range(6):
        _, headers, _ = get(detail)
    etag = headers["ETag"]
    assert get(detail, {"If-None-Match": etag})[0] == 304
    rows = [
        ("trivial (ping)", f"{base}/api/v3/ping", []),
        ("detail cached", detail, []),
        ("detail 304", detail, [f"If-None-Match: {etag}"]),
    ]
    print(f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s, gunicorn 2 workers")
    trivial = None
    for name, url, headers in rows:
        result = run_wrk(url, headers, args)
        trivial = trivial or result["rps"]
        print(
            f"{name:<16} {result['rps']:8.0f} req/s  p50 {result['p50']:6.2f} ms  "
            f"p99 {result['p99']:6.2f} ms  {100 * result['rps'] / trivial:5.1f} % of trivial"
            + (f"  ({result['errors']} errors)" if result["errors"] else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--redis-db", type=int, default=13)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-invalidation-"))
    (workdir / "media").mkdir()
    env = {
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "LOG_LEVEL": "WARNING",
        "NEWSROOM_WEBHOOK_URLS": "",
    }
    full_env = {**os.environ, **env}
    full_env.pop("REDIS_URL", None)
    migrate = [str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, cwd=ROOT, env=full_env, check=True)
    _setup_django(env)
    from django.core.cache import cache

    cache.clear()
    started = time.perf_counter()
    index, site = _build_site(args.posts)
    print(f"{len(site.posts)} posts built in {time.perf_counter() - started:.1f} s")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(GUNICORN), "cms.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        + ["--log-level", "warning", "--timeout", "600"],
        cwd=ROOT,
        env=full_env,
        start_new_session=True,
    )
    try:
        wait_until_up(base, server)
        _scenarios(base, index, site)
        _speed(base, site.posts[5], args)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
