"""Keeping the search index fresh: a subscriber of the change-event bus (``news.events``).

Which editor actions reindex which posts:

- a post is published → indexed; unpublished, expired or deleted → removed (deletion also
  cascades);
- a page is moved, or a view restriction is added/changed/removed → the posts in that subtree
  are re-checked (a post under a private section leaves the index);
- an Organisation or Person is published, unpublished, saved or deleted → every post that uses
  it (``NewsPage.organisations``/``people``, kept by ``NewsPage.save``) is reindexed, so the
  new boilerplate or name is found and the old one no longer is;
- a category or tag is renamed → its posts are reindexed.

The bus calls ``on_changes`` inside the editor's transaction, with one change or with all the
changes of a ``delivered_together`` block (each post is then indexed once): the index is in
the same database, so a failed publish leaves the index as it was. The indexing itself is
``search.documents``; this module only decides which posts an event concerns.
"""

from __future__ import annotations

from collections.abc import Sequence

from news.change import ChangeEvent
from news.events import IN_TRANSACTION, subscribe
from news.models import NewsPage
from news.snippets import Organisation, Person
from search import documents

# Fields whose change alters what a post is found by.
INDEXED_SNIPPET_FIELDS = frozenset(
    {"name", "role", "bio", "boilerplate", "organisation", "organisation_id", "live"}
)


def _pages_using(instance) -> list[int]:
    if isinstance(instance, Organisation):
        return documents.pages_using_organisation(instance.pk)
    if isinstance(instance, Person):
        return documents.pages_using_person(instance.pk)
    return []


def _fingerprint(instance) -> tuple:
    return tuple(
        getattr(instance, name, None)
        for name in ("live", "name", "role", "bio", "boilerplate", "organisation_id")
    )


class _Plan:
    """The posts a list of changes reindexes or removes, done once at the end."""

    def __init__(self) -> None:
        self.index: set[int] = set()
        self.remove: set[int] = set()

    def run(self) -> None:
        # index_pages reads each post's current row: one also removed in these changes (a
        # post published, then unpublished) leaves the index or stays as its row says.
        if self.remove - self.index:
            documents.remove_pages(self.remove - self.index)
        if self.index:
            documents.index_pages(self.index)


def _snippet_changed(change: ChangeEvent, plan: _Plan) -> None:
    """Reindex the posts using a snippet whose live row changed.

    Publishing saves the row (``person.saved``) and then publishes it (``person.published``)
    for the same instance; the fingerprint keeps that to one reindex.
    """
    instance = change.instance
    update_fields = change.details.get("update_fields")
    if update_fields is not None and not INDEXED_SNIPPET_FIELDS & set(update_fields):
        return
    fingerprint = _fingerprint(instance)
    if getattr(instance, "_newsroom_search_indexed", None) == fingerprint:
        return
    instance._newsroom_search_indexed = fingerprint
    plan.index.update(_pages_using(instance))


def _on_page(change: ChangeEvent, plan: _Plan) -> None:
    page = change.instance
    if change.kind in ("published", "slug_changed"):
        plan.index.add(page.pk)  # only news posts are indexed: others are skipped
    elif change.kind in ("unpublished", "expired", "deleted"):
        plan.remove.add(page.pk)
    elif change.kind == "moved":
        plan.index.update(documents.subtree_news_ids(page))


def _on_snippet(change: ChangeEvent, plan: _Plan) -> None:
    instance = change.instance
    if change.kind == "deleted":
        # The posts' links to the snippet vanish with it: note them now, reindex after.
        instance._newsroom_search_pages = _pages_using(instance)
    elif change.kind == "removed":
        plan.index.update(getattr(instance, "_newsroom_search_pages", []))
    else:
        _snippet_changed(change, plan)


def _on_restriction(change: ChangeEvent, plan: _Plan) -> None:
    from wagtail.models import Page

    # Looked up by id: when a page is deleted its restrictions go with it, page row first.
    page = Page.objects.filter(pk=change.instance.page_id).first()
    if page is not None:
        plan.index.update(documents.subtree_news_ids(page))


def _plan_change(change: ChangeEvent, plan: _Plan) -> None:
    if change.instance is None:
        return
    kind = change.object_type
    if kind == "page":
        _on_page(change, plan)
    elif kind in ("organisation", "person"):
        _on_snippet(change, plan)
    elif kind == "page_restriction":
        _on_restriction(change, plan)
    elif change.event == "category.saved" and not change.details.get("created"):
        plan.index.update(documents.pages_in_category(change.instance))
    elif change.event == "tag.saved" and not change.details.get("created"):
        plan.index.update(
            NewsPage.objects.filter(tagged__tag=change.instance).values_list("pk", flat=True)
        )


def on_changes(changes: Sequence[ChangeEvent]) -> None:
    """The index's part of changes (inside the writer's transaction): each post built once."""
    plan = _Plan()
    for change in changes:
        _plan_change(change, plan)
    plan.run()


def connect() -> None:
    """Subscribe to the bus (called from the app config's ``ready``)."""
    subscribe(on_changes, when=IN_TRANSACTION)
