"""Draft body blocks and what they carry: rich text, and images as the post refers to them.

A *draft* is a block type plus a plain value that names things (people, organisations, image
files) instead of pointing at database rows; ``news.importers.writer`` resolves those names.
``InlineWriter`` writes an HTML node's content as Wagtail rich text; ``image_from_tag`` reads
an ``<img>`` (alt text, caption, float, maximum size) into an ``ImageRef``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from bs4 import Comment, NavigableString, Tag

Warn = Callable[[str], None]

HEADING_MAX = 200
CAPTION_MAX = 300
ALT_MAX = 300
NAME_MAX = 200

# --- Drafts ---------------------------------------------------------------------------------


@dataclass
class ImageRef:
    """An image as the post refers to it: the path or URL it uses and how it is shown."""

    src: str
    alt: str = ""
    title: str = ""
    caption: str = ""
    alignment: str = "full"
    max_width: int | None = None
    # A max-height the post gave (logos): made a max width once the image's shape is known.
    max_height: int | None = None


@dataclass
class Draft:
    """One body block before database references are resolved."""

    type: str
    value: dict = field(default_factory=dict)


# --- Rich text ------------------------------------------------------------------------------

INLINE_MAP = {
    "strong": "b",
    "b": "b",
    "em": "i",
    "i": "i",
    "cite": "i",
    "dfn": "i",
    "var": "i",
    "code": "code",
    "kbd": "code",
    "samp": "code",
    "tt": "code",
    "sup": "sup",
    "sub": "sub",
    "del": "s",
    "s": "s",
    "strike": "s",
}
# Elements whose text is kept but whose tag is not part of Wagtail's paragraph features.
UNWRAP = {
    "span", "font", "u", "ins", "mark", "small", "big", "abbr", "acronym", "label", "time",
    "bdi", "bdo", "q", "nobr", "center", "p", "div", "section", "article", "figure",
    "figcaption", "header", "footer", "main", "aside", "nav", "dl", "dt", "dd", "details",
    "summary", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead",
    "tbody", "tfoot", "tr", "td", "th", "caption",
}  # fmt: skip
DROP = {"script", "style", "noscript", "template", "link", "meta", "head", "title", "button"}
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}


def safe_href(href: str | None) -> str | None:
    """A link target that is safe to keep: relative, #anchor or an allowed scheme."""
    href = (href or "").strip()
    if not href:
        return None
    scheme = urlparse(href).scheme.lower()
    if scheme and scheme not in SAFE_SCHEMES:
        return None
    return href


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


