"""Load-test the public API on the project's default settings; print req/s and % of trivial.

Run on demand (not part of the test suite)::

    apt-get install -y wrk            # Debian's wrk, if `wrk` is missing
    .venv/bin/python bench/api_bench.py [--duration 10] [--connections 8] [--workers 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/api_bench.py        # PostgreSQL + Redis, as production runs

The server is gunicorn with production's configuration (``cms/gunicorn.conf.py``: sync
workers; ``--workers`` of them, recycling off) on ``cms.settings.production`` as shipped: the
bench sets only what production refuses to start without (``SECRET_KEY``, ``ALLOWED_HOSTS``)
and ``SECURE_SSL_REDIRECT=false`` (no TLS proxy in front). So database connections, caches
and middleware are the defaults a deployment gets. Nothing in the request path knows it is being
measured: there is no benchmark header or setting.

Data: a throw-away database (an SQLite file in a temporary folder; with ``DATABASE_URL`` a
new database on that PostgreSQL server, dropped afterwards) with ``migrate`` + ``load_demo``
and copies of the demo's longest post (10 blocks: a floated logo, two quotes, a bio, three
"About …" sections), each a page of its own; on PostgreSQL then ``ANALYZE`` (what
autovacuum does within a minute of such a load). With ``REDIS_URL``/``CACHE_URL`` the cache
is that Redis under a key prefix of its own.

For each of news detail (``/api/v3/news/{id}/``), route lookup (``/api/v3/route/?html_path=``),
Wagtail's own page detail doors (``/api/v3/pages/{id}/``, ``/api/v2/pages/{id}/``) and the
listing of 20 (``/api/v3/news/?limit=20``):

- cold: answers never requested before — a different copy per request (listing: a different
  page of 20 copies per request), so the answer, the page's rows, body and cards are in no
  cache; what posts share (people, organisations, images and their renditions, the site,
  the listing's order of posts for the generation) is cached after the first few. ``--warm``
  (``--warm-listings``) untimed cold requests on other copies come first (24 of each: about
  12 per worker), so that each worker has compiled its statements, psycopg has prepared them
  (after 5 runs on a connection) and PostgreSQL has settled on their plans (its first 5 runs
  of a prepared statement are planned anew) — once per process and kept connection
  (``DB_CONN_MAX_AGE``, 10 minutes), not once per publish;
  then ``--cold`` (``--cold-listings``) timed ones, requested by curl (``--parallel``, as
  many at a time as wrk's connections: a client in C like wrk, so that the client's own CPU
  weighs on the shared cores as little as in the other rows), each answer checked to be a 200
  ``X-Cache: miss``; the rate is the answers over curl's wall-clock time.
- cached: one URL, again and again (``X-Cache: hit``), with wrk;
- 304: the same URL with its ``If-None-Match``, with wrk.

Then, in the same run and server, the hit rate after one publish (issue #15's precise
invalidation): the details of ``--site-posts`` copies (1,000) are requested until every one is
an ``X-Cache: hit``, a new post is published from another process (``manage.py shell``, as an
editor's publish in another worker would be), and every detail is requested once more: the
share of the others still served from cache, and whether the new post is there, fresh.

The trivial view is ``/api/v3/ping`` in the same server (same middleware, no database),
measured first and last; ratios are to the mean of the two. Everything runs on this machine
(client included): the figures are for comparison, not capacity.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
TARGETS = {"cold": 0.10, "cached": 0.60, "304": 0.85}  # issue #15, as a share of trivial
LISTING = 20

# Copies of the longest demo post, created live (as an import does: no revisions, which
# readers never see anyway); the first ``listing`` of them are the newest posts, so that the
# listing's pages of 20 (offset 0, 20, 40 …) hold copies only.
MAKE_COPIES = """
import datetime as dt
import json
from django.db import transaction
from news.models import NewsPage, NewsPageAuthor
source = NewsPage.objects.live().order_by("-reading_time", "pk").first()
index = source.get_parent()
dates = NewsPage.objects.order_by("date").values_list("date", flat=True)
oldest, newest = dates.first(), dates.last()
done = set(NewsPage.objects.filter(slug__startswith="bench-").values_list("slug", flat=True))
def copy(number):
    slug = f"bench-{{number:04d}}"
    if slug in done:
        return
    if number < {listing}:
        date = newest + dt.timedelta(minutes={listing} - number)
    else:
        date = oldest - dt.timedelta(days=number)
    page = NewsPage(
        title=f"{{source.title}} ({{number}})", slug=slug, subtitle=source.subtitle, date=date,
        byline=source.byline, summary=source.summary, feature_image=source.feature_image,
        feature_image_alt=source.feature_image_alt, category=source.category,
        body=source.body.raw_data,
    )
    page.authors = [NewsPageAuthor(person_id=a.person_id) for a in source.authors.all()]
    # Before the save: a cluster's tags are written when the page is (added after, they
    # stayed in memory: the copies had no tags before 2026-12-04 10:50).
    page.tags.add(*source.tags.names())
    index.add_child(instance=page)
