"""CPU per cold listing of 20 and per cold news detail, in-process, against the trivial view.

Run on demand (not part of the test suite)::

    .venv/bin/python bench/cold_listing.py [--pages 30] [--workdir DIR] [--profile]

A quiet-machine tool is ``bench/api_bench.py`` (gunicorn, wrk); this one measures *CPU time*
(``time.process_time``) in one process through Django's test client, so it stays meaningful
on a busy machine. Data as ``api_bench.py`` builds it (its helpers: production settings,
``migrate`` + ``load_demo`` + copies of the demo's longest post, the newest of them filling
the listing's pages); ``--workdir`` keeps and reuses it.

Rows, each CPU ms per request and its share of the trivial view (``/api/v3/ping``, measured
the same way in the same process, first and last):

- ``listing cold``: each page of 20 copies once (``?limit=20&offset=…``), as api_bench's cold
  listing: the answer and those posts' cards in no cache; what the posts share (people,
  organisations, images, renditions) cached after the first page;
- ``listing after publish``: the same after a new content generation (a publish), so rows,
  cards and related-post lists of every post are cold too (renditions are not keyed by it);
- ``detail cold``: each copy's ``/api/v3/news/{id}/`` once, as api_bench's cold detail (its
  related posts are the newest copies, whose cards are cached after the first request);
- ``detail after publish``: the same after a new content generation: the post's card, its
  related-post ranking and the three related cards all built;
- ``detail, publish - cold``: the difference of the two detail rows: three related cards
  built, and the rows (people, organisations, images, the post) read again;
- ``related ranking``: the related-posts statement alone (``news.related``), per post.

``--profile`` prints the top cProfile entries of the cold listings and of the details after
a publish.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import api_bench  # noqa: E402  (bench/ is not a package)

LISTING = api_bench.LISTING


def prepare(workdir: Path, pages: int, details: int) -> tuple[dict, dict]:
    """The production environment (SQLite in ``workdir``) and the copies; made once."""
    env, _ = api_bench.bench_environment(workdir)
    env.pop("DATABASE_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    marker = workdir / "copies.json"
    if marker.exists():
        import json

        made = json.loads(marker.read_text())
    else:
        import json

        made = api_bench.prepare_data(env, workdir, pages * LISTING + details + 1, pages)
        marker.write_text(json.dumps(made))
    return env, made


def cpu_ms(requests: list[Callable[[], object]], profiler: cProfile.Profile | None = None) -> float:
    """Mean CPU milliseconds of each call (its own ``process_time`` only)."""
    total = 0.0
    for call in requests:
        started = time.process_time()
        if profiler is not None:
            profiler.enable()
        call()
        if profiler is not None:
            profiler.disable()
        total += time.process_time() - started
    return 1000 * total / len(requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=30, help="cold listing pages of 20")
    parser.add_argument("--details", type=int, default=60, help="cold detail requests")
    parser.add_argument("--pings", type=int, default=3000)
    parser.add_argument("--workdir", help="keep (and reuse) the data in this folder")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="newsroom-cold-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        env, made = prepare(workdir, args.pages, 2 * args.details)
        os.environ.update(env)
        return measure(made, args)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def measure(made: dict, args) -> int:
    import django

    django.setup()
    import logging

    # Access log lines are formatted as in production, then dropped instead of printed.
    for handler in logging.getLogger("newsroom.access").handlers + logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the run)
    from django.test import Client

    from news import api_cache

    client = Client(SERVER_NAME="127.0.0.1")

    def get(url: str, *, cold: bool = True) -> Callable[[], object]:
        def call() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.content[:300])
            if cold:
                assert response["X-Cache"] == "miss", url

        return call

    def publish() -> None:  # a new content generation, as any publish makes (no tag bumped)
        api_cache.bump((), "cold_listing bench")

    copies = made["copies"]
    pages, details = args.pages, args.details
    if len(copies) < pages * LISTING + 2 * details:
        raise SystemExit("the workdir holds fewer copies than asked for: use a new one")
    # Warm-up: renditions made and cached, the demo's shared rows, the process's caches.
    get(f"/api/v3/news/{made['source']}/", cold=False)()
    get(f"/api/v3/news/?limit=13&offset={pages * LISTING}", cold=False)()
    ping = [get("/api/v3/ping", cold=False)] * args.pings
    cpu_ms(ping[:200])

    listing_profile = cProfile.Profile() if args.profile else None
    detail_profile = cProfile.Profile() if args.profile else None
    rest = copies[pages * LISTING :]
    rows: list[tuple[str, float]] = [("trivial (ping)", cpu_ms(ping))]
    offsets = [page * LISTING for page in range(pages)]
    rows.append(
        (
            "listing cold",
            cpu_ms([get(f"/api/v3/news/?limit={LISTING}&offset={o}") for o in offsets]),
        )
    )
    after = []
    for offset in offsets:  # offset + 1: not the answers cached above (a publish with no
        # tags keeps them valid); still pages of 20 whose cards are all built again
        after += [publish, get(f"/api/v3/news/?limit={LISTING}&offset={offset + 1}")]
    rows.append(("listing after publish", _every_other(after, listing_profile)))
    first, second = rest[:details], rest[details : 2 * details]
    rows.append(("detail cold", cpu_ms([get(f"/api/v3/news/{c['id']}/") for c in first])))
    after = []
    for copy in second:
        after += [publish, get(f"/api/v3/news/{copy['id']}/")]
    rows.append(("detail after publish", _every_other(after, detail_profile)))
    rows.append(("detail, publish - cold", rows[-1][1] - rows[-2][1]))
    from news.models import NewsPage
    from news.related import related_card_rows

    posts = list(NewsPage.objects.filter(pk__in=[copy["id"] for copy in second]))
    rows.append(("related ranking", cpu_ms([lambda p=p: related_card_rows(p) for p in posts])))
    rows.append(("trivial (ping)", cpu_ms(ping)))

    trivial = (rows[0][1] + rows[-1][1]) / 2
    print(f"\nCPU ms per request (process_time), in-process test client, {pages} listing pages")
    print(f"{'':24}{'CPU ms':>9}{'% trivial':>11}")
    for name, ms in rows:
        whole = name.startswith(("trivial", "listing ", "detail "))  # a whole request
        share = f"{trivial / ms:11.1%}" if whole else ""
        print(f"{name:24}{ms:9.2f}{share}")
    for title, profile in (("cold listings, after publish", listing_profile),
                           ("details after publish", detail_profile)):  # fmt: skip
        if profile is not None:
            print(f"\n--- cProfile: {title} (cumulative) ---")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
            print(f"\n--- cProfile: {title} (own time) ---")
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    return 0


def _every_other(calls: list[Callable[[], object]], profiler) -> float:
    """CPU ms of the odd calls (the requests), the even ones (publishes) run unmeasured."""
    total = 0.0
    for preparation, call in zip(calls[::2], calls[1::2], strict=True):
        preparation()
        total += cpu_ms([call], profiler)
    return total / (len(calls) // 2)


if __name__ == "__main__":
    sys.exit(main())
