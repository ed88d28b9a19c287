"""RSS 2.0 and Atom feeds of the latest news, linking to the frontend's URLs.

The items are built from ``news_cards`` (the one card representation), so a feed says the
same as the listing: title, frontend link, summary, date, authors, category and tags.

Escaping. Every value is XML-escaped by Django's feed generator, which is right for elements
whose content is text: RSS ``title``, ``category`` and ``dc:creator``, Atom ``title`` (no
``type``: text), ``name`` and ``category/@term``. RSS ``description`` and Atom ``summary
type="html"`` are HTML, though: feed readers unescape them once and render the result, so a
summary such as ``<img src=x onerror=alert(17)>`` would run there. The summary and subtitle
are plain text (the editor's form has no markup), so they are HTML-escaped first: a reader shows
the characters the editor typed. Atom needs an author for every entry; the feed's own author
(the site name) covers posts with neither authors nor a byline.
"""

from __future__ import annotations

import datetime as dt
import html
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
        description=html.escape(f"The latest news from {settings.WAGTAIL_SITE_NAME}.", quote=False),
        language=settings.LANGUAGE_CODE,
        feed_url=request.build_absolute_uri(request.path) if request is not None else None,
        feed_guid=frontend_url("/news/"),
        author_name=settings.WAGTAIL_SITE_NAME,
    )
    for card in cards:
        date = dt.datetime.fromisoformat(card["date"]) if card["date"] else timezone.now()
        author_names = [author["name"] for author in card["authors"]]
        feed.add_item(
            title=card["title"],
            link=frontend_url(card["path"]),
            # Plain text in an element that is HTML: escaped, so it is shown, never rendered.
            description=html.escape(card["summary"] or card["subtitle"] or "", quote=False),
            unique_id=frontend_url(card["path"]),
            unique_id_is_permalink=True,
            pubdate=date,
            # Atom requires <updated> on every entry (Django writes it from updateddate only).
            updateddate=date,
            author_name=", ".join(author_names) or card["byline"] or None,
            categories=[c for c in [(card["category"] or {}).get("name"), *card["tags"]] if c],
        )
    return feed.writeString("utf-8").encode("utf-8"), FEED_FORMATS[fmt]