with transaction.atomic():
    for number in range({count}):
        copy(number)
copies = NewsPage.objects.filter(slug__startswith="bench-").order_by("slug")
made = [{{"id": p.pk, "path": p.get_url_parts()[2]}} for p in copies]
from django.conf import settings
database = settings.DATABASES["default"]
connections = {{"max_age": database["CONN_MAX_AGE"], "checks": database["CONN_HEALTH_CHECKS"]}}
print(json.dumps({{"source": source.pk, "copies": made, "connections": connections}}))
"""


def bench_environment(workdir: Path, existing: str | None = None) -> tuple[dict, str | None]:
    """The server's environment (production settings) and the PostgreSQL database to drop
    (``existing``: that database, made by an earlier run, is used as it is)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "NEWSROOM_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        MEDIA_ROOT=str(workdir / "media"),
    )
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
        return env, None
    import psycopg

    database = existing or f"newsroom_bench_{os.getpid()}"
    if not existing:
        server = urlsplit(url)._replace(path="/postgres").geturl()
        with psycopg.connect(
            server.replace("postgres://", "postgresql://", 1), autocommit=True
        ) as c:
            c.execute(f'CREATE DATABASE "{database}"')
    env["DATABASE_URL"] = urlsplit(url)._replace(path=f"/{database}").geturl()
    if env.get("CACHE_URL") or env.get("REDIS_URL"):
        env["CACHE_KEY_PREFIX"] = f"bench-{database}-{os.getpid()}"
    return env, None if existing else database


