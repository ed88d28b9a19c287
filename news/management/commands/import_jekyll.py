"""``manage.py import_jekyll``: import Jekyll blog posts as structured Newsroom news posts.

Prints one line per post (created / updated / published / unchanged / skipped / failed, with
the reason) and a summary; exits with status 1 when any post failed. README: "Importing…".
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Page, Site

from news.importers.jekyll import (
    DEFAULT_PERMALINK,
    POST_NAME,
    NotAPost,
    ParsedPost,
    PostError,
    default_jobs,
    find_posts,
    parse_posts,
)
from news.importers.results import IMPORT_STATUSES, PostResult, Summary
from news.importers.writer import JekyllWriter
from news.models import NewsIndexPage


class Command(BaseCommand):
    help = "Import Jekyll posts (Markdown with YAML front matter) as news posts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Post files or folders of posts.")
        parser.add_argument(
            "--assets-dir",
            action="append",
            type=Path,
            default=[],
            help="Folder the posts' image paths (/assets/images/…) are found under: the site's "
            "root or its assets folder. May be given more than once.",
        )
        parser.add_argument(
            "--parent",
            default=None,
            help="The news index to import under: its path (e.g. /news/) or page id. "
            "Optional when there is exactly one news index.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--publish",
            dest="publish",
            action="store_true",
            default=True,
            help="Publish the imported posts (default).",
        )
        mode.add_argument(
            "--draft", dest="publish", action="store_false", help="Save imported posts as drafts."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite posts edited in Wagtail since their import.",
        )
        parser.add_argument(
            "--permalink",
            default=DEFAULT_PERMALINK,
            help="The old blog's permalink pattern, for redirects "
            f"(default {DEFAULT_PERMALINK}; :title, :year, :month, :day, "
            ":categories).",
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="The old blog's address (e.g. https://blog.example.org): "
            "missing images link there, and its absolute image URLs count as "
            "local files.",
        )
        parser.add_argument(
            "--includes-dir",
            type=Path,
            default=None,
            help="The site's _includes folder, to expand {%% include %%} tags.",
        )
        parser.add_argument(
            "--encoding",
            default=None,
            help="Encoding to try when a file is not UTF-8 (e.g. cp1252).",
        )
        parser.add_argument(
            "--user", default=None, help="Username recorded on the revisions (default: none)."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help="Processes that parse the posts before they are written (default: one per "
            "core, at most 4; 1 parses in this process). Writing is one transaction per post.",
        )

    def handle(self, *args, **options) -> None:
        self.verbosity = options["verbosity"]
        wagtail_log = logging.getLogger("wagtail")
        level = wagtail_log.level
        if self.verbosity < 2:
            wagtail_log.setLevel(logging.WARNING)  # one line per post is ours to print
        try:
            self._import(options)
        finally:
            wagtail_log.setLevel(level)

    def _import(self, options: dict) -> None:
        parent = self._parent(options["parent"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user called {options['user']!r}.")
        for folder in options["assets_dir"]:
            if not folder.is_dir():
                raise CommandError(f"--assets-dir {folder} is not a folder.")
        for path in options["paths"]:
            if not path.exists():
                raise CommandError(f"{path} does not exist.")

        dry_run = options["dry_run"]
        prefix = "would be " if dry_run else ""
        summary = Summary()
        posts: list[ParsedPost] = []
        skipped = 0
        started = time.perf_counter()
        parsed = parse_posts(
            find_posts(options["paths"]),
            jobs=options["jobs"],
            fallback_encoding=options["encoding"],
            includes_dir=options["includes_dir"],
            permalink_pattern=options["permalink"],
        )
        for path, key, explicit, outcome in parsed:
            if isinstance(outcome, ParsedPost):
                posts.append(outcome)
            elif isinstance(outcome, NotAPost) and not explicit and not POST_NAME.match(path.stem):
                skipped += 1
                self.stdout.write(f"skipped    {key}: {outcome}")
            else:
                if isinstance(outcome, PostError):
                    message = str(outcome)
                else:  # one bad file must not stop the run
                    name = getattr(outcome, "type_name", type(outcome).__name__)
                    message = f"could not be read: {name}: {outcome}"
                result = PostResult(source=key, status="failed", message=message)
                self._report(result, prefix)
                summary.add(result)

        writer = JekyllWriter(
            parent,
            publish=options["publish"],
            dry_run=dry_run,
            assets_dirs=options["assets_dir"],
            site_url=options["site_url"],
            user=user,
            force=options["force"],
        )
        written = writer.write_all(posts, report=lambda r: self._report(r, prefix))
        for result in written.results:
            summary.add(result)
        self._summary(summary, skipped, time.perf_counter() - started, dry_run)
        failed = summary.failed
        if failed:
            raise CommandError(
                f"{len(failed)} post(s) failed; the others were "
                f"{'checked' if dry_run else 'imported'}."
            )

    # Output -----------------------------------------------------------------------------------
    def _report(self, result: PostResult, prefix: str) -> None:
        status = result.status
        label = f"{prefix}{status}" if status in {"created", "updated", "published"} else status
        if result.failed:
            self.stdout.write(self.style.ERROR(f"{label:<10} {result.source}: {result.message}"))
            return
        blocks = sum(result.blocks.values())
        details = [f"{blocks} blocks"]
        for kind, word in (("quote", "quote"), ("boilerplate", "boilerplate"), ("bio", "bio")):
            if result.blocks.get(kind):
                count = result.blocks[kind]
                details.append(f"{count} {word}{'s' if count != 1 else ''}")
        if result.images_found or result.images_missing or result.images_external:
            details.append(
                f"images {result.images_found} found, {result.images_missing} missing"
                + (f", {result.images_external} external" if result.images_external else "")
            )
        line = f"{label:<10} {result.source} → {result.url or '?'} ({', '.join(details)})"
        if result.message:
            line += f": {result.message}"
        style = self.style.SUCCESS if status in {"created", "updated", "published"} else str
        self.stdout.write(style(line))
        if self.verbosity >= 1:
            # "+": what the post taught about people and organisations; "!": warnings.
            for note in result.notes:
                self.stdout.write(f"    + {note}")
            for warning in result.warnings:
                self.stdout.write(f"    ! {warning}")

    def _summary(self, summary: Summary, skipped: int, seconds: float, dry_run: bool) -> None:
        totals = summary.totals()
        statuses = totals["statuses"]
        posts = totals["posts"]
        self.stdout.write("")
        self.stdout.write(("Dry run — nothing was written. " if dry_run else "") + "Summary:")
        self.stdout.write(
            f"  posts: {posts} ("
            + ", ".join(f"{statuses.get(s, 0)} {s}" for s in IMPORT_STATUSES)
            + (f"); {skipped} other file(s) skipped" if skipped else ")")
        )
        blocks = totals["blocks"]
        self.stdout.write(
            "  blocks: "
            + (", ".join(f"{kind} {count}" for kind, count in sorted(blocks.items())) or "none")
        )
        self.stdout.write(
            f"  quotes detected: {totals['quotes']}; boilerplates detected: "
            f"{totals['boilerplates']}; bios: {totals['bios']}"
        )
        self.stdout.write(
            f"  images: {totals['images_found']} found, {totals['images_missing']} missing, "
            f"{totals['images_external']} external"
        )
        self.stdout.write(f"  warnings: {totals['warnings']}")
        per_post = seconds / posts if posts else 0
        self.stdout.write(f"  time: {seconds:.1f}s ({per_post * 1000:.0f} ms per post)")

    # Parent -----------------------------------------------------------------------------------
    def _parent(self, value: str | None) -> NewsIndexPage:
        if value is None:
            indexes = list(NewsIndexPage.objects.all()[:2])
            if len(indexes) == 1:
                return indexes[0]
            raise CommandError(
                "Say where to import with --parent (e.g. --parent /news/): "
                f"there are {len(indexes) or 'no'} news indexes."
            )
        page = None
        if value.isdigit():
            page = Page.objects.filter(pk=int(value)).first()
        else:
            path = "/" + value.strip("/") + "/" if value.strip("/") else "/"
            for site in Site.objects.select_related("root_page"):
                root = site.root_page.url_path
                candidate = Page.objects.filter(url_path=root + path.lstrip("/")).first()
                if candidate is not None:
                    page = candidate
                    break
            if page is None:
                page = Page.objects.filter(url_path=path).first()
        if page is None:
            raise CommandError(f"No page at {value!r}.")
        page = page.specific
        if not isinstance(page, NewsIndexPage):
            raise CommandError(f"{value!r} is a {type(page).__name__}, not a news index.")
        return page
