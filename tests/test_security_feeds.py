"""Hardening (issue 14, finding 2): feeds escape every plain-text field and are valid RSS 2.0
and Atom 1.0.

Validity is checked two ways: by a strict XML parser (the standard library's expat: not
well-formed is an error) plus the elements RSS 2.0 and RFC 4287 require, with the formats
they require (RFC 822 dates in RSS, RFC 3339 in Atom, absolute links, an author for every
Atom entry); and by feedparser, the parser most feed readers' behaviour is modelled on, which
must report no problem (``bozo``) and shows what a reader displays.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import feedparser
import pytest

from news.snippets import Person
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<img src=x onerror=alert(17)>"
HOSTILE_TITLE = 'Q&A: <b>bold</b> "claims" <script>alert(1)</script>'


@pytest.fixture
def hostile_posts(news_index, settings):
    settings.NEWSROOM_FRONTEND_URL = "https://news.example.org"
    author = Person(name="<svg onload=alert(3)> Ada", slug="ada-hostile", live=True)
    author.save()
    first = publish_news_page(news_index, title=HOSTILE_TITLE, summary=HOSTILE, byline="x")
    second = publish_news_page(
        news_index,
        title="Plain post",
        subtitle="<iframe src=javascript:alert(2)>",
        byline="<b>Byline</b>",
    )
    third = publish_news_page(news_index, title="Nobody wrote this")
    first.tags.add("<i>tag</i>")
    first.save_revision().publish()
    return first, second, third


def _absolute(url: str | None) -> bool:
    parsed = urlparse(url or "")
    return parsed.scheme in {"http", "https"} and bool(parsed.netloc)


def _rfc3339(text: str | None) -> dt.datetime:
    value = dt.datetime.fromisoformat(text or "")
    assert value.tzinfo is not None, text
    return value


def test_rss_is_valid_rss_2_and_escapes_plain_text(client, hostile_posts):
    response = client.get("/api/v3/feeds/news.rss")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # strict: raises on anything not well-formed
    assert root.tag == "rss" and root.get("version") == "2.0"
    channels = root.findall("channel")
    assert len(channels) == 1
    channel = channels[0]
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    assert _absolute(channel.findtext("link"))
    items = channel.findall("item")
    assert len(items) == 3
    for item in items:
        assert item.findtext("title") or item.findtext("description")
        assert _absolute(item.findtext("link"))
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "true" and _absolute(guid.text)
        author = item.findtext("author")
        assert author is None or "@" in author  # RSS's author is an e-mail address

    by_title = {item.findtext("title"): item for item in items}
    # Text elements hold the text itself (XML-escaped once) …
    assert HOSTILE_TITLE in by_title
    # … and description, which readers render as HTML, holds the text HTML-escaped.
    assert by_title[HOSTILE_TITLE].findtext("description") == html.escape(HOSTILE, quote=False)
    plain = by_title["Plain post"].findtext("description")
    assert plain == "&lt;iframe src=javascript:alert(2)&gt;"
    assert b"<img" not in response.content and b"<iframe" not in response.content

    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    entry = next(e for e in parsed.entries if e.title == HOSTILE_TITLE)
    # What a reader displays: the characters typed, as text, no element.
    assert entry.summary_detail.type == "text/html"
    assert entry.summary == html.escape(HOSTILE, quote=False)
    assert "<img" not in entry.summary


def test_atom_is_valid_atom_1_and_escapes_plain_text(client, hostile_posts):
    response = client.get("/api/v3/feeds/news.atom")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    _rfc3339(root.findtext(f"{ATOM}updated"))
    assert _absolute(root.findtext(f"{ATOM}id"))
    self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and _absolute(self_links[0].get("href"))
    feed_has_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    ids = set()
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        _rfc3339(entry.findtext(f"{ATOM}updated"))
        ids.add(entry.findtext(f"{ATOM}id"))
        alternate = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternate) == 1 and _absolute(alternate[0].get("href"))
        # RFC 4287 4.1.1: an entry without its own author needs one on the feed.
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        title = entry.find(f"{ATOM}title")
        assert title.get("type", "text") == "text"
        summary = entry.find(f"{ATOM}summary")
        if summary is not None and summary.get("type") == "html":
            # HTML content: no element may survive one unescaping.
            assert "<" not in (summary.text or "")
    assert len(ids) == 3

    by_title = {e.findtext(f"{ATOM}title"): e for e in entries}
    assert HOSTILE_TITLE in by_title
    assert by_title[HOSTILE_TITLE].findtext(f"{ATOM}summary") == html.escape(HOSTILE, quote=False)

    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    entry = next(e for e in parsed.entries if e.title == HOSTILE_TITLE)
    assert entry.summary == html.escape(HOSTILE, quote=False)
    assert parsed.feed.author  # covers the entries without authors of their own