def drop_database(name: str | None) -> None:
    if name is None:
        return
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *command: str) -> str:
    return subprocess.run(
        [str(PYTHON), "manage.py", *command],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


ANALYZE = "from django.db import connection; connection.cursor().execute('ANALYZE')"


def prepare_data(env: dict, workdir: Path, copies: int, listing_pages: int) -> dict:
    """Migrated database with the demo and the copies: {"source": id, "copies": [{id, path}],
    "connections": the database connection settings the server runs with}."""
    (workdir / "media").mkdir(exist_ok=True)
    started = time.monotonic()
    print("data: migrate + load_demo + copies of the longest post (a few minutes)…", flush=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    script = MAKE_COPIES.format(count=copies, listing=listing_pages * LISTING)
    made = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    # The planner's statistics of a database that has been running a while: autovacuum
    # analyses tables within a minute of a bulk load like this one; here at once, so that
    # every run measures the same plans (on SQLite the project never runs ANALYZE: nothing).
    if "postgres" in env.get("DATABASE_URL", ""):
        manage(env, "shell", "-c", ANALYZE)
    print(f"data ready in {time.monotonic() - started:.0f} s", flush=True)
    return made


def urls_for(base: str, copies: list[dict], listing_pages: int, per_kind: int) -> dict:
    """Per endpoint: the warm URL (cached, 304) and the cold URLs, each one never requested."""
    rest = copies[listing_pages * LISTING :]
    route = f"{base}/api/v3/route/?html_path="
    urls = {}
    # One post per door, warm and cold copies of their own; Wagtail's page doors return the
    # same post (the same builder and guarantees) as Newsroom's.
    doors = (
        ("news detail", lambda copy: f"{base}/api/v3/news/{copy['id']}/"),
        ("route lookup", lambda copy: f"{route}{quote(copy['path'])}"),
        ("v3 pages/{id}", lambda copy: f"{base}/api/v3/pages/{copy['id']}/"),
        ("v2 pages/{id}", lambda copy: f"{base}/api/v2/pages/{copy['id']}/"),
    )
    for number, (name, url) in enumerate(doors):
        cold = rest[number * per_kind : (number + 1) * per_kind]
        urls[name] = (url(rest[-1 - number]), [url(copy) for copy in cold])
    return {
        **urls,
        "listing of 20": (
            f"{base}/api/v3/news/?limit={LISTING}",
            [
                f"{base}/api/v3/news/?limit={LISTING}&offset={page * LISTING}"
                for page in range(listing_pages)
            ],
        ),
    }


def make_renditions(base: str, source: int, listing_pages: int) -> None:
    """Renders the copied post and the demo's cards once, so their images' renditions exist
    (image processing happens once per image, at the first render after an upload)."""
    demo = f"{base}/api/v3/news/?limit=13&offset={listing_pages * LISTING}"
    for url in (f"{base}/api/v3/news/{source}/", demo):
        status, _, body = get(url, timeout=600)
        assert status == 200, body[:300]


# --- HTTP: the server, one request, wrk, the cold runs ----------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict | None = None, timeout: float = 60) -> tuple[int, dict, bytes]:
    """(status, headers, body); HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Server:
    """gunicorn serving the CMS on a free port, for the ``with`` block."""

    def __init__(self, env: dict, workers: int) -> None:
        self.env, self.workers = env, workers
        self.base = f"http://127.0.0.1:{free_port()}"

    def __enter__(self) -> Server:
        # Production's gunicorn configuration; worker recycling off, so that a run of a few
        # seconds measures serving rather than worker start-up.
        env = {**self.env, "GUNICORN_BIND": self.base.removeprefix("http://"),
               "WEB_CONCURRENCY": str(self.workers), "GUNICORN_TIMEOUT": "600",
               "GUNICORN_MAX_REQUESTS": "0"}  # fmt: skip
        self.log = tempfile.TemporaryFile()  # gunicorn's own log, shown if it fails
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "cms/gunicorn.conf.py", "cms.wsgi"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if get(f"{self.base}/api/v3/ping", timeout=5)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        self.log.seek(0)
        raise SystemExit(f"gunicorn did not start: {self.log.read()[-3000:].decode()}")

    def __exit__(self, *exc) -> None:
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)


RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def run_wrk(url: str, headers: list[str], args) -> float:
    """Requests per second wrk reaches on one URL."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--timeout", "10s"]  # fmt: skip
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=args.duration + 60
    ).stdout
    errors = ERRORS.search(output)
    if errors:
        print(f"warning: {errors.group(1)} non-2xx/3xx answers from {url}", file=sys.stderr)
    return float(RPS.search(output).group(1))


def cold_run(urls: list[str], connections: int) -> tuple[float, int]:
    """(requests/s, cache hits) for each URL requested once, ``connections`` at a time."""
    pending = list(reversed(urls))
    lock = threading.Lock()
    hits = []

    def client() -> None:
        while True:
            with lock:
                if not pending:
                    return
                url = pending.pop()
            status, headers, body = get(url, timeout=300)
            assert status == 200, (url, body[:300])
            hits.append(headers.get("X-Cache") == "hit")

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(urls) / (time.monotonic() - started), sum(hits)


