"""Production-shaped load: a realistic request mix against 4 gunicorn workers on PostgreSQL and
Redis, while an editor publishes through the admin and a slow webhook receiver listens.

Run on demand (not part of the test suite); needs this machine's PostgreSQL and Redis, and
Debian's wrk (``apt-get install -y wrk``)::

    .venv/bin/python bench/load_mix.py [--duration 60] [--connections 64] [--publish-every 3]

It creates a fresh PostgreSQL database (``newsroom_loadmix``), migrates it and loads the demo
content, starts a webhook receiver on 127.0.0.1 that takes 2 s to answer each delivery, and
serves the CMS with gunicorn (4 workers, Redis cache, persistent connections). wrk then drives
the mix for ``--duration`` seconds — post detail, news listing, search, route lookup, RSS and
Atom feeds, and 304 revalidations — while an editor thread signs in to the admin and every few
seconds publishes an organisation's changed website through the real snippet edit form (which
fans out to every post carrying that organisation). It prints throughput, p50/p95/p99, errors,
the editor's publish latency, and whether every webhook event arrived. Loopback only; bounded.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import http.server
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import base_env, free_port, gunicorn, manage  # noqa: E402

DATABASE = "newsroom_loadmix"
ADMIN_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


class SlowReceiver(http.server.ThreadingHTTPServer):
    """Answers every webhook after ``delay`` seconds; remembers the event ids it got."""

    daemon_threads = True

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.event_ids: set[str] = set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.event_ids.add(json.loads(body)["id"])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Editor(threading.Thread):
    """Signs in to the admin and publishes an organisation change every ``every`` seconds."""

    def __init__(self, base: str, password: str, organisation_id: int, every: float) -> None:
        super().__init__(daemon=True)
        self.base, self.password, self.every = base, password, every
        self.organisation_id = organisation_id
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )
        self.jar = jar

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def _post(self, path: str, data: dict) -> tuple[int, str]:
        """POST the form; answers (status, Location) — the redirect is not followed, so the
        time measured is the publish request alone."""
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.geturl()
        except urllib.error.HTTPError as redirect:
            return redirect.code, redirect.headers.get("Location", "")

    def login(self) -> None:
        self.opener.open(self.base + "/admin/login/", timeout=30).read()
        status, url = self._post(
            "/admin/login/",
            {"username": "admin", "password": self.password, "csrfmiddlewaretoken": self._csrf()},
        )
        if status != 302 or "/login/" in url:
            raise RuntimeError("admin login failed")

    def publish_once(self, n: int) -> None:
        path = f"/admin/snippets/news/organisation/edit/{self.organisation_id}/"
        html = self.opener.open(self.base + path, timeout=60).read().decode()
        data = form_fields(html)
        data["website"] = [f"https://northwind.example/?edition={n}"]
        data["action-publish"] = ["action-publish"]
        data["csrfmiddlewaretoken"] = [self._csrf()]
        started = time.perf_counter()
        status, url = self._post(path, data)
        self.latencies.append(time.perf_counter() - started)
        if status != 302 or "/edit/" in url:
            self.failures.append(f"publish {n}: status {status}, landed on {url}")

    def run(self) -> None:
        n = 0
        while not self.stop.wait(self.every):
            n += 1
            try:
                self.publish_once(n)
            except Exception as exc:  # a benchmark reports, it does not crash mid-run
                self.failures.append(f"publish {n}: {exc!r}")


def form_fields(html: str) -> dict[str, list[str]]:
    """The fields a browser would submit from the page's editor form (as the editor left it)."""
    from bs4 import BeautifulSoup

    form = BeautifulSoup(html, "html.parser").find("form", id="w-editor-form")
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        kind = (field.get("type") or "").lower()
        if not name or kind in {"submit", "button", "file"}:
            continue
        if kind in {"checkbox", "radio"} and not field.has_attr("checked"):
            continue
        if field.name == "textarea":
            value = field.text
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            value = chosen.get("value", "") if chosen else ""
        else:
            value = field.get("value", "")
        data.setdefault(name, []).append(value)
    return data


def wrk_script(paths: list[tuple[str, str | None]]) -> str:
    """A Lua script choosing among ``(path, etag)`` requests; etag → a 304 revalidation."""
    entries = ",\n".join(
        f"{{path={json.dumps(p)}, etag={json.dumps(e) if e else 'nil'}}}" for p, e in paths
    )
    return f"""
local requests = {{
{entries}
}}
local counter = 0
request = function()
  counter = counter + 1
  local r = requests[math.random(#requests)]
  if r.etag then
    return wrk.format("GET", r.path, {{["If-None-Match"] = r.etag}})
  end
  return wrk.format("GET", r.path)
end
done = function(summary, latency, requests)
  io.write(string.format("JSON %s\\n", string.format(
    '{{"requests": %d, "duration_us": %d, "non2xx3xx": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "timeout": %d, "status": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}}',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max)))
end
"""


