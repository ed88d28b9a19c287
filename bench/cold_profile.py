"""CPU cost of cold renders in-process, as a share of the trivial view; optionally profiled.

Run on demand (not part of the test suite)::

    .venv/bin/python bench/cold_profile.py [--copies 40] [--workdir /tmp/cold] [--profile detail]

``bench/api_bench.py`` measures throughput against gunicorn with wrk, which a busy machine
makes noisy. This script measures what a request costs in CPU instead, in one process, so that
a change to the render path can be judged on a shared machine: ``time.process_time`` summed
over every request of a kind, compared with the trivial view (``/api/v3/ping``) measured the
same way before and after.

Data: api_bench's own (``migrate`` + ``load_demo`` + copies of the demo's longest post, one
page each), on the same settings (``cms.settings.production`` as shipped: SQLite and a
local-memory cache; with ``DATABASE_URL``/``REDIS_URL`` as for api_bench, PostgreSQL + Redis).
``--workdir`` keeps the data for the next run (a PostgreSQL database is kept under the name
saved there; each run takes a new Redis key prefix, so every run starts cold). ``--warm``
cold requests per door come first (on PostgreSQL give 12: psycopg prepares a statement after
5 runs). The wall-clock column adds the waits for the database and the cache to the CPU.

Requests go through Django's WSGI handler (every middleware, the request signals), built as
gunicorn would hand them over. Per door (news detail, route lookup, Wagtail's v3 and v2 page
details) each copy is requested once, *cold* as api_bench means it: the answer, the post's
rows, body and cards are in no cache, what posts share (people, organisations, images and
their renditions, the site) may be after the first few (warm-up copies, not counted). Every
cold answer is checked to be a 200 ``X-Cache: miss``; ``cached`` repeats one URL.

The share of the trivial view is ping's CPU per request over the door's. It is lower than
api_bench's share of throughput, which also counts gunicorn's and wrk's work per request
(about the same for every request, so it dilutes the difference); ``--server-ms`` adds such a
fixed cost to both sides to estimate it (default 0: the in-process figure).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote
from wsgiref.util import setup_testing_defaults

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (bench/ is not a package)

DOORS = {
    "detail": lambda copy: f"/api/v3/news/{copy['id']}/",
    "route": lambda copy: f"/api/v3/route/?html_path={quote(copy['path'])}",
    "v3 pages": lambda copy: f"/api/v3/pages/{copy['id']}/",
    "v2 pages": lambda copy: f"/api/v2/pages/{copy['id']}/",
}
# Cold copies rendered first per door (--warm), so that shared rows are cached and, on
# PostgreSQL, the statements are prepared and planned (psycopg prepares after 5 runs).
WARM_UP = 3


def prepare(workdir: Path, copies: int) -> tuple[dict, dict, str | None]:
    """(environment, made copies, PostgreSQL database to drop): api_bench's data, built once
    per workdir (a PostgreSQL database is kept with it: its name is saved there)."""
    saved = workdir / "copies.json"
    if saved.exists():
        made = json.loads(saved.read_text())
        if len(made["copies"]) >= copies:
            env, _ = api_bench.bench_environment(workdir, made.get("database"))
            return env, made, None
    env, database = api_bench.bench_environment(workdir)
    made = api_bench.prepare_data(env, workdir, copies, listing_pages=0)
    saved.write_text(json.dumps({**made, "database": database}))
    return env, made, database


class Client:
    """Requests through Django's WSGI handler, as gunicorn hands them over."""

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def get(self, url: str) -> tuple[int, dict, bytes]:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "HTTP_HOST": "127.0.0.1",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
        }
        setup_testing_defaults(environ)
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = dict(headers)

        chunks = self.handler(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return answer["status"], answer["headers"], body


def timed(client: Client, urls: list[str], *, expect: str | None = None) -> tuple[float, float]:
    """Mean CPU and wall-clock milliseconds per request of ``urls`` (each requested once, in
    order); the wall clock adds the waits for PostgreSQL and Redis to the CPU."""
    started, wall = time.process_time(), time.perf_counter()
    for url in urls:
        status, headers, body = client.get(url)
        if status != 200 or (expect and headers.get("X-Cache") != expect):
            raise SystemExit(f"{url}: {status} X-Cache {headers.get('X-Cache')} {body[:300]!r}")
    cpu = (time.process_time() - started) * 1000 / len(urls)
    return cpu, (time.perf_counter() - wall) * 1000 / len(urls)


def queries_of(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def profile(client: Client, urls: list[str], top: int, save: str | None) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for url in urls:
        client.get(url)
    profiler.disable()
    if save:
        profiler.dump_stats(save)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(top)
        print(f"\n--- {len(urls)} requests, by {order} ---")
        print("\n".join(out.getvalue().splitlines()[4:]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=40, help="cold requests per door")
    parser.add_argument("--pings", type=int, default=2000, help="trivial requests, twice")
    parser.add_argument("--warm", type=int, default=WARM_UP, help="untimed cold requests first")
    parser.add_argument("--workdir", help="keep (and reuse) the SQLite data in this folder")
    parser.add_argument("--profile", choices=sorted(DOORS), help="cProfile this door's colds")
    parser.add_argument("--top", type=int, default=45, help="profile entries shown")
    parser.add_argument("--save", help="write the profile to this file (pstats, snakeviz)")
    parser.add_argument(
        "--server-ms", type=float, default=0.0, help="fixed server CPU ms per request, added"
    )
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="newsroom-cold-"))
    workdir.mkdir(parents=True, exist_ok=True)
    per_door = args.warm + args.copies + 1  # + 1: counted for queries
    database = None
    try:
        env, made, database = prepare(workdir, len(DOORS) * per_door)
        os.environ.update(env)
        import django

        django.setup()
        import logging

        # Production logs an access line per request: formatted as there, written nowhere.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
        client = Client()
        copies = made["copies"]
        for _ in range(200):
            client.get("/api/v3/ping")
        api_bench_source = f"/api/v3/news/{made['source']}/"
        client.get(api_bench_source)  # renditions of the shared images exist

        rows = []
        ping = [timed(client, ["/api/v3/ping"] * args.pings)[0]]
        for number, (door, url_of) in enumerate(DOORS.items()):
            mine = copies[number * per_door : (number + 1) * per_door]
            urls = [url_of(copy) for copy in mine]
            warm, cold, counted = urls[: args.warm], urls[args.warm : -1], urls[-1]
            timed(client, warm, expect="miss")
            if args.profile == door:
                profile(client, cold, args.top, args.save)
                rows.append((door, "cold", None, None, queries_of(client, counted)))
                continue
            cold_ms, cold_wall = timed(client, cold, expect="miss")
            rows.append((door, "cold", cold_ms, cold_wall, queries_of(client, counted)))
            cached, cached_wall = timed(client, [counted] * 200, expect="hit")
            rows.append((door, "cached", cached, cached_wall, queries_of(client, counted)))
        ping.append(timed(client, ["/api/v3/ping"] * args.pings)[0])
        trivial = sum(ping) / 2 + args.server_ms
        print(f"\ntrivial /api/v3/ping: {ping[0]:.3f} / {ping[1]:.3f} ms CPU per request"
              f"{f' (+ {args.server_ms} ms server)' if args.server_ms else ''}")  # fmt: skip
        print(f"{'door':10}{'kind':>8}{'CPU ms':>9}{'% trivial':>11}{'wall ms':>9}{'queries':>9}")
        for door, kind, ms, wall, queries in rows:
            if ms is None:
                print(f"{door:10}{kind:>8}{'(profiled)':>29}{queries:>9}")
                continue
            share = trivial / (ms + args.server_ms)
            print(f"{door:10}{kind:>8}{ms:9.2f}{share:11.1%}{wall:9.2f}{queries:>9}")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
            api_bench.drop_database(database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