def cold_run_curl(urls: list[str], connections: int) -> tuple[float, int]:
    """(requests/s, cache hits) for each URL requested once, ``connections`` at a time, by
    curl (C, like wrk: a Python client's own CPU would weigh on the 2 cores it shares with
    the workers): the URLs answered over the wall-clock time of the curl run."""
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as config:
        for url in urls:
            config.write(f'url = "{url}"\noutput = "/dev/null"\n')
    try:
        started = time.monotonic()
        output = subprocess.run(
            ["curl", "--silent", "--parallel", "--parallel-immediate",
             "--parallel-max", str(connections), "--max-time", "300",
             "--write-out", "%{http_code} %header{x-cache}\\n", "--config", config.name],
            capture_output=True, text=True, check=True, timeout=900,
        ).stdout  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        os.unlink(config.name)
    answers = [line.split() for line in output.splitlines() if line.strip()]
    failed = [a for a in answers if a[0] != "200"]
    if len(answers) != len(urls) or failed:
        raise SystemExit(f"cold run: {len(answers)} answers for {len(urls)} URLs, {failed[:3]}")
    return len(urls) / elapsed, sum(1 for a in answers if a[1:] == ["hit"])


# --- Measuring and reporting ------------------------------------------------------------------


def measure(server: Server, urls: dict, args) -> list[tuple[str, str, float]]:
    """(endpoint, kind, req/s) for every row, trivial first and last."""
    rows = [("trivial (ping)", "", run_wrk(f"{server.base}/api/v3/ping", [], args))]
    for endpoint, (warm, cold_urls) in urls.items():
        # Untimed cold requests first (other copies): each worker compiles its statements
        # and fills its per-process state once, as it does once after it starts, not after
        # each publish; then the timed ones, each still a miss.
        first = args.warm_listings if endpoint == "listing of 20" else args.warm
        cold_run(cold_urls[:first], args.connections)
        rate, hits = cold_run_curl(cold_urls[first:], args.connections)
        if hits:
            print(f"warning: {hits} cold {endpoint} answers were cache hits", file=sys.stderr)
        rows.append((endpoint, "cold", rate))
        for _ in range(4 * args.workers):  # every worker has rendered and cached it
            status, headers, body = get(warm, timeout=300)
            assert status == 200, body[:300]
        rows.append((endpoint, "cached", run_wrk(warm, [], args)))
        etag = get(warm)[1]["ETag"]
        assert get(warm, {"If-None-Match": etag})[0] == 304
        rows.append((endpoint, "304", run_wrk(warm, [f"If-None-Match: {etag}"], args)))
    rows.append(("trivial (ping)", "again", run_wrk(f"{server.base}/api/v3/ping", [], args)))
    return rows


PUBLISH_ONE = """
from news.models import NewsPage
source = NewsPage.objects.get(pk={source})
# A post unlike the copies (no category, tags, people or images): no copy's related posts
# change, so every other detail still holds.
post = NewsPage(title="Breaking: {marker}", slug="{marker}", summary="Just in.",
                body=[{{"type": "paragraph", "value": "<p>A short news item.</p>"}}])
source.get_parent().add_child(instance=post)
post.save_revision().publish()
print(post.pk)
"""


def _sweep(urls: list[str], connections: int) -> dict[str, tuple[str, bytes]]:
    """Every URL once, ``connections`` at a time: {url: (X-Cache, body)}."""
    pending = list(urls)
    lock = threading.Lock()
    answers: dict[str, tuple[str, bytes]] = {}

    def client() -> None:
        while True:
            with lock:
                if not pending:
                    return
                url = pending.pop()
            status, headers, body = get(url, timeout=300)
            assert status == 200, (url, body[:300])
            answers[url] = (headers.get("X-Cache", ""), body)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


WARM_STREAK = 10


