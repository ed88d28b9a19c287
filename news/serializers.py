"""The JSON of pages: a news card and a full page, built once here and used by every endpoint.

API v3, API v2, preview, feeds and search call ``news_cards`` and ``page_detail``; nothing
else builds page JSON. Both bulk-load what they need through one ``Resolver``, so their query
count does not depend on the number of cards or blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from wagtail.models import Page

from news import representation as rep
from news.models import NewsPage, NewsPageAuthor, NewsPageTag
from news.snippets import Organisation

RELATED_POSTS = 3


def news_queryset() -> QuerySet[NewsPage]:
    """Live, public, unexpired news posts with what a card needs, newest first."""
    return (
        rep.reader_visible(NewsPage.objects.all())
        .select_related("category")
        .order_by("-date", "-pk")
    )


def card_prefetches(*, include_drafts: bool = False) -> list[Prefetch | str]:
    """What a card needs besides the page row: authors, tags, organisations (3 queries)."""
    person_filter = Q() if include_drafts else Q(person__live=True)
    organisation_qs = (
        Organisation.objects.all() if include_drafts else Organisation.objects.filter(live=True)
    )
    return [
        Prefetch(
            "authors",
            queryset=NewsPageAuthor.objects.filter(person_filter)
            .select_related("person", "person__organisation")
            .order_by("sort_order"),
        ),
        "tags",
        Prefetch("organisations", queryset=organisation_qs.order_by("name")),
    ]


def with_card_prefetches(queryset: QuerySet[NewsPage], *, include_drafts: bool = False):
    return queryset.prefetch_related(*card_prefetches(include_drafts=include_drafts))


def _is_bare(page: NewsPage) -> bool:
    """Fetched from the database without card prefetches (and not a preview in memory)."""
    return (
        page.pk is not None
        and "authors" not in getattr(page, "_prefetched_objects_cache", {})
        and not getattr(page, "_cluster_related_objects", None)
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


def _related_rows(page: NewsPage, limit: int) -> list[NewsPage]:
    """Up to ``limit`` live posts sharing an organisation or a tag with ``page`` (one query)."""
    if _is_bare(page):
        # The page's own organisations and tags as subqueries: no query to read them first.
        organisation_ids = NewsPage.organisations.through.objects.filter(
            newspage_id=page.pk
        ).values("organisation_id")
        tag_ids = NewsPageTag.objects.filter(content_object_id=page.pk).values("tag_id")
    else:  # prefetched, or a preview's in-memory relations
        organisation_ids = [org.pk for org in page.organisations.all()]
        tag_ids = [tag.pk for tag in page.tags.all()]
        if not organisation_ids and not tag_ids:
            return []
    # Two id subqueries rather than joins: no duplicate rows, so no DISTINCT to sort out.
    sharing_organisation = NewsPage.organisations.through.objects.filter(
        organisation_id__in=organisation_ids
    ).values("newspage_id")
    sharing_tag = NewsPageTag.objects.filter(tag_id__in=tag_ids).values("content_object_id")
    queryset = (
        news_queryset()
        .exclude(pk=page.pk)
        .filter(Q(pk__in=sharing_organisation) | Q(pk__in=sharing_tag))
    )
    return list(queryset[:limit])


def related_posts(page: NewsPage, limit: int = RELATED_POSTS) -> list[NewsPage]:
    """Up to ``limit`` live posts sharing an organisation or a tag with ``page``, as cards."""
    related = _related_rows(page, limit)
    prefetch_related_objects(related, *card_prefetches())
    return related


def page_detail(page: Page, *, request=None, include_drafts: bool = False) -> dict[str, Any]:
    """The full JSON of any page type: the same code path for published pages and previews.

    ``page`` must be the specific page. A NewsPage may come from ``with_card_prefetches``, be
    a preview carrying its authors and tags in memory, or come bare from ``news_queryset()``
    — then its card data and its related posts' are prefetched together (fewest queries).
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
        related = _related_rows(page, RELATED_POSTS) if page.pk else []
        bare = [page] if _is_bare(page) else []
        prefetch_related_objects(
            bare + related, *card_prefetches(include_drafts=include_drafts and bool(bare))
        )
        _want_card_images(resolver, page)
        if page.feature_image_id:
            resolver.extra_specs.add(rep.SOCIAL_IMAGE_SPEC)
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
        "last_published_at": page.last_published_at.isoformat() if page.last_published_at else None,
        "locale": "en",
    }
    return data


def _seo(page: Page) -> dict[str, Any]:
    # Not hasattr(page, "feature_image"): that would load the image, one query more.
    feature = rep.related_image(page, "feature_image") if isinstance(page, NewsPage) else None
    summary = getattr(page, "summary", "")
    return {
        "title": page.seo_title or page.title,
        "description": page.search_description or summary,
        "canonical_url": getattr(page, "canonical_url", "") or "",
        "social_image": rep.social_image_data(feature),
    }