class InlineWriter:
    """Writes a node's content as Wagtail rich text (``<b>``, ``<i>``, ``<a href>``, lists…)."""

    def __init__(self, warn: Warn) -> None:
        self.warn = warn

    def inline(self, node: Tag | NavigableString) -> str:
        parts = [self._node(child) for child in getattr(node, "contents", [node])]
        text = "".join(parts)
        # Whitespace as a browser would show it, without leading/trailing line breaks.
        text = re.sub(r"[ \t\r\n]+", " ", text)
        text = re.sub(r"^(\s|<br/>)+|(\s|<br/>)+$", "", text)
        return text

    def _node(self, node) -> str:
        if isinstance(node, Comment):
            return ""
        if isinstance(node, NavigableString):
            return esc(str(node))
        if not isinstance(node, Tag):
            return ""
        name = node.name.lower()
        if name in DROP:
            if name == "script":
                self.warn("removed a <script> element")
            return ""
        if name == "br":
            return "<br/>"
        if name == "img":
            src = node.get("src") or ""
            alt = collapse(node.get("alt") or "")
            href = safe_href(src)
            if not href:
                return esc(alt)
            return f'<a href="{attr(href)}">{esc(alt or image_label(src))}</a>'
        if name == "a":
            if "footnote-backref" in (node.get("class") or []):
                return ""
            inner = self._children(node)
            href = safe_href(node.get("href"))
            if "footnote-ref" in (node.get("class") or []):
                return f"[{inner}]"
            if not href or not inner.strip():
                return inner
            return f'<a href="{attr(href)}">{inner}</a>'
        if name in INLINE_MAP:
            inner = self._children(node)
            if not inner.strip():
                return inner
            tag = INLINE_MAP[name]
            # Spaces at the edges go outside the tag: "<b>bold </b>next" → "<b>bold</b> next".
            lead = " " if inner[:1].isspace() else ""
            trail = " " if inner[-1:].isspace() else ""
            return f"{lead}<{tag}>{inner.strip()}</{tag}>{trail}"
        if name in {"ul", "ol"}:
            return self.list_html(node)
        if name == "li":
            return self._children(node)
        if name in UNWRAP:
            inner = self._children(node)
            if name in {"p", "div", "tr", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6"}:
                return f" {inner} "
            if name in {"td", "th"}:
                return f" {inner} "
            return inner
        if name in {"iframe", "video", "audio", "embed", "object", "source"}:
            src = safe_href(node.get("src") or node.get("data") or "")
            return f' <a href="{attr(src)}">{esc(src)}</a> ' if src else ""
        # Unknown inline element: keep its text.
        return self._children(node)

    def _children(self, node: Tag) -> str:
        return "".join(self._node(child) for child in node.contents)

    def list_html(self, node: Tag) -> str:
        tag = "ol" if node.name.lower() == "ol" else "ul"
        items = []
        for li in node.find_all("li", recursive=False):
            nested = []
            inline_parts = []
            for child in li.contents:
                if isinstance(child, Tag) and child.name.lower() in {"ul", "ol"}:
                    nested.append(self.list_html(child))
                elif isinstance(child, Tag) and child.name.lower() == "p":
                    inline_parts.append(self._children(child) + "<br/>")
                else:
                    inline_parts.append(self._node(child))
            text = re.sub(r"[ \t\r\n]+", " ", "".join(inline_parts))
            text = re.sub(r"^(\s|<br/>)+|(\s|<br/>)+$", "", text)
            items.append(f"<li>{text}{chr(10) if nested and text else ''}{''.join(nested)}</li>")
        # Stray content directly inside the list (not in an <li>) is kept as an item.
        for child in node.contents:
            if (
                isinstance(child, NavigableString)
                and not isinstance(child, Comment)
                and str(child).strip()
            ):
                items.append(f"<li>{esc(collapse(str(child)))}</li>")
        if not items:
            return ""
        start = node.get("start")
        start_attr = f' start="{attr(start)}"' if tag == "ol" and start and start != "1" else ""
        return f"<{tag}{start_attr}>{''.join(items)}</{tag}>"


BLOCK_END = re.compile(
    r"(</(?:p|li|dt|dd|tr|td|th|div|h[1-6]|blockquote|pre|table|thead|tbody|ul|ol|dl|figure|"
    r"figcaption|caption)>|<br\s*/?>)(?=[^\n])"
)


def spaced(rich: str) -> str:
    """A line break after each block-level end tag and <br>, so that text extracted by
    stripping tags keeps list items, cells and lines apart (browsers show them apart)."""
    return BLOCK_END.sub(lambda m: m.group(1) + "\n", rich)


def image_label(src: str) -> str:
    name = urlparse(src).path.rstrip("/").rsplit("/", 1)[-1]
    return name or src


# --- Image attributes -----------------------------------------------------------------------


def style_value(style: str, prop: str) -> str:
    for declaration in (style or "").split(";"):
        if ":" in declaration:
            key, value = declaration.split(":", 1)
            if key.strip().lower() == prop:
                return value.strip().lower()
    return ""


def pixels(value: str) -> int | None:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(px)?\s*", value or "")
    if not match:
        return None
    return max(40, min(2400, round(float(match.group(1)))))


def image_from_tag(img: Tag, *, container: Tag | None = None) -> ImageRef:
    """An ``<img>``'s source, alt text, alignment (float/align) and largest width."""
    styles = [img.get("style") or ""]
    if container is not None:
        styles.append(container.get("style") or "")
    alignment = "full"
    max_width = None
    for style in styles:
        floating = style_value(style, "float")
        if floating in {"left", "right"} and alignment == "full":
            alignment = floating
        if max_width is None:
            max_width = pixels(style_value(style, "max-width"))
        if max_width is None and not style_value(style, "width").endswith("%"):
            max_width = pixels(style_value(style, "width"))
    align_attr = (img.get("align") or "").lower()
    if alignment == "full" and align_attr in {"left", "right"}:
        alignment = align_attr
    if max_width is None and img.get("width") and not str(img.get("width")).endswith("%"):
        max_width = pixels(str(img.get("width")))
    max_height = None
    for style in styles:
        max_height = max_height or pixels(style_value(style, "max-height"))
        if max_height is None and not style_value(style, "height").endswith("%"):
            max_height = pixels(style_value(style, "height"))
    if max_height is None and img.get("height") and not str(img.get("height")).endswith("%"):
        max_height = pixels(str(img.get("height")))
    return ImageRef(
        src=(img.get("src") or "").strip(),
        alt=collapse(img.get("alt") or "")[:ALT_MAX],
        title=collapse(img.get("title") or ""),
        alignment=alignment,
        max_width=max_width,
        max_height=max_height,
    )
