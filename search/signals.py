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

The bus calls ``on_change`` inside the editor's transaction: the index is in the same
database, so a failed publish leaves the index as it was. The indexing itself is
``search.documents``; this module only decides which posts an event concerns.
"""

from __future__ import annotations

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


def _snippet_changed(change: ChangeEvent) -> None:
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
    documents.index_pages(_pages_using(instance))


def _on_page(change: ChangeEvent) -> None:
    page = change.instance
    if change.kind in ("published", "slug_changed"):
        documents.index_pages([page.pk])  # only news posts are indexed: others are skipped
    elif change.kind in ("unpublished", "expired", "deleted"):
        documents.remove_pages([page.pk])
    elif change.kind == "moved":
        documents.index_pages(documents.subtree_news_ids(page))


def _on_snippet(change: ChangeEvent) -> None:
    instance = change.instance
    if change.kind == "deleted":
        # The posts' links to the snippet vanish with it: note them now, reindex after.
        instance._newsroom_search_pages = _pages_using(instance)
    elif change.kind == "removed":
        documents.index_pages(getattr(instance, "_newsroom_search_pages", []))
    else:
        _snippet_changed(change)


def _on_restriction(change: ChangeEvent) -> None:
    from wagtail.models import Page

    # Looked up by id: when a page is deleted its restrictions go with it, page row first.
    page = Page.objects.filter(pk=change.instance.page_id).first()
    if page is not None:
        documents.index_pages(documents.subtree_news_ids(page))


def on_change(change: ChangeEvent) -> None:
    """The index's part of one change (inside the writer's transaction)."""
    if change.instance is None:
        return
    kind = change.object_type
    if kind == "page":
        _on_page(change)
    elif kind in ("organisation", "person"):
        _on_snippet(change)
    elif kind == "page_restriction":
        _on_restriction(change)
    elif change.event == "category.saved" and not change.details.get("created"):
        documents.index_pages(documents.pages_in_category(change.instance))
    elif change.event == "tag.saved" and not change.details.get("created"):
        documents.index_pages(
            NewsPage.objects.filter(tagged__tag=change.instance).values_list("pk", flat=True)
        )


def connect() -> None:
    """Subscribe to the bus (called from the app config's ``ready``)."""
    subscribe(on_change, when=IN_TRANSACTION)
