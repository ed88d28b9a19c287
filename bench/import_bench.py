"""Import benchmark: ``manage.py import_jekyll`` on the 44-post corpus, first run and re-run.

Run on demand (not part of the test suite):

    .venv/bin/python bench/import_bench.py
    .venv/bin/python bench/import_bench.py --template /tmp/demo.sqlite3 --profile 40

It builds a fresh demo database (a temporary SQLite file: ``migrate`` and ``load_demo``, as
``make run`` does), imports the Jekyll posts of ``../shared/corpus`` (or
$NEWSROOM_JEKYLL_CORPUS) under /news/ with the project's development settings — the corpus
has no images, so every image is reported missing — and prints posts per second, CPU time
and SQL queries for the first import, then the same for an unchanged re-run. The database
and media live in a temporary folder that is removed afterwards.

``--template FILE`` keeps the migrated demo database in FILE and copies it on later runs
(migrating takes longer than the import). ``--profile N`` prints the N functions with the
most cumulative time of the first import (cProfile). Exits without measuring, with a message,
when the corpus folder is missing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("NEWSROOM_JEKYLL_CORPUS") or ROOT.parent / "shared" / "corpus")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="Folder of Jekyll posts.")
    parser.add_argument(
        "--template", type=Path, default=None, help="Keep/reuse the migrated demo DB here."
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="import_jekyll --jobs (default: the command's own, one parse process per core).",
    )
    parser.add_argument("--profile", type=int, default=0, help="Print the top N of cProfile.")
    parser.add_argument(
        "--profile-out", type=Path, default=None, help="Also save the profile here (pstats)."
    )
    return parser.parse_args()


def prepare_database(workdir: Path, template: Path | None) -> Path:
    """A migrated demo database in ``workdir`` (copied from ``template`` when it exists)."""
    database = workdir / "import-bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    if template is not None and template.exists():
        shutil.copyfile(template, database)
        return database
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    if template is not None:
        from django.db import connection

        connection.close()  # the WAL is checkpointed, so the copy is complete
        shutil.copyfile(database, template)
    return database


def _setup_django() -> None:
    import django

    if not getattr(_setup_django, "done", False):
        django.setup()
        _setup_django.done = True


class QueryCounter:
    """Counts the SQL statements run through Django's default connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run_import(
    corpus: Path, profile: cProfile.Profile | None = None, jobs: int | None = None
) -> dict:
    """One ``import_jekyll`` run: its output's summary line, wall and CPU time, queries."""
    from django.core.management import call_command
    from django.db import connection

    out = io.StringIO()
    counter = QueryCounter()
    wall, cpu = time.perf_counter(), _cpu_seconds()
    with connection.execute_wrapper(counter):
        if profile is not None:
            profile.enable()
        extra = [] if jobs is None else ["--jobs", str(jobs)]
        call_command("import_jekyll", str(corpus), "--parent", "/news/", *extra, stdout=out)
        if profile is not None:
            profile.disable()
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    lines = out.getvalue().splitlines()
    posts_line = next(line for line in lines if line.strip().startswith("posts:"))
    posts = int(posts_line.split()[1])
    return {"posts": posts, "wall": wall, "cpu": cpu, "queries": counter.count, "line": posts_line}


def _cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the import's parse workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def report(label: str, run: dict) -> None:
    posts = run["posts"]
    print(
        f"{label:<10} {posts} posts in {run['wall']:.2f} s wall, {run['cpu']:.2f} s CPU: "
        f"{posts / run['wall']:.1f} posts/s ({posts / run['cpu']:.1f} per CPU second), "
        f"{run['wall'] / posts * 1000:.0f} ms and {run['queries'] / posts:.0f} queries per post"
    )
    print(f"{'':<10} {run['line'].strip()}")


def main() -> int:
    args = parse_args()
    if not (args.corpus.is_dir() and any(args.corpus.glob("*.md"))):
        print(f"Skipped: the Jekyll corpus {args.corpus} is missing (set NEWSROOM_JEKYLL_CORPUS).")
        return 0
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.dev"
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-import-bench-"))
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    try:
        prepare_database(workdir, args.template)
        _setup_django()
        profile = cProfile.Profile() if args.profile else None
        from news.importers.jekyll import default_jobs

        jobs = args.jobs if args.jobs is not None else default_jobs()
        print(
            f"corpus: {args.corpus} (images missing); SQLite, cms.settings.dev; "
            f"parsed by {jobs} process(es), CPU time includes them"
        )
        report("first", run_import(args.corpus, profile, args.jobs))
        report("re-run", run_import(args.corpus, jobs=args.jobs))
        if profile is not None:
            stats = pstats.Stats(profile, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(args.profile)
            if args.profile_out is not None:
                stats.dump_stats(args.profile_out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
