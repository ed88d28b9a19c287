"""Search benchmark: 10,000 news posts of about 750 words, on SQLite and on PostgreSQL.

Run on demand (not part of the test suite):

    .venv/bin/python bench/search_bench.py                  # both backends
    .venv/bin/python bench/search_bench.py --backend sqlite --posts 2000

For each backend it builds a fresh database (SQLite: a temporary file; PostgreSQL: the
database named by --pg-url, dropped and recreated), bulk-inserts the posts (page rows with
computed tree paths, not through the admin), indexes them with the real indexer, then sends
search requests through Django's full request path (URL routing, Ninja, the search service,
the card serializer, JSON) and prints p50/p95 latency and SQL queries per request for
single-term, three-term and phrase queries, with and without a filter, plus suggestions.

Text comes from a small vocabulary written for this benchmark with a skewed (Zipf-like)
frequency: its most frequent words occur in nearly every post, and even its least frequent
ones ("walrus", "heron") in a third to a half of the posts. Truly rare words are injected on
top: each of ``RARE_WORDS`` in a fixed small number of posts (0.1–0.6 % of them), so
"common", "uncommon" and "rare" single terms are measured separately.

Building 10,000 posts takes minutes. With ``--sqlite-path FILE`` the SQLite database is kept
(the PostgreSQL one always is), and ``--reuse`` measures an existing database again
(``--reindex`` rebuilds only the search index, e.g. after changing the index structures).
Images of a kept database live in ``<database>.media`` beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/newsroom_search_bench"

# Ordered from most to least frequent: the position sets each word's weight (1 / rank).
_VOCABULARY_TEXT = """
the of and to in a for is on that with project foundation as by community release open
source members this will new are from support software contributors maintainers security
work developers it at be has we code our its their have more year first data engineers
users governance board technical committee working group documentation platform cloud
infrastructure testing build tools performance features version stable team ecosystem
companies program training events summit conference talks schedule speakers workshop
sponsors funding budget report survey results adoption growth deployment production
systems network storage database query planner compaction replication cluster nodes
latency throughput benchmark memory allocation kernel drivers compiler runtime library
interface protocol standard specification compliance licence trademark policy charter
election vote proposal review approval roadmap milestone sprint issue patch commit branch
merge pipeline continuous integration delivery packaging distribution mirrors downloads
installer container images registry orchestration scheduler observability metrics tracing
logging alerts dashboard incident response disclosure vulnerability advisory audit
hardening signing provenance supply chain dependency upgrade migration deprecation
compatibility regression fix improvement enhancement refactor cleanup translation
accessibility localisation newcomers mentoring outreach diversity inclusion ambassadors
meetup chapter region europe asia africa america partners academic research university
students scholarship grants fellowship award recognition anniversary celebration history
archive museum lighthouse harbour glacier meadow orchard quarry canyon tundra lagoon
archipelago walrus narwhal pelican heron osprey kestrel falcon albatross puffin
"""
VOCABULARY = _VOCABULARY_TEXT.split()

# Injected words and in how many posts per 10,000 each occurs (body text; every fifth of
# those posts also has it in the title).
RARE_WORDS = {"axolotl": 8, "quokka": 15, "pangolin": 25, "okapi": 40, "tardigrade": 60}

CATEGORY_SLUGS = ["member-news", "release", "events", "community", "security", "governance"]


def zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank + 1) for rank in range(n)]


class TextMaker:
    def __init__(self, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.weights = zipf_weights(len(VOCABULARY))

    def words(self, n: int) -> list[str]:
        return self.random.choices(VOCABULARY, weights=self.weights, k=n)

    def sentence(self, n: int) -> str:
        words = self.words(n)
        return " ".join(words).capitalize() + "."

    def paragraph(self, n_words: int) -> str:
        sentences, left = [], n_words
        while left > 0:
            size = min(left, self.random.randint(8, 20))
            sentences.append(self.sentence(size))
            left -= size
        return " ".join(sentences)


# --- Building the data (runs inside the Django process of one backend) -----------------------


def build(posts: int) -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from taggit.models import Tag
    from wagtail.models import Page, Site

    from home.models import HomePage
    from news.models import NewsIndexPage, NewsPage, NewsPageAuthor, NewsPageTag
    from news.snippets import NewsCategory, Organisation, Person
    from search import documents
    from tests.conftest import make_image

    maker = TextMaker()
    started = time.perf_counter()
    root = Page.get_first_root_node()
    home = HomePage(title="Home", slug="bench-home")
    root.add_child(instance=home)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    else:
        site.root_page = home
        site.save()
    index = NewsIndexPage(title="News", slug="news")
    home.add_child(instance=index)
    index.refresh_from_db()

    images = [make_image(f"bench {n}", description="bench image") for n in range(5)]
    organisations = []
    for n in range(10):
        org = Organisation(name=f"Org {VOCABULARY[-n - 1].title()} {n}", live=True)
        org.boilerplate = f"<p>{maker.paragraph(60)}</p>"
        org.save()
        organisations.append(org)
    people = []
    for n in range(50):
        person = Person(
            name=f"Person {n} {VOCABULARY[-(n % 40) - 1].title()}",
            role="Maintainer",
            organisation=organisations[n % 10],
            live=True,
        )
        person.save()
        people.append(person)
    categories = {c.slug: c for c in NewsCategory.objects.all()}
    category_list = [categories[s] for s in CATEGORY_SLUGS if s in categories] or list(
        categories.values()
    )
    tags = [Tag.objects.create(name=f"topic-{n}", slug=f"topic-{n}") for n in range(20)]

    content_type = ContentType.objects.get_for_model(NewsPage)
    now = timezone.now()
    page_rows, news_values = [], []
    rng = maker.random
    # Which posts carry which rare word (a separate generator: the rest of the text stays the
    # same whatever RARE_WORDS holds).
    rare_rng = random.Random(11)
    rare_in: dict[int, list[str]] = {}
    for word, per_10k in RARE_WORDS.items():
        for n in rare_rng.sample(range(posts), max(1, per_10k * posts // 10_000)):
            rare_in.setdefault(n, []).append(word)
    for n in range(posts):
        title = maker.sentence(rng.randint(5, 10))[:-1]
        if n % 20 == 0:
            title += " premier member"
        if n % 5 == 0 and n in rare_in:
            title += " " + rare_in[n][0]
        slug = f"post-{n}"
        blocks = [
            {
                "type": "heading",
                "value": {"text": maker.sentence(5)[:-1], "level": "h2", "anchor": ""},
            }
        ]
        for p in range(7):
            text = maker.paragraph(95)
            if n % 25 == 0 and p == 2:
                text += " The premier member programme grows."
            if p == 4 and n in rare_in:
                text += " " + " ".join(f"The {word} report." for word in rare_in[n])
            blocks.append({"type": "paragraph", "value": f"<p>{text}</p>"})
        blocks.append(
            {"type": "quote", "value": {"text": maker.sentence(15), "person": people[n % 50].pk}}
        )
        blocks.append(
            {
                "type": "boilerplate",
                "value": {"organisation": organisations[n % 10].pk, "boilerplate_override": ""},
            }
        )
        date = now - timezone.timedelta(hours=n * 7)
        page_rows.append(
            Page(
                title=title,
                draft_title=title,
                slug=slug,
                content_type=content_type,
                # Treebeard's materialised path: the parent's path + a base-36 step.
                path=index.path + _base36(n + 1).rjust(Page.steplen, "0"),
                depth=index.depth + 1,
                numchild=0,
                url_path=f"{index.url_path}{slug}/",
                live=True,
                has_unpublished_changes=False,
                first_published_at=date,
                last_published_at=date,
                locale_id=index.locale_id,
            )
        )
        news_values.append(
            {
                "subtitle": maker.sentence(8),
                "date": date,
                "summary": maker.paragraph(30)[:300],
                "feature_image_id": images[n % 5].pk,
                "category_id": category_list[n % len(category_list)].pk,
                "body": json.dumps(blocks),
                "reading_time": 4,
            }
        )
    with transaction.atomic():
        created = Page.objects.bulk_create(page_rows, batch_size=500)
        Page.objects.filter(pk=index.pk).update(numchild=posts)
        _insert_news_rows(connection, NewsPage, [p.pk for p in created], news_values)
        NewsPageAuthor.objects.bulk_create(
            [
                NewsPageAuthor(page_id=p.pk, person=people[i % 50], sort_order=0)
                for i, p in enumerate(created)
            ],
            batch_size=1000,
        )
        NewsPageTag.objects.bulk_create(
            [NewsPageTag(content_object_id=p.pk, tag=tags[i % 20]) for i, p in enumerate(created)],
            batch_size=1000,
        )
        people_through = NewsPage.people.through
        orgs_through = NewsPage.organisations.through
        people_through.objects.bulk_create(
            [
                people_through(newspage_id=p.pk, person_id=people[i % 50].pk)
                for i, p in enumerate(created)
            ],
            batch_size=1000,
        )
        orgs_through.objects.bulk_create(
            [
                orgs_through(newspage_id=p.pk, organisation_id=organisations[i % 10].pk)
                for i, p in enumerate(created)
            ],
            batch_size=1000,
        )
    inserted = time.perf_counter()
    indexed = documents.index_pages([p.pk for p in created])
    documents.optimise()
    done = time.perf_counter()
    from search.models import SearchDocument

    sample = SearchDocument.objects.order_by("pk")[:200]
    words = sum(len((d.body + " " + d.summary).split()) for d in sample) / max(1, len(sample))
    return {
        "posts": posts,
        "indexed": indexed,
        "insert_s": inserted - started,
        "index_s": done - inserted,
        "approx_words_per_post": int(words),
    }


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
    return out or "0"


def _insert_news_rows(connection, model, page_ids: list[int], values: list[dict]) -> None:
    """Insert the NewsPage child rows of multi-table inheritance (bulk_create cannot)."""
    fields = [f for f in model._meta.local_concrete_fields if f.attname != "page_ptr_id"]
    columns = ["page_ptr_id", *[f.column for f in fields]]
    rows = []
    for pk, row in zip(page_ids, values, strict=True):
        obj = model(**{k: v for k, v in row.items() if k != "body"})
        obj.body = row["body"]
        rows.append(
            [
                pk,
                *[
                    f.get_db_prep_save(
                        f.pre_save(obj, True) if f.attname != "body" else row["body"], connection
                    )
                    for f in fields
                ],
            ]
        )
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            cursor.executemany(sql, rows[start : start + 500])


# --- Measuring ------------------------------------------------------------------------------

QUERY_KINDS = {
    "single term (common)": ["project", "foundation", "release", "community", "security"],
    # The vocabulary's least frequent words: still in a third to a half of the posts.
    "single term (uncommon)": ["walrus", "narwhal", "pelican", "heron", "puffin"],
    # Injected words: 8 to 60 posts in 10,000.
    "single term (rare)": list(RARE_WORDS),
    "three terms": [
        "open source project",
        "security release community",
        "foundation members support",
        "project release software",
        "cloud storage performance",
    ],
    "three terms (one rare)": [
        "okapi foundation release",
        "tardigrade security community",
        "pangolin project software",
        "quokka open source",
        "axolotl members support",
    ],
    "phrase": [
        '"premier member"',
        '"open source"',
        '"the foundation"',
        '"security release"',
        '"working group"',
    ],
}


class StatementTimer:
    """An execute wrapper timing the search statement itself (the one that ranks and counts)."""

    MARKERS = ("newsroom_search_fts", "search_vector", "title_vector", "newsroom_search_title_fts")

    def __init__(self) -> None:
        self.last_ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        if not any(marker in sql for marker in self.MARKERS):
            return execute(sql, params, many, context)
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.last_ms = (time.perf_counter() - start) * 1000


def _server_cpu_ms() -> float:
    """CPU time used so far by this connection's PostgreSQL backend process (0 on SQLite,
    whose work runs in this process and shows in its own CPU time). Linux only; 10 ms ticks."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    if not hasattr(_server_cpu_ms, "pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _server_cpu_ms.pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{_server_cpu_ms.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _timed_get(client, timer: StatementTimer, url: str, params: dict):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timer.last_ms = 0.0
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
        server = _server_cpu_ms()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url, params)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        server = _server_cpu_ms() - server
    assert response.status_code == 200, response.content
    return response, {
        "wall": wall * 1000,
        "cpu": cpu * 1000,
        "server_cpu": server,
        "sql": timer.last_ms,
        "queries": len(captured),
    }