def build_mix(base: str) -> list[tuple[str, str | None]]:
    """The request mix, weighted by repetition: what a busy newsroom frontend asks for."""
    listing = json.load(urllib.request.urlopen(f"{base}/api/v3/news/?limit=100"))["items"]
    mix: list[tuple[str, str | None]] = []
    for card in listing:
        detail = f"/api/v3/news/{card['id']}/"
        with urllib.request.urlopen(base + detail) as response:
            etag = response.headers["ETag"]
        mix += [(detail, None)] * 4 + [(detail, etag)] * 3
        mix.append((f"/api/v3/route/?html_path={urllib.parse.quote(card['path'])}", None))
    mix += [("/api/v3/news/?limit=20", None)] * 10
    mix += [("/api/v3/news/?limit=20&category=member-news", None)] * 3
    for term in ("lattice", "premier member", "release", "community survey", "storage"):
        mix += [(f"/api/v3/search/?q={urllib.parse.quote(term)}", None)] * 2
    mix += [("/api/v3/feeds/news.rss", None)] * 2 + [("/api/v3/feeds/news.atom", None)] * 2
    return mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--publish-every", type=float, default=3.0)
    parser.add_argument("--receiver-delay", type=float, default=2.0)
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(ADMIN_PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    receiver = SlowReceiver(args.receiver_delay)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-loadmix-"))
    env = base_env(
        workdir,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        DB_CONN_MAX_AGE="60",
        CACHE_URL="redis://127.0.0.1:6379/0",
        CACHE_KEY_PREFIX=f"loadmix-{uuid.uuid4().hex[:8]}",
        NEWSROOM_WEBHOOK_URLS=receiver.url,
        NEWSROOM_WEBHOOK_SECRET="load-mix-secret",
        DEBUG="1",  # so that ensure_admin agrees to make a local account; DEBUG pages unused
    )
    print("preparing: migrate + load_demo…", flush=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    credentials = manage(env, "ensure_admin")
    password = re.search(r"password '([^']+)'", credentials).group(1)
    organisation_id = int(
        manage(
            env,
            "shell",
            "-c",
            "from news.snippets import Organisation; "
            "print(Organisation.objects.get(slug='northwind-systems').pk)",
        ).split()[-1]
    )
    env["DEBUG"] = "0"
    with gunicorn(env, workers=4) as base:
        mix = build_mix(base)
        script = workdir / "mix.lua"
        script.write_text(wrk_script(mix))
        editor = Editor(base, password, organisation_id, args.publish_every)
        editor.login()
        sent_before = len(receiver.event_ids)
        editor.start()
        print(
            f"load: {args.duration}s, {args.connections} connections, {len(mix)} request kinds",
            flush=True,
        )
        result = subprocess.run(
            ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
             "--timeout", "10s", "-s", str(script), base],
            capture_output=True,
            text=True,
        )  # fmt: skip
        editor.stop.set()
        editor.join(timeout=120)
        publishes = len(editor.latencies)
        deadline = time.monotonic() + 30 + publishes * args.receiver_delay
        while len(receiver.event_ids) - sent_before < publishes and time.monotonic() < deadline:
            time.sleep(0.5)
    stats = json.loads(result.stdout.split("JSON ", 1)[1].splitlines()[0])
    seconds = stats["duration_us"] / 1e6
    errors = sum(stats[k] for k in ("non2xx3xx", "connect", "read", "write", "timeout"))
    print("\n=== Newsroom load mix (4 gunicorn workers, PostgreSQL + Redis, loopback)")
    rate = stats["requests"] / seconds
    print(f"requests        {stats['requests']} in {seconds:.1f}s = {rate:.0f} req/s")
    print(
        f"latency ms      p50 {stats['p50'] / 1000:.1f}  p95 {stats['p95'] / 1000:.1f}  "
        f"p99 {stats['p99'] / 1000:.1f}  max {stats['max'] / 1000:.1f}"
    )
    print(
        f"errors          {errors} (non-2xx/3xx {stats['non2xx3xx']}, connect {stats['connect']}, "
        f"read {stats['read']}, write {stats['write']}, timeout {stats['timeout']})"
    )
    if editor.latencies:
        print(
            f"editor          {publishes} publishes through the admin; publish request "
            f"median {statistics.median(editor.latencies) * 1000:.0f} ms, "
            f"max {max(editor.latencies) * 1000:.0f} ms"
        )
    print(f"editor failures {len(editor.failures)} {editor.failures[:3]}")
    received = len(receiver.event_ids) - sent_before
    print(
        f"webhooks        {received} of {publishes} events received "
        f"(receiver answers in {args.receiver_delay:.0f} s)"
    )
    receiver.shutdown()


if __name__ == "__main__":
    main()