def hit_rate_after_publish(server: Server, env: dict, made: dict, args) -> str:
    """The precise-invalidation line: others still cached after one publish, new one fresh."""
    details = [f"{server.base}/api/v3/news/{copy['id']}/" for copy in made["copies"]]
    details = details[: args.site_posts]
    # Every worker must have rendered and cached each detail. With per-process caches a
    # request reaches whichever worker accepts it, so each detail is requested until it was
    # a hit WARM_STREAK times in a row: a worker that never cached it is then unlikely
    # ((1/2)^10 with 2 workers), and would show as a miss below.
    streak = dict.fromkeys(details, 0)
    sweeps = 0
    while sweeps < 60 and any(n < WARM_STREAK for n in streak.values()):
        sweeps += 1
        wanted = [url for url, n in streak.items() if n < WARM_STREAK]
        for url, (x_cache, _body) in _sweep(wanted, args.connections).items():
            streak[url] = streak[url] + 1 if x_cache == "hit" else 0
    warm_hits = sum(1 for n in streak.values() if n >= WARM_STREAK)
    marker = f"bench-breaking-{os.getpid()}"
    script = PUBLISH_ONE.format(source=made["source"], marker=marker)
    new_id = int(manage(env, "shell", "-c", script).split()[-1])
    new_url = f"{server.base}/api/v3/news/{new_id}/"
    after = _sweep([*details, new_url], args.connections)
    hits = sum(1 for url in details if after[url][0] == "hit")
    fresh = marker.encode() in after[new_url][1] or b"Breaking" in after[new_url][1]
    return (
        f"hit rate after one publish in a {len(details):,}-post site: "
        f"{hits}/{len(details)} other details served from cache ({hits / len(details):.1%}; "
        f"before the publish {warm_hits}/{len(details)} warm after {sweeps} sweeps), "
        f"the new post {'fresh' if fresh else 'MISSING'} on the next request"
    )


def report(rows: list[tuple[str, str, float]], env: dict, connections: dict, args) -> None:
    trivial = (rows[0][2] + rows[-1][2]) / 2
    database = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    cache = "Redis" if env.get("CACHE_URL") or env.get("REDIS_URL") else "local memory"
    print(
        f"\ncms.settings.production defaults ({database}, {cache} cache, CONN_MAX_AGE "
        f"{connections['max_age']}, health checks {'on' if connections['checks'] else 'off'}); "
        f"gunicorn.conf.py, {args.workers} sync workers; wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration}s; {os.cpu_count()} CPUs\n"
    )
    print(f"{'endpoint':16}{'kind':>8}{'req/s':>10}{'% trivial':>11}{'target':>8}")
    for endpoint, kind, rate in rows:
        target = TARGETS.get(kind)
        verdict = "" if target is None else ("  ok" if rate / trivial >= target else "  MISSED")
        target_text = f"{target:.0%}" if target else ""
        print(f"{endpoint:16}{kind:>8}{rate:10.1f}{rate / trivial:11.1%}{target_text:>8}{verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cold", type=int, default=120, help="cold requests per detail door")
    parser.add_argument("--cold-listings", type=int, default=48, help="cold listing requests")
    parser.add_argument(
        "--warm", type=int, default=24, help="untimed cold requests per detail endpoint first"
    )
    parser.add_argument("--warm-listings", type=int, default=24, help="untimed cold listings first")
    parser.add_argument(
        "--site-posts",
        type=int,
        default=1000,
        help="posts whose hit rate after a publish is measured",
    )
    parser.add_argument("--workdir", help="keep (and reuse) the SQLite data in this folder")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="newsroom-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env, database = bench_environment(workdir)
    listing_pages = args.warm_listings + args.cold_listings
    per_door = args.warm + args.cold
    copies = max(listing_pages * LISTING + 4 * per_door + 4, args.site_posts)
    try:
        made = prepare_data(env, workdir, copies, listing_pages)
        with Server(env, args.workers) as server:
            make_renditions(server.base, made["source"], listing_pages)
            urls = urls_for(server.base, made["copies"], listing_pages, per_door)
            report(measure(server, urls, args), env, made["connections"], args)
            if args.site_posts:
                print("\n" + hit_rate_after_publish(server, env, made, args), flush=True)
    finally:
        drop_database(database)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
