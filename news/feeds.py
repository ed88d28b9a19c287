"""RSS 2.0 and Atom feeds of the latest news, linking to the frontend's URLs.

The items are built from ``news_cards`` (the one card representation), so a feed says the
same as the listing: title, frontend link, summary, date, authors, category and tags.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.utils import feedgenerator, timezone

from news.models import NewsPage
from news.serializers import news_cards

FEED_FORMATS = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
_GENERATORS = {"rss": feedgenerator.Rss201rev2Feed, "atom": feedgenerator.Atom1Feed}


def frontend_url(path: str) -> str:
    return f"{settings.NEWSROOM_FRONTEND_URL}{path}"


def render_feed(fmt: str, pages: Sequence[NewsPage], *, request=None) -> tuple[bytes, str]:
    """The feed document for ``pages`` (from ``with_card_prefetches``) and its content type."""
    cards = news_cards(pages, request=request)
    feed = _GENERATORS[fmt](
        title=f"{settings.WAGTAIL_SITE_NAME} news",
        link=frontend_url("/news/"),
        description=f"The latest news from {settings.WAGTAIL_SITE_NAME}.",
        language=settings.LANGUAGE_CODE,
        feed_url=request.build_absolute_uri(request.path) if request is not None else None,
        feed_guid=frontend_url("/news/"),
    )
    for card in cards:
        date = dt.datetime.fromisoformat(card["date"]) if card["date"] else timezone.now()
        author_names = [author["name"] for author in card["authors"]]
        feed.add_item(
            title=card["title"],
            link=frontend_url(card["path"]),
            description=card["summary"] or card["subtitle"],
            unique_id=frontend_url(card["path"]),
            unique_id_is_permalink=True,
            pubdate=date,
            author_name=", ".join(author_names) or card["byline"] or None,
            categories=[c for c in [(card["category"] or {}).get("name"), *card["tags"]] if c],
        )
    return feed.writeString("utf-8").encode("utf-8"), FEED_FORMATS[fmt]
