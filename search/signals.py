"""Keeping the search index fresh: which editor actions reindex which posts.

- a post is published → indexed; unpublished or deleted → removed (deletion also cascades);
- a page is moved, or a view restriction is added/changed/removed → the posts in that subtree
  are re-checked (a post under a private section leaves the index);
- an Organisation or Person is published, unpublished, saved or deleted → every post that uses
  it (``NewsPage.organisations``/``people``, kept by ``NewsPage.save``) is reindexed, so the
  new boilerplate or name is found and the old one no longer is;
- a category or tag is renamed → its posts are reindexed.

Handlers run inside the editor's transaction: the index is in the same database, so a failed
publish leaves the index as it was.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_delete
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished

from news.models import NewsPage
from news.snippets import NewsCategory, Organisation, Person
from search import documents

DISPATCH_PREFIX = "newsroom_search"


def on_page_published(sender, instance, **kwargs) -> None:
    documents.index_pages([instance.pk])


def on_page_unpublished(sender, instance, **kwargs) -> None:
    documents.remove_pages([instance.pk])


def on_page_deleted(sender, instance, **kwargs) -> None:
    documents.remove_pages([instance.pk])


def on_page_moved(sender, instance, **kwargs) -> None:
    documents.index_pages(documents.subtree_news_ids(instance))


def on_restriction_changed(sender, instance, **kwargs) -> None:
    # Looked up by id: when a page is deleted its restrictions go with it, page row first.
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        documents.index_pages(documents.subtree_news_ids(page))


def _pages_using(instance) -> list[int]:
    if isinstance(instance, Organisation):
        return documents.pages_using_organisation(instance.pk)
    if isinstance(instance, Person):
        return documents.pages_using_person(instance.pk)
    return []


# Fields whose change alters what a post is found by.
INDEXED_SNIPPET_FIELDS = frozenset(
    {"name", "role", "bio", "boilerplate", "organisation", "organisation_id", "live"}
)


def _fingerprint(instance) -> tuple:
    return tuple(
        getattr(instance, name, None)
        for name in ("live", "name", "role", "bio", "boilerplate", "organisation_id")
    )


def on_snippet_changed(sender, instance, update_fields=None, **kwargs) -> None:
    """Reindex the posts using a snippet whose live row changed.

    Publishing saves the row (post_save) and then sends ``published`` for the same instance;
    the fingerprint keeps that to one reindex. Draft saves and autosaves only write a
    revision and ``latest_revision`` (``update_fields``), which readers never see: skipped.
    """
    if not isinstance(instance, Organisation | Person) or not instance.pk:
        return
    if update_fields is not None and not INDEXED_SNIPPET_FIELDS & set(update_fields):
        return
    fingerprint = _fingerprint(instance)
    if getattr(instance, "_newsroom_search_indexed", None) == fingerprint:
        return
    instance._newsroom_search_indexed = fingerprint
    documents.index_pages(_pages_using(instance))


def on_snippet_deleting(sender, instance, **kwargs) -> None:
    # The posts' links to the snippet vanish with it: note them now, reindex after.
    instance._newsroom_search_pages = _pages_using(instance)


def on_snippet_deleted(sender, instance, **kwargs) -> None:
    documents.index_pages(getattr(instance, "_newsroom_search_pages", []))


def on_category_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        documents.index_pages(documents.pages_in_category(instance))


def on_tag_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        documents.index_pages(
            NewsPage.objects.filter(tagged__tag=instance).values_list("pk", flat=True)
        )


def connect() -> None:
    """Connect every handler (called from the app config's ``ready``)."""
    uid = DISPATCH_PREFIX
    page_published.connect(on_page_published, sender=NewsPage, dispatch_uid=f"{uid}-published")
    page_unpublished.connect(
        on_page_unpublished, sender=NewsPage, dispatch_uid=f"{uid}-unpublished"
    )
    post_delete.connect(on_page_deleted, sender=NewsPage, dispatch_uid=f"{uid}-deleted")
    post_page_move.connect(on_page_moved, dispatch_uid=f"{uid}-moved")
    post_save.connect(on_restriction_changed, sender=PageViewRestriction, dispatch_uid=f"{uid}-pvr")
    post_delete.connect(
        on_restriction_changed, sender=PageViewRestriction, dispatch_uid=f"{uid}-pvr-del"
    )
    for model in (Organisation, Person):
        name = model.__name__
        published.connect(on_snippet_changed, sender=model, dispatch_uid=f"{uid}-pub-{name}")
        unpublished.connect(on_snippet_changed, sender=model, dispatch_uid=f"{uid}-unpub-{name}")
        post_save.connect(on_snippet_changed, sender=model, dispatch_uid=f"{uid}-save-{name}")
        pre_delete.connect(on_snippet_deleting, sender=model, dispatch_uid=f"{uid}-predel-{name}")
        post_delete.connect(on_snippet_deleted, sender=model, dispatch_uid=f"{uid}-del-{name}")
    post_save.connect(on_category_saved, sender=NewsCategory, dispatch_uid=f"{uid}-category")
    post_save.connect(on_tag_saved, sender=Tag, dispatch_uid=f"{uid}-tag")