def measure(repeat: int, limit: int) -> list[dict]:
    from django.test import Client

    from news import api_cache

    client = Client()
    timer = StatementTimer()
    results = []
    for kind, queries in QUERY_KINDS.items():
        for filtered in (False, True):
            extra = {"category": "release"} if filtered else {}
            for q in queries:  # warm: renditions, statement caches
                assert client.get("/api/v3/search/", {"q": q, **extra}).status_code == 200
            samples, totals = [], []
            for i in range(repeat):
                q = queries[i % len(queries)]
                response, sample = _timed_get(
                    client, timer, "/api/v3/search/", {"q": q, "limit": limit, **extra}
                )
                samples.append(sample)
                totals.append(response.json()["count"])
            # Cold cards: a new content generation before each request (as after any
            # publish), so every card on the page is built again.
            cold = []
            for i in range(max(3, repeat // 2)):
                api_cache.invalidate("search benchmark: cold cards")
                q = queries[i % len(queries)]
                params = {"q": q, "limit": limit, **extra}
                cold.append(_timed_get(client, timer, "/api/v3/search/", params)[1])
            name = f"{kind}{' + category' if filtered else ''}"
            row = _row(name, samples, statistics.median(totals))
            row["cold_p50"] = _percentile([s["wall"] for s in cold], 0.5)
            row["cold_queries"] = max(s["queries"] for s in cold)
            results.append(row)
    samples = []
    for i in range(repeat):
        prefix = ["pro", "fo", "secu", "pre", "wal"][i % 5]
        samples.append(_timed_get(client, timer, "/api/v3/search/suggest/", {"q": prefix})[1])
    row = _row("suggest (prefix)", samples, None)
    row["cold_p50"], row["cold_queries"] = None, None
    results.append(row)
    return results


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _row(name: str, samples: list[dict], hits) -> dict:
    counts = [s["queries"] for s in samples]
    return {
        "name": name,
        "p50": _percentile([s["wall"] for s in samples], 0.5),
        "p95": _percentile([s["wall"] for s in samples], 0.95),
        "cpu_p50": _percentile([s["cpu"] for s in samples], 0.5),
        # Server CPU is counted in 10 ms ticks: only its mean over many requests means much.
        "server_cpu_mean": statistics.fmean(s["server_cpu"] for s in samples),
        "sql_p50": _percentile([s["sql"] for s in samples], 0.5),
        "sql_p95": _percentile([s["sql"] for s in samples], 0.95),
        "queries": f"{min(counts)}-{max(counts)}" if min(counts) != max(counts) else str(counts[0]),
        "hits": hits,
    }


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    # Test settings put media in a fresh temporary folder; a kept database keeps its images.
    settings.MEDIA_ROOT = os.environ["BENCH_MEDIA_ROOT"]
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from search.documents import optimise, rebuild_index
    from search.models import SearchDocument

    if args.reuse and SearchDocument.objects.exists():
        info = {"posts": SearchDocument.objects.count(), "reused": True, "insert_s": 0.0}
        started = time.perf_counter()
        info["indexed"] = rebuild_index(recreate=True) if args.reindex else info["posts"]
        optimise()  # planner statistics after migrations that changed the index
        info["index_s"] = time.perf_counter() - started if args.reindex else 0.0
        sample = SearchDocument.objects.order_by("pk")[:200]
        info["approx_words_per_post"] = int(
            sum(len((d.body + " " + d.summary).split()) for d in sample) / len(sample)
        )
    else:
        info = build(args.posts)
    info["load_before"] = os.getloadavg()[0]
    info["results"] = measure(args.repeat, args.limit)
    info["load_after"] = os.getloadavg()[0]
    info["limit"] = args.limit
    info["vendor"] = connection.vendor
    print("RESULT " + json.dumps(info))


def run_backend(name: str, url: str, media_root: str, args: argparse.Namespace) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "BENCH_MEDIA_ROOT": media_root,
    }
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--posts",
        str(args.posts),
        "--repeat",
        str(args.repeat),
        "--limit",
        str(args.limit),
        *(["--reuse"] if args.reuse else []),
        *(["--reindex"] if args.reindex else []),
    ]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit(f"{name} run failed")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    info = json.loads(line[len("RESULT ") :])
    info["wall_s"] = time.perf_counter() - started
    return info


