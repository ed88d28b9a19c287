"""Load-test the public API under gunicorn with wrk; print req/s, p50/p99 and ratios.

Run on demand (not part of the test suite)::

    apt-get install -y wrk            # Debian's wrk, if `wrk` is missing
    .venv/bin/python bench/api_bench.py [--duration 10] [--connections 8] [--db FILE]

What it does: builds a throw-away SQLite database in a temporary folder (``migrate`` +
``load_demo``; or copies ``--db``), starts gunicorn on 127.0.0.1 on a free port with 2 sync
workers (DEBUG off, persistent DB connections, local-memory cache per worker), then drives
each scenario with wrk for ``--duration`` seconds:

- trivial    ``/api/v3/ping``: same server, middleware and Ninja; no database (the ceiling)
- detail uncached: the demo's longest post, rendered again on every request (the response
  cache is bypassed with a header honoured only because the bench sets
  ``NEWSROOM_API_BENCH_BYPASS=1``; the generation is still read, the page row read and its
  body rendered; cards, related-post ids and rendition data come from their sub-caches, as
  for every render but the first after a publish — see README, "The headless API")
- detail cold: the same with every cache of the worker emptied before each request
  (sub-caches, Wagtail's site root paths and rendition cache): the first render after a
  deploy, the worst case
- detail cached: the same URL through the response cache
- 304: the same URL with ``If-None-Match`` (one query: the generation)
- listing 20 uncached / cold / cached: ``/api/v3/news/?limit=20``

Each row shows requests/s, median and 99th percentile latency, and the ratio to the trivial
view. Everything runs on this machine: the figures are for comparison, not capacity.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
BYPASS = "X-Newsroom-Bypass-Cache: 1"
COLD = "X-Newsroom-Bypass-Cache: cold"
TARGETS = {  # the targets, as a share of the trivial view's req/s
    "detail uncached": 0.10,
    "detail cached": 0.50,
    "304 revalidation": 0.70,
    "listing 20 uncached": 0.20,
    "listing 20 cached": 0.20,
    "v3 pages detail cached": 0.50,
    "v3 pages detail 304": 0.70,
    "v2 pages detail cached": 0.50,
    "v2 pages detail 304": 0.70,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(workdir: Path, source: str | None, media: str | None, env: dict) -> None:
    if source:
        shutil.copy(source, workdir / "db.sqlite3")
        shutil.copytree(media, workdir / "media") if media else (workdir / "media").mkdir()
        print(f"database: copy of {source}")
        return
    (workdir / "media").mkdir()
    print("database: migrate + load_demo (takes a minute)…", flush=True)
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run(
            [str(PYTHON), "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def get(url: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            if get(f"{base}/api/v3/ping")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, headers: list[str], args) -> dict:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=args.duration + 60
    ).stdout
    latencies = {p: to_ms(v, u) for p, v, u in LATENCY.findall(output)}
    errors = ERRORS.search(output)
    return {
        "rps": float(RPS.search(output).group(1)),
        "p50": latencies.get("50"),
        "p99": latencies.get("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", help="an existing SQLite database to copy instead of load_demo")
    parser.add_argument("--media", help="with --db: its media folder (copied)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "NEWSROOM_API_BENCH_BYPASS": "1",
    }
    for name in ("CACHE_URL", "REDIS_URL"):  # local-memory cache unless asked otherwise
        env.pop(name, None)
    prepare_database(workdir, args.db, args.media, env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "cms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--timeout",
            "600",  # the very first renders create renditions
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_up(base, server)
        # The first renders create every rendition (image processing): allow them time.
        status, _, body = get(f"{base}/api/v3/news/?limit=100", timeout=600)
        assert status == 200, body[:200]
        items = json.loads(body)["items"]
        post = max(items, key=lambda card: card["reading_time"])
        detail = f"{base}/api/v3/news/{post['id']}/"
        listing = f"{base}/api/v3/news/?limit=20"
        # Warm every worker (renditions exist after the first render; caches filled).
        for _ in range(4 * args.workers):
            get(detail, timeout=600)
            get(listing, timeout=600)
        status, headers, body = get(detail)
        etag = headers["ETag"]
        print(
            f"post: {post['title']!r} ({len(json.loads(body)['body'])} blocks, {len(body)} bytes)"
        )
        assert get(detail, {"If-None-Match": etag})[0] == 304
        assert get(detail, {"X-Newsroom-Bypass-Cache": "1"})[0] == 200
        # Wagtail's own page endpoints (same post): the same response cache and ETag.
        v3_page = f"{base}/api/v3/pages/{post['id']}/"
        v2_page = f"{base}/api/v2/pages/{post['id']}/"
        page_etags = {}
        for url in (v3_page, v2_page):
            for _ in range(4 * args.workers):
                get(url, timeout=600)
            page_etags[url] = get(url)[1]["ETag"]
            assert get(url, {"If-None-Match": page_etags[url]})[0] == 304

        scenarios = [
            ("trivial (ping)", f"{base}/api/v3/ping", []),
            ("detail uncached", detail, [BYPASS]),
            ("detail cold", detail, [COLD]),
            ("detail cached", detail, []),
            ("304 revalidation", detail, [f"If-None-Match: {etag}"]),
            ("listing 20 uncached", listing, [BYPASS]),
            ("listing 20 cold", listing, [COLD]),
            ("listing 20 cached", listing, []),
            ("v3 pages detail cached", v3_page, []),
            ("v3 pages detail 304", v3_page, [f"If-None-Match: {page_etags[v3_page]}"]),
            ("v2 pages detail cached", v2_page, []),
            ("v2 pages detail 304", v2_page, [f"If-None-Match: {page_etags[v2_page]}"]),
        ]
        print(
            f"gunicorn {args.workers} workers, wrk -t{args.threads} -c{args.connections} "
            f"-d{args.duration}s, {os.cpu_count()} CPUs\n"
        )
        print(
            f"{'scenario':24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} {'target':>7}"
        )
        ceiling = None
        for name, url, headers in scenarios:
            result = run_wrk(url, headers, args)
            ceiling = ceiling or result["rps"]
            ratio = result["rps"] / ceiling
            target = TARGETS.get(name)
            verdict = "" if target is None else (" ok" if ratio >= target else " MISSED")
            target_text = "" if target is None else f"{target:.0%}"
            print(
                f"{name:24}{result['rps']:9.1f}{result['p50'] or 0:9.2f}{result['p99'] or 0:9.2f}"
                f"{ratio:9.0%}{target_text:>9}{verdict}"
                + (f"  ({result['errors']} errors)" if result["errors"] else ""),
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
