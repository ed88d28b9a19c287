"""Every query the read side makes, next to the list of related rows it must preload.

A render reads fields of related rows (a person's organisation, a card's category and
authors); each such row that was not preloaded costs one more query *per item*, silently. So
the preload lists are declared here, once, and every query that feeds a render is built here
from them: the Resolver's bulk loads, the news listing and cards (``news.serializers``), and
the people and organisations endpoints (``cms.api.people``). ``tests/test_api_queries.py``
renders every door with N and 3N items and checks the query count does not move.

Visibility is part of every query: ``reader_visible`` (pages) and ``public_documents``
(documents) are the rules every endpoint uses; snippets are published when ``live``.

The page models are looked up in the app registry when a query is built rather than
imported: ``news.models`` imports the body blocks, which render through this package.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps
from django.db.models import Exists, F, Model, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models import prefetch_related_objects as _prefetch
from django.db.models.functions import Length, Now, Substr
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import CollectionViewRestriction, Page, PageViewRestriction

from news.read.statements import Statement, instances, row_fields
from news.snippets import Organisation, Person

# Wagtail's getters look the model up in the app registry on every call, and a render asks
# for the image model for every image, person and organisation it touches.
image_model = functools.cache(get_image_model)
document_model = functools.cache(get_document_model)

# --- Preload lists ---------------------------------------------------------------------------

#: What ``person_data`` reads beyond the person row (its logo comes from the Resolver).
PERSON_RELATED: tuple[str, ...] = ("organisation",)
#: What a news card reads beyond the page row: its category, and its locale (for its path).
NEWS_CARD_RELATED: tuple[str, ...] = ("category", "locale")


def _news_models() -> tuple[type[Model], type[Model]]:
    return apps.get_model("news", "NewsPage"), apps.get_model("news", "NewsPageAuthor")


# --- Visibility ------------------------------------------------------------------------------


def reader_visible(queryset: QuerySet, *, now: Any = None) -> QuerySet:
    """Pages an anonymous reader may see: live, not expired, outside every view restriction.

    One SQL query whatever the number of restrictions (Wagtail's ``public()`` runs a query
    for the restrictions first); expiry is checked against the clock because a live page
    stays ``live`` until the ``publish_scheduled`` command runs. ``now`` may be the
    database's clock (``Now()``), which makes the query independent of the moment it is built.
    """
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, Length("page__path"))
    )
    return (
        queryset.filter(live=True)
        .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=timezone.now() if now is None else now))
        .exclude(Exists(restricted))
    )


def public_documents(queryset: QuerySet) -> QuerySet:
    """Documents outside every collection view restriction (a restricted collection's
    documents are private, and so are those of its descendants)."""
    restricted = CollectionViewRestriction.objects.filter(
        collection__path=Substr(OuterRef("collection__path"), 1, Length("collection__path"))
    )
    return queryset.exclude(Exists(restricted))


def published(queryset: QuerySet, *, include_drafts: bool = False) -> QuerySet:
    """Live rows only (snippets with draft/publish), unless drafts are wanted (previews)."""
    return queryset if include_drafts else queryset.filter(live=True)


# --- What the Resolver loads -----------------------------------------------------------------


def referenced_rows(
    model: type[Model], ids: Iterable[int], *, include_drafts: bool = False
) -> QuerySet:
    """Rows of ``model`` a stream or card refers to, as a reader (or an editor previewing)
    may see them, with what their JSON reads preloaded. ``model`` is a concrete model
    (``Page`` for every page type)."""
    queryset = model._default_manager.filter(pk__in=ids)
    if model is Page:
        return queryset if include_drafts else reader_visible(queryset)
    if model is document_model()._meta.concrete_model:
        return public_documents(queryset)
    if model is Person:
        queryset = queryset.select_related(*PERSON_RELATED)
    if hasattr(model, "live"):
        return published(queryset, include_drafts=include_drafts)
    return queryset


def renditions_by_image(image_ids: Sequence[int], specs: Iterable[str]) -> dict[int, list]:
    """The renditions of these images made with these filter specs (one query), by image."""
    rendition_model = image_model().get_rendition_model()
    renditions: dict[int, list] = defaultdict(list)
    for rendition in rendition_model.objects.filter(
        image_id__in=list(image_ids), filter_spec__in=list(specs)
    ):
        renditions[rendition.image_id].append(rendition)
    return renditions


# --- News posts and their cards --------------------------------------------------------------


def news_queryset(*, now: Any = None) -> QuerySet:
    """Live, public, unexpired news posts with what a card needs, newest first."""
    news_page, _author = _news_models()
    return (
        reader_visible(news_page.objects.all(), now=now)
        .select_related(*NEWS_CARD_RELATED)
        .order_by("-date", "-pk")
    )


def _visible_news_page_statement(page_id: int) -> QuerySet:
    news_page, _author = _news_models()
    return (
        news_queryset(now=Now())
        .filter(pk=page_id)
        .order_by()
        .values_list(*row_fields(news_page, NEWS_CARD_RELATED))
    )


# The database's clock (Now()) keeps the compiled statement valid at every moment.
_VISIBLE_NEWS_PAGE = Statement(_visible_news_page_statement)


def visible_news_page_row(page_id: int) -> Model | None:
    """The post ``page_id`` if readers may see it, as ``news_queryset`` gives it (with
    ``NEWS_CARD_RELATED``, no prefetches), in one statement compiled once per process."""
    news_page, _author = _news_models()
    rows = _VISIBLE_NEWS_PAGE.run(page_id=page_id)
    return instances(news_page, rows, NEWS_CARD_RELATED)[0] if rows else None


@functools.cache
def _visible_news_page_at_statement(root_path: str) -> Statement:
    """Compiled once per process and site (the root path is compiled in: ``startswith``
    escapes its value, so it cannot be swapped in at run time)."""

    def build(url_path: str) -> QuerySet:
        news_page, _author = _news_models()
        return (
            news_queryset(now=Now())
            .filter(url_path=url_path, path__startswith=root_path)
            .order_by("pk")
            .values_list(*row_fields(news_page, NEWS_CARD_RELATED))[:1]
        )

    return Statement(build)


def visible_news_page_at(url_path: str, root_path: str) -> Model | None:
    """The post at ``url_path`` in the page tree under ``root_path`` (a site's root page's
    tree path) if readers may see it, as ``visible_news_page_row`` gives it: a route lookup
    of a post (most of them) in one statement instead of finding the page, then the post."""
    news_page, _author = _news_models()
    rows = _visible_news_page_at_statement(root_path).run(url_path=url_path)
    return instances(news_page, rows, NEWS_CARD_RELATED)[0] if rows else None


def _visible_page_by_path(path: str) -> QuerySet:
    return (
        reader_visible(Page.objects.filter(path=path), now=Now())
        .order_by()
        .values_list(*row_fields(Page, ("locale",)))
    )


_VISIBLE_PAGE_BY_PATH = Statement(_visible_page_by_path)


def visible_page_by_path(path: str) -> Page | None:
    """The page (base ``Page``, with its locale) at tree ``path`` if readers may see it, or
    None (one statement compiled once per process)."""
    rows = _VISIBLE_PAGE_BY_PATH.run(path=path)
    return instances(Page, rows, ("locale",))[0] if rows else None


#: A card's columns, as ``card_values`` and the card statements select them (no model
#: instances: a card is plain data; ``news.cards``).
CARD_COLUMNS: tuple[str, ...] = (
    "pk",
    "title",
    "subtitle",
    "url_path",
    "date",
    "first_published_at",
    "latest_revision_created_at",
    "summary",
    "feature_image_id",
    "feature_image_alt",
    "byline",
    "category_id",
    "category__name",
    "category__slug",
    "reading_time",
)


def card_values(queryset: QuerySet) -> QuerySet:
    """``queryset`` of posts as rows of ``CARD_COLUMNS``."""
    return queryset.values_list(*CARD_COLUMNS)


def card_rows_by_id(ids: Sequence[int]) -> QuerySet:
    """The visible posts among ``ids`` as card rows (for ``news.read.statements``: built
    against the database's clock, so the statement does not depend on when it was built)."""
    return card_values(news_queryset(now=Now()).filter(pk__in=ids).order_by())


def card_links(ids: Sequence[int]) -> QuerySet:
    """What the cards of posts ``ids`` list, in one statement, as rows of (kind, post id,
    id, name, slug, extra, rank): ``"a"`` published authors (person id; extra: the author
    row's id; by ``sort_order``, then as added), ``"t"`` tags (tag id, name, slug),
    ``"o"`` published organisations (id, name, slug; extra: their logo's id; by name in the
    database's collation, as a prefetch ordered by name)."""
    news_page, author_model = _news_models()

    def row(kind: str, page: str, ref: str, name: Any, slug: Any, rank: Any, extra: Any):
        return {
            "card_kind": Value(kind),
            "card_page": F(page),
            "card_ref": F(ref),
            "card_name": name,
            "card_slug": slug,
            "card_extra": extra,
            "card_rank": rank,
        }

    blank, zero = Value(""), Value(0)
    authors = author_model.objects.filter(page_id__in=ids, person__live=True).values(
        **row("a", "page_id", "person_id", blank, blank, F("sort_order"), F("pk"))
    )
    tags = news_page.tags.through.objects.filter(content_object_id__in=ids).values(
        **row("t", "content_object_id", "tag_id", F("tag__name"), F("tag__slug"), zero, zero)
    )
    organisations = news_page.organisations.through.objects.filter(
        newspage_id__in=ids, organisation__live=True
    ).values(
        **row(
            "o",
            "newspage_id",
            "organisation_id",
            F("organisation__name"),
            F("organisation__slug"),
            zero,
            F("organisation__logo_id"),
        )
    )
    combined = authors.order_by().union(tags.order_by(), organisations.order_by(), all=True)
    order = ("card_kind", "card_page", "card_rank", "card_name", "card_extra", "card_ref")
    return combined.order_by(*order)


def card_prefetches(*, include_drafts: bool = False) -> list[Prefetch | str]:
    """What a card needs besides the page row: authors, tags, organisations (3 queries)."""
    _page, author_model = _news_models()
    authors = author_model.objects.filter(Q() if include_drafts else Q(person__live=True))
    return [
        Prefetch(
            "authors",
            queryset=authors.select_related(
                "person", *(f"person__{name}" for name in PERSON_RELATED)
            ).order_by("sort_order"),
        ),
        "tags",
        Prefetch(
            "organisations",
            queryset=published(Organisation.objects.all(), include_drafts=include_drafts).order_by(
                "name"
            ),
        ),
    ]


def with_card_prefetches(queryset: QuerySet, *, include_drafts: bool = False) -> QuerySet:
    """``queryset`` of posts with ``card_prefetches``."""
    return queryset.prefetch_related(*card_prefetches(include_drafts=include_drafts))


def prefetch_card_data(pages: Sequence[Model], *, include_drafts: bool = False) -> None:
    """``card_prefetches`` for posts already fetched, and ``NEWS_CARD_RELATED`` for those
    fetched without it (e.g. by Wagtail's page listing; rows that have it are skipped)."""
    if pages:
        _prefetch(list(pages), *card_prefetches(include_drafts=include_drafts), *NEWS_CARD_RELATED)


# --- People and organisations ----------------------------------------------------------------


def published_organisations() -> QuerySet[Organisation]:
    """Published organisations, by name."""
    return published(Organisation.objects.all()).order_by("name", "pk")


def published_people() -> QuerySet[Person]:
    """Published people, by name, with what ``person_data`` reads."""
    return published(Person.objects.all()).select_related(*PERSON_RELATED).order_by("name", "pk")


def by_key(queryset: QuerySet, key: str) -> QuerySet:
    """Digits look an object up by id, anything else by slug."""
    return (
        queryset.filter(pk=int(key))
        if key.isdigit() and len(key) < 18
        else queryset.filter(slug=key)
    )