def _or_blank(value, spec: str) -> str:
    width = int(spec.split(".")[0].rstrip("df"))
    return " " * width if value is None else format(value, spec)


def report(name: str, info: dict) -> None:
    if info.get("reused") and not info["index_s"]:
        built = "existing database"
    else:
        built = (
            f"insert {info['insert_s']:.1f} s, index {info['index_s']:.1f} s "
            f"({info['indexed'] / max(info['index_s'], 1e-9):.0f} posts/s)"
        )
    print(
        f"\n== {name}: {info['posts']} posts (~{info['approx_words_per_post']} words "
        f"each), {built}, total {info['wall_s']:.0f} s"
    )
    print(
        f"limit={info['limit']}; load average {info['load_before']:.1f} before, "
        f"{info['load_after']:.1f} after measuring (2 cores)"
    )
    print(
        f"{'query kind':38} {'p50 ms':>7} {'p95 ms':>7} {'cpu p50':>8} {'db cpu':>7} "
        f"{'sql p50':>8} {'sql p95':>8} {'queries':>8} {'cold p50':>9} {'cold q':>6} {'hits':>6}"
    )
    for row in info["results"]:
        hits = "" if row["hits"] is None else f"{row['hits']:.0f}"
        print(
            f"{row['name']:38} {row['p50']:7.1f} {row['p95']:7.1f} {row['cpu_p50']:8.1f} "
            f"{row['server_cpu_mean']:7.1f} {row['sql_p50']:8.1f} {row['sql_p95']:8.1f} "
            f"{row['queries']:>8} {_or_blank(row['cold_p50'], '9.1f')} "
            f"{_or_blank(row['cold_queries'], '6d')} {hits:>6}"
        )
    print(
        "p50/p95: wall time of the whole request (routing, search, cards, JSON); cpu p50: this "
        "process's CPU time per request (on SQLite it includes the database work); db cpu: "
        "mean CPU time of the PostgreSQL server process per request; sql: wall time of the "
        "ranking/highlighting statement(s); cold: the same requests right after a new content "
        "generation (every card built again), p50 and queries per request."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40, help="requests per query kind")
    parser.add_argument("--limit", type=int, default=20, help="results per search request")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument(
        "--sqlite-path", help="SQLite database file to build or reuse (default: a temporary one)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the existing database instead of building"
    )
    parser.add_argument(
        "--reindex", action="store_true", help="with --reuse: rebuild the search index first"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.backend in ("sqlite", "both"):
        if args.sqlite_path:
            path = Path(args.sqlite_path).resolve()
            media = f"{path}.media"
            if not args.reuse:
                path.unlink(missing_ok=True)
                shutil.rmtree(media, ignore_errors=True)
            report("SQLite (FTS5)", run_backend("sqlite", f"sqlite:///{path}", media, args))
        else:
            with tempfile.TemporaryDirectory(prefix="newsroom-search-bench-") as tmp:
                url = f"sqlite:///{tmp}/bench.sqlite3"
                report("SQLite (FTS5)", run_backend("sqlite", url, f"{tmp}/media", args))
    if args.backend in ("postgres", "both"):
        url = urlparse(args.pg_url)
        where = [
            "-h",
            url.hostname or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
        ]
        db = url.path.lstrip("/")
        exists = subprocess.run(
            ["psql", *where, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        media = str(Path(tempfile.gettempdir()) / f"newsroom-search-bench-{db}.media")
        if not (args.reuse and exists):
            subprocess.run(["dropdb", "--if-exists", *where, db], check=False)
            subprocess.run(["createdb", *where, db], check=True)
            shutil.rmtree(media, ignore_errors=True)
        report("PostgreSQL (tsvector)", run_backend("postgres", args.pg_url, media, args))


if __name__ == "__main__":
    main()
