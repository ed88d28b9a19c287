"""News cards: one builder for every door (listing, search, related posts, feeds, details).

A card is built from a ``CardSource``: plain values of the post (its row), the ids of its
published authors, its tag names and its published organisations. Sources of posts known by
id (listing, search, related posts) come from two statements compiled once per process
(``news.read.statements``): the rows, and what every card lists (authors, tags,
organisations) in one union; no model instances, no prefetches. A post already in memory (a
detail, a preview with unsaved relations, a feed item) gives its source from its attributes.
Authors come from the render's Resolver (the row cache, then one query), like every person
shown anywhere; images and their renditions in one batched lookup.

Built cards are cached (``card_cache_*``) under the content generation and the host.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from wagtail.models import Page

from news import api_cache
from news.read import near_cache
from news.read.images import image_data
from news.read.people import person_data
from news.read.resolver import Resolver, page_path
from news.read.selectors import card_links, card_rows_by_id
from news.read.statements import Statement
from news.snippets import Person

logger = logging.getLogger(__name__)

CARD_ROWS = Statement(card_rows_by_id)
CARD_LINKS = Statement(card_links)


@dataclass(slots=True)
class CardSource:
    """What a card shows of one post, as plain values."""

    pk: int | None
    title: str
    subtitle: str
    url_path: str
    date: Any  # the display date: the post's date, else first published, else last revision
    summary: str
    feature_image_id: int | None
    feature_image_alt: str
    byline: str
    category: dict[str, str] | None
    reading_time: int
    #: Published authors: Person rows (a post in memory) or person ids (taken from the
    #: render's Resolver, which leaves out people it may not show).
    authors: list[Person | int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: Published organisations, by name: (id, name, slug, logo id).
    organisations: list[tuple[int, str, str, int | None]] = field(default_factory=list)
    #: The post itself when the source was read from it (its path comes from it).
    page: Page | None = None


class _Routable:
    """Just what Wagtail's ``Page.get_url_parts`` reads of a page (its url_path and the site
    root paths), so that a card row gets its path exactly as a page would."""

    get_url_parts = Page.get_url_parts
    _get_relevant_site_root_paths = Page._get_relevant_site_root_paths
    _get_site_root_paths = Page._get_site_root_paths

    def __init__(self, pk: int, url_path: str) -> None:
        self.pk = self.id = pk
        self.url_path = url_path


# --- Sources -----------------------------------------------------------------------------------


def sources_for_ids(page_ids: Sequence[int]) -> dict[int, CardSource]:
    """Sources of the posts among ``page_ids`` a reader may see (two statements)."""
    if not page_ids:
        return {}
    return sources_for_rows(CARD_ROWS.run(ids=list(page_ids)))


def sources_for_rows(rows: Iterable[tuple]) -> dict[int, CardSource]:
    """Sources of posts from their card rows (``CARD_COLUMNS``), with what the cards list
    (one statement)."""
    sources = {row[0]: source_of_row(row) for row in rows}
    add_links(sources)
    return sources


def add_links(sources: dict[int, CardSource]) -> None:
    """Fill in the authors, tags and organisations of stored posts (one statement)."""
    if not sources:
        return
    for kind, page_id, ref, name, slug, extra, _rank in CARD_LINKS.run(ids=list(sources)):
        source = sources[page_id]
        if kind == "a":
            source.authors.append(ref)
        elif kind == "t":
            source.tags.append(name)
        else:
            source.organisations.append((ref, name, slug, extra))


def source_of_row(row: tuple) -> CardSource:
    (pk, title, subtitle, url_path, date, first_published, last_revision, summary, image_id,
     image_alt, byline, category_id, category_name, category_slug, reading_time) = row  # fmt: skip
    return CardSource(
        pk=pk,
        title=title,
        subtitle=subtitle,
        url_path=url_path,
        date=date or first_published or last_revision,
        summary=summary,
        feature_image_id=image_id,
        feature_image_alt=image_alt,
        byline=byline,
        category={"name": category_name, "slug": category_slug} if category_id else None,
        reading_time=reading_time,
    )


def source_of_page(page: Any, *, links: bool) -> CardSource:
    """The source of a post in memory; with ``links`` its authors, tags and organisations
    are read from it too (prefetched, or a preview's unsaved relations), else left for
    ``add_links``."""
    category = page.category if page.category_id else None
    source = CardSource(
        pk=page.pk,
        title=page.title,
        subtitle=page.subtitle,
        url_path=page.url_path,
        date=page.display_date,
        summary=page.summary,
        feature_image_id=page.feature_image_id,
        feature_image_alt=page.feature_image_alt,
        byline=page.byline,
        category={"name": category.name, "slug": category.slug} if category else None,
        reading_time=page.reading_time,
        page=page,
    )
    if links:
        source.authors = [author.person for author in page.authors.all()]
        source.tags = [tag.name for tag in page.tags.all()]
        source.organisations = [
            (org.pk, org.name, org.slug, org.logo_id) for org in page.organisations.all()
        ]
    return source


# --- Building -----------------------------------------------------------------------------------


def want_card_images(resolver: Resolver, source: CardSource) -> None:
    """Note what the card shows that the Resolver loads: authors (then their headshots and
    organisations' logos) and the feature image."""
    resolver.want_image(source.feature_image_id)
    for author in source.authors:
        if isinstance(author, int):
            resolver.want(Person, author)
        else:
            resolver.want_person_images(author)


def _authors(source: CardSource, resolver: Resolver) -> list[Person]:
    people = []
    for author in source.authors:
        person = resolver.get(Person, author) if isinstance(author, int) else author
        if person is not None:
            people.append(person)
    return people


def card_dependencies(source: CardSource, authors: Iterable[Person]) -> tuple[str, ...]:
    """The dependency tags of a card (news.api_cache): the post, its feature image, its
    authors with their headshots and organisations, its organisations with their logos."""
    tags = {f"page:{source.pk}", f"image:{source.feature_image_id}"}
    for person in authors:
        tags |= {f"person:{person.pk}", f"image:{person.headshot_id}"}
        if person.organisation_id:
            tags |= {f"organisation:{person.organisation_id}"}
            tags |= {f"image:{person.organisation.logo_id}"}
    for organisation_id, _name, _slug, logo_id in source.organisations:
        tags |= {f"organisation:{organisation_id}", f"image:{logo_id}"}
    return tuple(sorted(tag for tag in tags if not tag.endswith(":None")))


def build_card(source: CardSource, resolver: Resolver) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The card of ``source`` and its dependency tags (inside ``resolving(resolver)``, after
    ``resolver.load()``); the answer being rendered depends on them."""
    authors = _authors(source, resolver)
    dependencies = card_dependencies(source, authors)
    api_cache.depends_on(*dependencies)
    date = source.date
    routable = source.page if source.page is not None else _Routable(source.pk, source.url_path)
    card = {
        "id": source.pk,
        "type": "news.NewsPage",
        "title": source.title,
        "subtitle": source.subtitle,
        "path": page_path(routable),
        "date": date.isoformat() if date else None,
        "summary": source.summary,
        "feature_image": image_data(
            resolver.image(source.feature_image_id), alt=source.feature_image_alt or None
        ),
        "authors": [person_data(person) for person in authors],
        "byline": source.byline,
        "category": dict(source.category) if source.category else None,
        "tags": sorted(source.tags),
        "organisations": [
            {"id": pk, "slug": slug, "name": name} for pk, name, slug, _ in source.organisations
        ],
        "reading_time": source.reading_time,
    }
    return card, dependencies


# --- The card cache --------------------------------------------------------------------------
#
# A card is a pure function of the database at one content generation (news.api_cache: every
# change a reader could see starts a new one) and of the site the request came to (a card's
# path is relative to it). Cards are cached under (generation, host, page id): a cached card
# can never be served after the change that made it obsolete, in any process. Only used when
# the request has already read the generation (every public API request does, once), never
# for previews (drafts).


def card_cache_keys(page_ids: Sequence[int], request: Any) -> dict[int, str] | None:
    """The card cache keys of these posts for this request (None: no card cache)."""
    generation = getattr(request, "_newsroom_generation", None) if request is not None else None
    if generation is None:
        return None
    host = request.get_host()
    return {pk: f"newsroom:card2:{generation}:{host}:{pk}" for pk in page_ids}


def card_cache_get(keys: dict[int, str] | None) -> dict[int, dict[str, Any]]:
    """Cached cards by page id; the answer being rendered depends on what each one shows
    (its tags are stored with it)."""
    if not keys:
        return {}
    try:
        found = near_cache.get_many(api_cache.cache_alias(), keys.values())
    except Exception:  # a cache outage degrades to building the cards
        logger.warning("card cache read failed", exc_info=True)
        return {}
    cards = {}
    for pk, key in keys.items():
        if key in found:
            card, tags = found[key]
            api_cache.depends_on(*tags)
            cards[pk] = card
    return cards


def card_cache_set(
    keys: dict[int, str] | None, built: dict[int, tuple[dict[str, Any], tuple[str, ...]]]
) -> None:
    """Store built cards (card, dependency tags) by page id."""
    entries = {keys[pk]: value for pk, value in built.items() if keys and pk in keys}
    if not entries:
        return
    try:
        near_cache.set_many(
            api_cache.cache_alias(), entries, getattr(settings, "NEWSROOM_API_CACHE_TIMEOUT", 3600)
        )
    except Exception:
        logger.warning("card cache write failed", exc_info=True)
