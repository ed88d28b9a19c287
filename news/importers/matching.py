"""Finding the page a post was imported to before, without a query per post.

A run reads, once, which news pages came from which source file (``NewsPage.source_path``)
and which pages under the parent have no source yet (by slug); each post is then matched in
memory and only its page, when there is one, is loaded. Pages the run creates are added as it
goes; ``forget`` drops everything after a rolled-back post (read again on the next lookup).
"""

from __future__ import annotations

from news.models import NewsIndexPage, NewsPage


class PageIndex:
    """Which page each source file (or, failing that, slug under ``parent``) belongs to."""

    def __init__(self, parent: NewsIndexPage) -> None:
        self.parent = parent
        self._by_source: dict[str, int] | None = None
        self._by_folder_name: dict[str, int] = {}
        self._unsourced_slugs: dict[str, int] = {}

    def _load(self) -> None:
        self._by_source, self._by_folder_name = {}, {}
        rows = NewsPage.objects.exclude(source_path="").order_by("pk")
        for pk, source in rows.values_list("pk", "source_path"):
            self._note(pk, source)
        unsourced = NewsPage.objects.child_of(self.parent).filter(source_path="").order_by("pk")
        self._unsourced_slugs = {}
        for pk, slug in unsourced.values_list("pk", "slug"):
            self._unsourced_slugs.setdefault(slug, pk)

    def _note(self, pk: int, source: str) -> None:
        self._by_source.setdefault(source, pk)
        if "/" in source:
            # The same file given from another folder ("_posts/x.md" then "x.md").
            self._by_folder_name.setdefault(source.rsplit("/", 1)[-1], pk)

    def find(self, source_key: str, slug: str) -> NewsPage | None:
        """The page imported from ``source_key`` before (else the source-less one at ``slug``)."""
        if self._by_source is None:
            self._load()
        pk = self._by_source.get(source_key)
        name = source_key.rsplit("/", 1)[-1]
        if pk is None:
            pk = self._by_folder_name.get(name) or self._by_source.get(name)
        if pk is None:
            pk = self._unsourced_slugs.get(slug)
        if pk is None:
            return None
        return NewsPage.objects.filter(pk=pk).first()

    def added(self, page: NewsPage) -> None:
        """``page`` now exists with its source (created or matched by slug in this run)."""
        if self._by_source is None:
            return
        self._unsourced_slugs = {s: pk for s, pk in self._unsourced_slugs.items() if pk != page.pk}
        if page.source_path:
            self._note(page.pk, page.source_path)

    def forget(self) -> None:
        """A post was rolled back: what was noted for it may not exist; read again."""
        self._by_source = None
