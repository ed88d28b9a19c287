"""Write parsed Jekyll posts into Wagtail: pages, people, organisations, images, redirects.

One database transaction per post: a post that fails leaves nothing behind, and the others
still import. Pages are matched by ``NewsPage.source_path`` (then by slug under the parent),
so a second run updates in place; when the generated content equals the page's latest
revision nothing is saved (no new revision). Organisation boilerplates follow "newest wins":
the organisation keeps the newest text seen, and every post whose "About" text differs keeps
its own words in the block's ``boilerplate_override`` — including older posts already in the
database when an organisation's text is replaced. ``dry_run`` performs the same work inside a
transaction that is rolled back, without publishing and without storing image files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_save
from modelsearch import index as search_index
from modelsearch.backends import get_search_backends_with_name
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from news import events
from news.fan_out import frontend_path
from news.importers.body import BodyMixin
from news.importers.compare import aware, norm_name, stamp
from news.importers.images import ImagesMixin
from news.importers.jekyll import ParsedPost
from news.importers.matching import PageIndex
from news.importers.people import PeopleMixin
from news.importers.publish import add_published_child, create_published_snippet
from news.importers.results import PostResult, Summary
from news.models import NewsIndexPage, NewsPage, NewsPageAuthor
from news.snippets import Organisation


class _DryRunRollback(Exception):
    pass


class _Skipped(Exception):
    """The post is left as it is: undo anything resolved for it (new people, images…)."""


class JekyllWriter(BodyMixin, PeopleMixin, ImagesMixin):
    """Creates or updates one NewsPage per ParsedPost under ``parent``."""

    # New pages and snippets are saved once, already live (news.importers.publish); False
    # takes Wagtail's own three-save way (draft, revision, publish) — the same result.
    one_save_publish = True

    def __init__(
        self,
        parent: NewsIndexPage,
        *,
        publish: bool = True,
        dry_run: bool = False,
        assets_dirs: Iterable[Path] = (),
        site_url: str = "",
        user: AbstractBaseUser | None = None,
        force: bool = False,
    ) -> None:
        self.parent = parent
        self.publish = publish
        self.dry_run = dry_run
        self.assets_dirs = [Path(p) for p in assets_dirs]
        self.site_url = site_url.rstrip("/")
        self.site_host = urlparse(self.site_url).hostname if self.site_url else None
        self.user = user
        self.force = force
        self.image_model = get_image_model()
        self.stream_block = NewsPage._meta.get_field("body").stream_block
        self.org_newest: dict[str, tuple[str, str, str]] = {}
        self.person_newest: dict[str, tuple[str, str]] = {}
        self.run_keys: set[str] = set()
        self._touched: list = []
        self._as_stored: set[int] = set()  # id() of touched objects saved as they are
        self._kept: set[tuple[int, str]] = set()
        self._hash_cache: dict[Path, str] = {}
        self._last_image = None
        self._org_changes: dict[int, tuple[Organisation, list[str]]] = {}
        self.pages = PageIndex(parent)
        self._forget_lookups()
        # Wagtail's admin search entries of the objects committed so far, written in one
        # batch per model at the end of the run (or of a post written on its own).
        self._admin_search_pending: list = []
        self._in_run = False

    # Planning -----------------------------------------------------------------------------
    def plan(self, posts: list[ParsedPost]) -> None:
        """Note, across all posts of the run, the newest "About" text and role of each name."""
        for post in sorted(posts, key=_post_order):
            when = stamp(post.date)
            self.run_keys.add(post.source_key)
            for draft in post.blocks:
                if draft.type == "boilerplate":
                    key = norm_name(draft.value["organisation"])
                    if key not in self.org_newest or when >= self.org_newest[key][0]:
                        self.org_newest[key] = (
                            when,
                            draft.value["html"],
                            draft.value["organisation"],
                        )
                elif draft.type == "quote" and draft.value.get("role"):
                    key = norm_name(draft.value["name"])
                    if key not in self.person_newest or when >= self.person_newest[key][0]:
                        self.person_newest[key] = (when, draft.value["role"])

    def write_all(
        self, posts: list[ParsedPost], report: Callable[[PostResult], None] | None = None
    ) -> Summary:
        """Import ``posts`` oldest first; ``report`` is called with each post's result."""
        self.plan(posts)
        summary = Summary()
        self._in_run = True
        with sql_record_paused():
            try:
                for post in sorted(posts, key=_post_order):
                    result = self.write(post)
                    summary.add(result)
                    if report is not None:
                        report(result)
            finally:
                self._in_run = False
                self._update_admin_search()
        return summary

    # One post -------------------------------------------------------------------------------
    def write(self, post: ParsedPost) -> PostResult:
        started = time.perf_counter()
        result = PostResult(source=post.source_key, status="failed", warnings=list(post.warnings))
        if post.source_key not in self.run_keys:
            self.plan([post])
        self._touched = []
        self._as_stored: set[int] = set()
        try:
            with transaction.atomic():
                # Wagtail's reference and search indexes are brought up to date once per
                # object at the end of the post, not after each of every object's saves;
                # the bus's in-transaction subscribers (API cache, news search) get the
                # post's changes together, before the commit.
                with (
                    events.delivered_together(),
                    disable_reference_index_auto_update(),
                    deferred_search_index(),
                ):
                    self._write(post, result)
                self._index_references()
                if self.dry_run:
                    raise _DryRunRollback
        except (_DryRunRollback, _Skipped):
            self._rolled_back()
        except Exception as exc:  # noqa: BLE001 - any failure is reported per post
            self._rolled_back()
            result.status = "failed"
            result.message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            result.page_id = None
            result.blocks.clear()  # nothing of it was written
            result.images_found = result.images_missing = result.images_external = 0
        else:
            self._admin_search_pending += self._touched
        if not self._in_run:
            self._update_admin_search()
        result.seconds = time.perf_counter() - started
        return result

    def _rolled_back(self) -> None:
        """Nothing the post wrote exists: forget what was found or created for it."""
        self.pages.forget()
        self._forget_lookups()

    def _write(self, post: ParsedPost, result: PostResult) -> None:
        page = self.pages.find(post.source_key, post.slug)
        body = self._body(post, result)
        authors, byline = self._authors(post)
        category = self._category(post.category) if post.category else None
        feature_image = None
        if post.feature_image is not None:
            feature_image = self._resolve_image(post.feature_image, result, feature=True)
        date = aware(post.date)
        publish = self.publish and post.published
        if self.publish and not post.published:
            result.warnings.append("'published: false' in the front matter: saved as a draft")

        values = {
            "title": post.title,
            "subtitle": post.subtitle,
            "date": date,
            "byline": byline,
            "summary": post.summary,
            "feature_image": feature_image,
            "feature_image_alt": post.feature_image_alt,
            "category": category,
            "canonical_url": post.canonical_url,
            "source_path": post.source_key,
        }

        if page is None:
            page = self._create(post, values, body, authors, publish)
            result.status = "created"
        else:
            page = self._update(page, post, values, body, authors, publish, result)
        if result.status in {"created", "updated"}:
            self._touch(page)
        self.pages.added(page)
        result.page_id = page.pk
        result.url = _site_path(page) or page.url_path
        self._redirect(post, page, result)

    def _create(
        self, post: ParsedPost, values: dict, body: list[dict], authors: list, publish: bool
    ) -> NewsPage:
        # A new page takes its parent's locale (Wagtail's default, found with two queries).
        page = NewsPage(
            slug=self._free_slug(post.slug), live=False, locale_id=self.parent.locale_id, **values
        )
        page.body = body
        page.authors = [NewsPageAuthor(person=p) for p in authors]
        page.tags.add(*post.tags)
        if publish and not self.dry_run and self.one_save_publish:
            add_published_child(self.parent, page, user=self.user)
            self._as_stored.add(id(page))
        else:
            self.parent.add_child(instance=page)
            revision = page.save_revision(user=self.user, log_action=True)
            if publish and not self.dry_run:
                revision.publish(user=self.user)
        return page

    def _update(
        self,
        page: NewsPage,
        post: ParsedPost,
        values: dict,
        body: list[dict],
        authors: list,
        publish: bool,
        result: PostResult,
    ) -> NewsPage:
        latest = page.get_latest_revision_as_object()
        before = self._snapshot(latest)
        for name, value in values.items():
            setattr(latest, name, value)
        latest.body = body
        latest.authors = [NewsPageAuthor(person=p) for p in authors]
        latest.tags.clear()
        latest.tags.add(*post.tags)
        if before == self._snapshot(latest):
            if publish and (not page.live or page.has_unpublished_changes):
                if not self.dry_run:
                    page.get_latest_revision().publish(user=self.user)
                result.status = "published"
            else:
                result.status = "unchanged"
            return latest
        last = page.get_latest_revision()
        edited_by_person = (
            last is not None
            and last.user_id is not None
            and (self.user is None or last.user_id != self.user.pk)
        )
        if edited_by_person and not self.force:
            result.status = "skipped"
            result.message = (
                "edited in Wagtail since it was imported: not overwritten "
                "(use --force to replace the editor's changes)"
            )
            result.page_id = page.pk
            raise _Skipped
        revision = latest.save_revision(user=self.user, log_action=True)
        if publish and not self.dry_run:
            revision.publish(user=self.user)
        result.status = "updated"
        return latest

    # Matching ---------------------------------------------------------------------------------
    def _free_slug(self, slug: str) -> str:
        taken = set(
            NewsPage.objects.child_of(self.parent)
            .filter(slug__startswith=slug)
            .values_list("slug", flat=True)
        )
        candidate, n = slug, 2
        while candidate in taken:
            candidate = f"{slug[:250]}-{n}"
            n += 1
        return candidate

    def _snapshot(self, page: NewsPage) -> dict:
        return {
            "title": page.title,
            "subtitle": page.subtitle,
            "date": stamp(page.date),
            "byline": page.byline,
            "summary": page.summary,
            "feature_image": page.feature_image_id,
            "feature_image_alt": page.feature_image_alt,
            "category": page.category_id,
            "canonical_url": page.canonical_url,
            "source_path": page.source_path,
            "authors": [a.person_id for a in page.authors.all()],
            "tags": sorted(t.name for t in page.tags.all()),
            "body": self._body_key(page.body),
        }

    def _body_key(self, value) -> str:
        if not hasattr(value, "get_prep_value"):
            value = self.stream_block.to_python(value)
        for _child in value:
            pass
        return json.dumps(value.get_prep_value(), sort_keys=True, default=str)

    def _index_references(self) -> None:
        """The reference index of each object the post wrote, once per object, in the post's
        transaction (the change-event bus finds the pages that show an object there)."""
        for obj in self._touched:
            # An object saved as it is in memory is indexed from memory; one published
            # through Wagtail's actions (which save a copy made from the revision) is read back.
            if id(obj) in self._as_stored:
                stored = obj
            else:
                stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            if stored is not None:
                ReferenceIndex.create_or_update_for_object(stored)

    def _update_admin_search(self) -> None:
        """Wagtail's admin search entries of the objects written since the last call, one
        batch per model (what ``insert_or_update_object`` does per object: indexed
        instances that still exist, every auto-updated backend). Outside the posts'
        transactions: the entries are the admin's search, not what readers see, and
        ``manage.py update_index`` rebuilds them should a run be interrupted."""
        pending, self._admin_search_pending = self._admin_search_pending, []
        ids_by_model: dict[type, set[int]] = {}
        for obj in pending:  # pages are written as their specific class (NewsPage)
            if isinstance(obj, search_index.Indexed):
                ids_by_model.setdefault(type(obj), set()).add(obj.pk)
        for model, ids in ids_by_model.items():
            stored = list(model.get_indexed_objects().filter(pk__in=ids))
            if not stored:
                continue
            for _name, backend in get_search_backends_with_name(with_auto_update=True):
                backend.add_bulk(model, stored)

    def _touch(self, obj) -> None:
        if obj is not None and obj not in self._touched:
            self._touched.append(obj)

    def _save_snippet(self, obj) -> None:
        self._touch(obj)
        if obj.pk is None and not self.dry_run and self.one_save_publish:
            create_published_snippet(obj, user=self.user)
            self._as_stored.add(id(obj))
            return
        obj.save()
        if not self.dry_run:
            obj.save_revision(user=self.user).publish(user=self.user)

    # Redirects --------------------------------------------------------------------------------
    def _redirect(self, post: ParsedPost, page: NewsPage, result: PostResult) -> None:
        old_path = Redirect.normalise_path(post.original_url)
        site_path = _site_path(page)
        new_path = Redirect.normalise_path(site_path) if site_path else None
        if new_path == old_path:
            return
        redirect = Redirect.objects.filter(old_path=old_path, site__isnull=True).first()
        if redirect is None:
            redirect = Redirect.add_redirect(old_path, redirect_to=page, is_permanent=True)
            self._touch(redirect)
            self._as_stored.add(id(redirect))
        elif redirect.redirect_page_id != page.pk:
            if redirect.redirect_page_id or redirect.redirect_link:
                result.warnings.append(f"redirect {old_path} now points to this post")
            redirect.redirect_page = page
            redirect.redirect_link = ""
            redirect.save()
            self._touch(redirect)


