"""The JSON of pages: a news card and a full page, built once here and used by every endpoint.

API v3, API v2, preview, feeds and search call ``news_cards`` and ``page_detail``; nothing
else builds page JSON. Both bulk-load what they need through one ``Resolver``, so their query
count does not depend on the number of cards or blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from wagtail.models import Page

from news import representation as rep
from news.models import NewsPage, NewsPageAuthor
from news.snippets import Organisation

RELATED_POSTS = 3


def news_queryset() -> QuerySet[NewsPage]:
    """Live, public news posts with what a card needs, newest first."""
    return (
        NewsPage.objects.live()
        .public()
        .select_related("category")
        .order_by("-date", "-pk")
    )


def with_card_prefetches(queryset: QuerySet[NewsPage], *, include_drafts: bool = False):
    person_filter = Q() if include_drafts else Q(person__live=True)
    organisation_qs = Organisation.objects.all() if include_drafts else Organisation.objects.filter(live=True)
    return queryset.prefetch_related(
        Prefetch(
            "authors",
            queryset=NewsPageAuthor.objects.filter(person_filter)
            .select_related("person", "person__organisation")
            .order_by("sort_order"),
        ),
        "tags",
        Prefetch("organisations", queryset=organisation_qs.order_by("name")),
    )


def _authors(page: NewsPage) -> list[dict]:
    return [rep.person_data(author.person) for author in page.authors.all()]


def _want_card_images(resolver: rep.Resolver, page: NewsPage) -> None:
    resolver.want_image(page.feature_image_id)
    for author in page.authors.all():
        resolver.want_image(author.person.headshot_id)
        if author.person.organisation_id:
            resolver.want_image(author.person.organisation.logo_id)
    for organisation in page.organisations.all():
        resolver.want_image(organisation.logo_id)


def _card(page: NewsPage) -> dict[str, Any]:
    date = page.display_date
    return {
        "id": page.pk,
        "type": "news.NewsPage",
        "title": page.title,
        "subtitle": page.subtitle,
        "path": rep.page_path(page),
        "date": date.isoformat() if date else None,
        "summary": page.summary,
        "feature_image": rep.image_data(
            rep.related_image(page, "feature_image"), alt=page.feature_image_alt or None
        ),
        "authors": _authors(page),
        "byline": page.byline,
        "category": {"name": page.category.name, "slug": page.category.slug}
        if page.category_id
        else None,
        "tags": sorted(tag.name for tag in page.tags.all()),
        "organisations": [
            {"id": org.pk, "slug": org.slug, "name": org.name} for org in page.organisations.all()
        ],
        "reading_time": page.reading_time,
    }


def news_cards(
    pages: Sequence[NewsPage], *, request=None, resolver: rep.Resolver | None = None
) -> list[dict[str, Any]]:
    """Cards for ``pages`` (already fetched with ``with_card_prefetches``)."""
    resolver = resolver or rep.Resolver(request=request)
    for page in pages:
        _want_card_images(resolver, page)
    resolver.load()
    with rep.resolving(resolver):
        return [_card(page) for page in pages]


def related_posts(page: NewsPage, limit: int = RELATED_POSTS) -> list[NewsPage]:
    """Up to ``limit`` live posts sharing an organisation or a tag with ``page``."""
    organisation_ids = [org.pk for org in page.organisations.all()]
    tag_ids = [tag.pk for tag in page.tags.all()]
    if not organisation_ids and not tag_ids:
        return []
    queryset = (
        news_queryset()
        .exclude(pk=page.pk)
        .filter(Q(organisations__in=organisation_ids) | Q(tagged__tag_id__in=tag_ids))
        .distinct()
    )
    ids = list(queryset.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    pages = with_card_prefetches(news_queryset().filter(pk__in=ids))
    by_id = {p.pk: p for p in pages}
    return [by_id[pk] for pk in ids if pk in by_id]


def page_detail(page: Page, *, request=None, include_drafts: bool = False) -> dict[str, Any]:
    """The full JSON of any page type: the same code path for published pages and previews.

    ``page`` must be the specific page; for a NewsPage it should come from
    ``with_card_prefetches`` (a preview page carries its authors and tags in memory).
    """
    resolver = rep.Resolver(request=request, include_drafts=include_drafts)
    data: dict[str, Any] = {
        "id": page.pk,
        "type": f"{page._meta.app_label}.{page.__class__.__name__}",
        "title": page.title,
        "slug": page.slug,
        "path": "",
        "seo": {},
    }
    if isinstance(page, NewsPage):
        related = related_posts(page) if page.pk else []
        _want_card_images(resolver, page)
        for other in related:
            _want_card_images(resolver, other)
        resolver.collect_stream(page.body.stream_block, page.body.raw_data)
        resolver.load()
        with rep.resolving(resolver):
            data.update(_card(page))
            data["body"] = page.body.stream_block.get_api_representation(page.body, context={})
            data["related"] = [_card(other) for other in related]
            data["seo"] = _seo(page)
    else:
        for field in ("intro", "tagline"):
            if hasattr(page, field):
                value = getattr(page, field)
                data[field] = rep.rich_text_html(value) if field == "intro" else value
        with rep.resolving(resolver):
            data["seo"] = _seo(page)
    with rep.resolving(resolver):
        data["path"] = rep.page_path(page) if page.pk else ""
    data["meta"] = {
        "first_published_at": page.first_published_at.isoformat()
        if page.first_published_at
        else None,
        "last_published_at": page.last_published_at.isoformat()
        if page.last_published_at
        else None,
        "locale": "en",
    }
    return data


def _seo(page: Page) -> dict[str, Any]:
    feature = rep.related_image(page, "feature_image") if hasattr(page, "feature_image") else None
    summary = getattr(page, "summary", "")
    return {
        "title": page.seo_title or page.title,
        "description": page.search_description or summary,
        "canonical_url": getattr(page, "canonical_url", "") or "",
        "social_image": rep.social_image_data(feature),
    }
