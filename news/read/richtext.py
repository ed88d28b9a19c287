"""Rich text for frontends: links rewritten to frontend paths, images embedded, HTML sanitised.

Wagtail stores rich text with references (``<a linktype="page" id="3">``, ``<embed
embedtype="image" …>``); ``rich_text_html`` turns them into HTML a browser renders, taking
the referenced pages, documents and images from the active resolver (hidden ones become
plain text), and sanitises the result whatever its source.
"""

from __future__ import annotations

import functools
import html as html_module
import re
from collections.abc import Callable
from typing import Any

import nh3
from django.db.models import Model
from wagtail.models import Page
from wagtail.rich_text.rewriters import EmbedRewriter, LinkRewriter

from news.read.images import image_data
from news.read.resolver import active_resolver, page_path, resolving
from news.read.selectors import document_model

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "del", "sup", "sub", "code", "pre", "kbd",
    "a", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "img", "figure",
    "figcaption", "table", "thead", "tbody", "tr", "th", "td", "caption", "span", "div", "dl",
    "dt", "dd", "abbr", "mark", "small",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "class", "loading"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
    "*": {"id", "class"},
}

# Block-level boundaries separate words even when the HTML has no whitespace between them.
BLOCK_BOUNDARY = re.compile(
    r"(?=<(?:/?(?:p|li|ul|ol|h[1-6]|div|tr|td|th|blockquote|pre|figcaption|dd|dt)\b|br\b))",
    re.IGNORECASE,
)


def rich_text_html(source: str) -> str:
    """Wagtail's stored rich text as HTML a browser renders: frontend paths, rendition URLs.

    The result is sanitised (no scripts, event handlers or ``javascript:`` links), whatever
    the source, so imported or hand-edited HTML cannot carry them to a frontend.
    """
    if not source:
        return ""
    with resolving() as resolver:
        resolver.collect_rich_text(source)
        resolver.load()
        html = _EMBEDS(_LINKS(source))
    return sanitise_html(html)


# A pure function of its argument, so memoising it per process can never serve stale HTML;
# the same paragraphs, bios and boilerplates are sanitised again on every render otherwise.
@functools.lru_cache(maxsize=4096)
def sanitise_html(html: str) -> str:
    """``html`` with only the tags, attributes and URL schemes a frontend may render."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener",
    )


# Pure too, and a post's paragraphs are read as text three times when it is saved (word
# count, search document, membership phrases).
@functools.lru_cache(maxsize=4096)
def plain_text(html: str) -> str:
    """Visible text of an HTML fragment (for word counts, summaries and search)."""
    text = nh3.clean(BLOCK_BOUNDARY.sub(" ", html or ""), tags=set())
    return re.sub(r"\s+", " ", html_module.unescape(text)).strip()


def _link(model: type[Model], href: Callable[[Any], str], attrs: dict) -> str:
    """An ``<a>`` to the frontend URL of the linked object, or a bare ``<a>`` (its text stays)
    when the render may not show it (a draft, an expired or private page, a private document)."""
    resolver = active_resolver()
    target = resolver.get(model, attrs.get("id")) if resolver else None
    return "<a>" if target is None else f'<a href="{href(target)}">'


def _image_embed(attrs: dict) -> str:
    resolver = active_resolver()
    image = resolver.image(attrs.get("id")) if resolver else None
    data = image_data(image, alt=attrs.get("alt")) if image is not None else None
    if data is None:
        return ""
    fmt = attrs.get("format") or "fullwidth"
    return (
        f'<img src="{data["src"]}" srcset="{data["srcset"]}" width="{data["width"]}" '
        f'height="{data["height"]}" alt="{_escape(data["alt"])}" class="richtext-image {fmt}" '
        'loading="lazy">'
    )


def _escape(text: str) -> str:
    return html_module.escape(text or "", quote=True)


_LINKS = LinkRewriter(
    rules={
        "page": functools.partial(_link, Page, page_path),
        "document": lambda attrs: _link(document_model(), lambda document: document.url, attrs),
    }
)
_EMBEDS = EmbedRewriter(rules={"image": _image_embed})