@contextlib.contextmanager
def sql_record_paused(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Django's record of every SQL statement (``connection.queries``) off for a bulk run.

    Under DEBUG, Django times and keeps each statement, and on SQLite runs a second
    statement for each one to quote its parameters for that record: a fifth of a first
    import's writing time, for a record of which only the last 9,000 statements are kept
    and that nobody reads. It stays on when something does read it: a test capturing
    queries (``force_debug_cursor``) or the ``django.db.backends`` logger enabled at DEBUG.
    """
    connection = connections[using]
    if (
        not connection.queries_logged
        or connection.force_debug_cursor
        or logging.getLogger("django.db.backends").isEnabledFor(logging.DEBUG)
    ):
        yield
        return
    # The connection picks a cursor's wrapper per statement; only this connection's choice
    # changes (one per thread), and only for the block.
    connection.make_debug_cursor = connection.make_cursor
    try:
        yield
    finally:
        del connection.make_debug_cursor


@contextlib.contextmanager
def deferred_search_index() -> Iterator[None]:
    """Pause the search index's update-on-save (the caller indexes what it wrote, once).

    Saving a page or snippet several times in one import (create, revision, publish) would
    otherwise rebuild its search entry each time; this is the bulk-import pattern of
    ``search_auto_update = False`` followed by indexing, limited to this thread's block.
    """
    models = [
        m for m in search_index.get_indexed_models() if getattr(m, "search_auto_update", True)
    ]
    paused = [m for m in models if post_save.disconnect(post_save_signal_handler, sender=m)]
    try:
        yield
    finally:
        for model in paused:
            post_save.connect(post_save_signal_handler, sender=model)


def _site_path(page: NewsPage) -> str | None:
    """The page's path on its site (``/news/post/``), as ``page.get_url_parts()`` gives it
    with Wagtail's serve view mounted at the root (cms/urls.py), without loading the URLconf
    (half a second of a short import)."""
    return frontend_path(page.url_path)


def _post_order(post: ParsedPost) -> tuple:
    return (post.date is None, stamp(post.date), post.source_key)
