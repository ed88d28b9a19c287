"""Rendered post HTML → draft body blocks, without the database.

A *draft* is a block type plus a plain value that names things (people, organisations, image
files) instead of pointing at database rows; ``news.importers.writer`` resolves those names.
The converter recognises paragraphs, headings, lists, images, code, tables, video iframes,
footnotes, Markdown blockquotes and press-release quotes ("…," said Name, Role), "About X"
sections (boilerplates) and a person's bio (a floated headshot followed by a paragraph about
that person). Anything else is kept as sanitised HTML in a paragraph, with a warning.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from news.blocks import CODE_LANGUAGES
from news.read.richtext import plain_text, sanitise_html
from news.read.video import parse_video_url

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


# --- Press-release quotes -------------------------------------------------------------------

OPEN = '“"„«'
CLOSE = '”"“»'
VERBS = (
    "said|says|added|adds|remarked|remarks|explained|explains|noted|notes|commented|comments|"
    "stated|states|shared|shares|continued|continues|concluded|concludes|emphasised|"
    "emphasized|highlighted|highlights"
)
QUOTE_FIRST = re.compile(
    rf"^\s*[{OPEN}](?P<q1>[^{OPEN}{CLOSE}]+)[{CLOSE}]\s*,?\s*"
    rf"(?:(?:(?P<verb>{VERBS})(?:\s+by)?\s+(?P<who>[^{OPEN}{CLOSE}]+?))"
    rf"|(?:(?P<who2>[^{OPEN}{CLOSE}]+?)\s+(?P<verb2>{VERBS})))"
    rf"\s*[.,:;]?\s*(?:[{OPEN}](?P<q2>[^{OPEN}{CLOSE}]+)[{CLOSE}])?\s*$",
    re.IGNORECASE,
)
BARE_ATTRIBUTION = re.compile(
    rf"^\s*[{OPEN}](?P<q1>[^{OPEN}{CLOSE}]+)[{CLOSE}]\s*[,—–-]*\s*(?P<who>[^{OPEN}{CLOSE},]+,"
    rf"[^{OPEN}{CLOSE}]+?)\s*\.?\s*$"
)
ATTRIBUTION_FIRST = re.compile(
    rf"^\s*(?P<who>[^{OPEN}{CLOSE}]+?)\s+(?P<verb>{VERBS})\s*[,:]?\s*"
    rf"[{OPEN}](?P<q1>[^{OPEN}{CLOSE}]+)[{CLOSE}]\s*$",
    re.IGNORECASE,
)
NAME_PARTICLES = {"de", "da", "di", "del", "van", "von", "der", "den", "la", "le", "bin", "al"}
ROLE_WORDS = {
    "director", "president", "officer", "ceo", "cto", "coo", "cfo", "cio", "cmo", "vp", "svp",
    "evp", "head", "manager", "chair", "chairman", "chairwoman", "chairperson", "lead",
    "engineer", "founder", "co-founder", "cofounder", "executive", "chief", "vice", "senior",
    "general", "member", "professor", "scientist", "researcher", "architect", "fellow",
    "maintainer", "principal", "partner", "dean", "secretary", "treasurer", "governor",
    "minister", "leader", "owner", "developer", "advocate", "strategist", "analyst",
    "foundation", "board", "technology", "product", "research", "of", "at", "for", "and",
}  # fmt: skip


NOT_PERSONAL = {
    "team", "group", "inc", "inc.", "llc", "ltd", "ltd.", "corp", "corp.", "corporation",
    "company", "community", "project", "labs", "lab", "staff", "editors", "editorial",
    "committee", "council", "authors", "contributors", "newsroom", "office", "department",
    "university", "institute", "association", "society", "alliance", "consortium", "the",
}  # fmt: skip


def _is_name_token(token: str) -> bool:
    if token.lower() in NAME_PARTICLES:
        return True
    return bool(re.fullmatch(r"[A-ZÀ-ÖØ-Þ\u0100-\u024f][\w'’.\-]*", token)) and (
        token.lower().strip(".") not in ROLE_WORDS
    )


def looks_like_name(text: str) -> bool:
    tokens = text.split()
    if not 2 <= len(tokens) <= 4:
        return False
    if tokens[0].lower() in NAME_PARTICLES or tokens[-1].lower() in NAME_PARTICLES:
        return False
    if any(t.lower() in NOT_PERSONAL for t in tokens):
        return False
    return all(_is_name_token(t) for t in tokens)


def split_attribution(who: str) -> tuple[str, str] | None:
    """``"Name, Role"``, ``"Role, Name"`` or ``"Role Name"`` → (name, role); None if unsure."""
    who = collapse(who).strip(" ,.;:")
    if not who or len(who) > 300:
        return None
    if "," in who:
        first, rest = (part.strip() for part in who.split(",", 1))
        if looks_like_name(first):
            return first, rest.strip(" ,")
        last_comma = who.rsplit(",", 1)
        if looks_like_name(last_comma[1].strip()):
            return last_comma[1].strip(), last_comma[0].strip(" ,")
        return None
    tokens = who.split()
    if looks_like_name(who) and len(tokens) <= 3:
        return who, ""
    # "Role Role Name Name": the name is the trailing run of name-like tokens (2 or 3).
    for size in (3, 2):
        if len(tokens) > size:
            name = " ".join(tokens[-size:])
            if looks_like_name(name) and not _is_name_token(tokens[-size - 1]):
                return name, " ".join(tokens[:-size])
    if len(tokens) > 2 and looks_like_name(" ".join(tokens[-2:])):
        return " ".join(tokens[-2:]), " ".join(tokens[:-2])
    return None


def _quote_text(*parts: str | None) -> str:
    texts = []
    for part in parts:
        part = collapse(part or "")
        if not part:
            continue
        if part.endswith(","):
            part = part[:-1].rstrip() + "."
        texts.append(part)
    return " ".join(texts)


def detect_quote(text: str) -> dict | None:
    """A press-release quote in a paragraph's plain text: {text, name, role} or None.

    Handles ``“Q,” said Name, Role. “Q2”``, ``“Q,” said Role Name``, ``"Q," Name, Role,
    said``, ``“Q,” said by Name, Role, “Q2”`` and ``Role Name said, “Q”``, with curly or
    straight quotation marks. The whole paragraph must be the quote and its attribution.
    """
    text = collapse(text)
    match = QUOTE_FIRST.match(text)
    if match:
        who = match.group("who") or match.group("who2") or ""
        quote = _quote_text(match.group("q1"), match.group("q2"))
    elif (match := ATTRIBUTION_FIRST.match(text)) is not None:
        who = match.group("who")
        quote = _quote_text(match.group("q1"))
    elif (match := BARE_ATTRIBUTION.match(text)) is not None:
        who = match.group("who")
        if not looks_like_name(who.split(",", 1)[0].strip()):
            return None
        quote = _quote_text(match.group("q1"))
    else:
        return None
    split = split_attribution(who)
    if split is None or len(quote.split()) < 3:
        return None
    name, role = split
    if len(name) > NAME_MAX or len(role) > NAME_MAX:
        return None
    return {"text": quote, "name": name, "role": role}


# --- About sections -------------------------------------------------------------------------

ABOUT = re.compile(r"^about\s+(?P<name>.+?)\s*:?$", re.IGNORECASE)
NOT_ORGANISATIONS = {
    "this", "these", "us", "me", "the author", "the authors", "the project", "the event",
    "the release", "this release", "this post", "the team", "our team", "the speakers",
    "the series", "the book", "the study", "the data", "the program", "the programme",
}  # fmt: skip


def about_name(heading: str) -> str | None:
    """``"About  Example Corp"`` → ``"Example Corp"``; None for "About this release" etc."""
    match = ABOUT.match(collapse(heading))
    if not match:
        return None
    name = match.group("name").strip()
    if name.lower() in NOT_ORGANISATIONS or len(name) > 120 or len(name.split()) > 8:
        return None
    if not (name[0].isupper() or name[0].isdigit() or any(c.isupper() for c in name)):
        return None
    return name


# --- The converter --------------------------------------------------------------------------

CODE_LANGUAGE_IDS = {value for value, _label in CODE_LANGUAGES}
CODE_ALIASES = {
    "py": "python", "python3": "python", "py3": "python", "pycon": "python", "ipython": "python",
    "sh": "bash", "shell": "bash", "console": "bash", "zsh": "bash", "shell-session": "bash",
    "terminal": "bash", "js": "javascript", "jsx": "javascript", "node": "javascript",
    "ts": "typescript", "tsx": "typescript", "yml": "yaml", "c++": "cpp", "cxx": "cpp",
    "cc": "cpp", "hpp": "cpp", "cuda": "cpp", "golang": "go", "rs": "rust", "psql": "sql",
    "postgresql": "sql", "mysql": "sql", "xml": "html", "svg": "html", "htm": "html",
    "jsonc": "json", "json5": "json", "scss": "css", "plaintext": "text", "txt": "text",
    "none": "text", "plain": "text",
}  # fmt: skip
CONTAINERS = {"div", "section", "article", "main", "center", "aside", "header", "footer", "span"}
BLOCK_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "table", "blockquote", "hr",
    "div", "section", "article", "main", "center", "aside", "header", "footer", "figure",
    "iframe", "img", "dl", "details", "video", "audio", "object", "embed", "form", "script",
    "style",
}  # fmt: skip


def code_language(classes: Iterable[str]) -> str:
    for cls in classes or []:
        cls = cls.lower()
        for prefix in ("language-", "lang-", "highlight-", "source-"):
            if cls.startswith(prefix):
                cls = cls[len(prefix) :]
                break
        else:
            if cls in {"highlight", "highlighter-rouge", "codehilite"}:
                continue
        lang = CODE_ALIASES.get(cls, cls)
        if lang in CODE_LANGUAGE_IDS:
            return lang
        if cls:
            return "text"
    return "text"


class Converter:
    """HTML (as Python-Markdown renders a kramdown post) → a list of ``Draft`` blocks."""

    def __init__(self, warn: Warn) -> None:
        self.warn = warn
        self.inline = InlineWriter(warn)
        self.drafts: list[Draft] = []

    # Entry point ------------------------------------------------------------------------------
    def convert(self, source_html: str, *, known_people: Iterable[str] = ()) -> list[Draft]:
        soup = BeautifulSoup(source_html, "html.parser")
        self.drafts = []
        self._blocks(soup.contents)
        for draft in self.drafts:
            if draft.type == "paragraph":
                draft.value["html"] = spaced(draft.value["html"])
        drafts = merge_about_sections(self.drafts, self.warn)
        drafts = detect_bios(drafts, known_people)
        return drafts

    # Block level ------------------------------------------------------------------------------
    def _blocks(self, nodes: Iterable) -> None:
        loose: list = []  # inline content between block elements (raw HTML blocks)

        def flush() -> None:
            if loose:
                wrapper = BeautifulSoup("<p></p>", "html.parser").p
                for item in list(loose):
                    wrapper.append(item.extract() if hasattr(item, "extract") else item)
                self._paragraph(wrapper)
                loose.clear()

        for node in list(nodes):
            if isinstance(node, Comment):
                continue
            if isinstance(node, NavigableString):
                if str(node).strip() or loose:
                    loose.append(node)
                continue
            if not isinstance(node, Tag):
                continue
            if node.name.lower() in {"script", "style"}:
                self._block(node)  # dropped with a warning; the text around stays together
                continue
            if node.name.lower() not in BLOCK_TAGS and not node.find(BLOCK_TAGS - {"img"}):
                loose.append(node)
                continue
            flush()
            self._block(node)
        flush()

    def _block(self, node: Tag) -> None:
        name = node.name.lower()
        classes = node.get("class") or []
        if name == "p":
            self._paragraph(node)
        elif re.fullmatch(r"h[1-6]", name):
            self._heading(node)
        elif name in {"ul", "ol"}:
            list_html = self.inline.list_html(node)
            if list_html:
                self._add_rich(list_html)
        elif name == "pre":
            self._code(node)
        elif name == "table":
            self._table(node)
        elif name == "blockquote":
            self._blockquote(node)
        elif name == "hr":
            return
        elif name == "img":
            self.drafts.append(Draft("image", {"image": image_from_tag(node)}))
        elif name == "iframe":
            self._iframe(node)
        elif name in {"video", "audio", "object", "embed"}:
            self._media(node)
        elif name in {"script", "style"}:
            if name == "script":
                self.warn("removed a <script> element")
            else:
                self.warn("dropped a <style> element (presentation only)")
        elif name == "div" and "footnote" in classes:
            self._footnotes(node)
        elif name == "figure":
            self._figure(node)
        elif name in CONTAINERS or (name == "div"):
            if "highlight" in classes and node.find("pre"):
                self._code(node.find("pre"), classes=classes)
            else:
                self._blocks(node.contents)
        else:
            self._raw(node)

    def _add_rich(self, rich: str) -> None:
        if plain_text(rich) or "<a " in rich:
            self.drafts.append(Draft("paragraph", {"html": rich}))

    def _paragraph(self, node: Tag) -> None:
        images = [img for img in node.find_all("img")]
        if images:
            self._paragraph_with_images(node)
            return
        rich = self.inline.inline(node)
        if not plain_text(rich) and "<a " not in rich:
            return
        text = plain_text(rich)
        quote = detect_quote(text) if "<a " not in rich else None
        if quote:
            self.drafts.append(Draft("quote", quote))
            return
        self.drafts.append(Draft("paragraph", {"html": f"<p>{rich}</p>"}))

    def _paragraph_with_images(self, node: Tag) -> None:
        """Split a paragraph into its images (image blocks) and the text around them."""
        run: list = []

        def flush() -> None:
            wrapper = BeautifulSoup("<p></p>", "html.parser").p
            for item in run:
                wrapper.append(item)
            rich = self.inline.inline(wrapper)
            if plain_text(rich) or "<a " in rich:
                self.drafts.append(Draft("paragraph", {"html": f"<p>{rich}</p>"}))
            run.clear()

        for child in list(node.contents):
            image_tag = None
            if isinstance(child, Tag) and child.name.lower() == "img":
                image_tag = child
            elif (
                isinstance(child, Tag)
                and child.name.lower() == "a"
                and child.find("img")
                and not collapse(child.get_text())
            ):
                image_tag = child.find("img")
                link = safe_href(child.get("href"))
                if link and link != image_tag.get("src"):
                    self.warn(
                        f"image {image_label(image_tag.get('src') or '')} linked to "
                        f"{link}: the link is kept as a paragraph after it"
                    )
                    ref = image_from_tag(image_tag, container=node)
                    flush()
                    self.drafts.append(Draft("image", {"image": ref}))
                    self.drafts.append(
                        Draft(
                            "paragraph", {"html": f'<p><a href="{attr(link)}">{esc(link)}</a></p>'}
                        )
                    )
                    continue
            elif isinstance(child, Tag) and child.find("img"):
                # An image nested in inline markup: the text is kept, the image pulled out.
                for img in child.find_all("img"):
                    flush()
                    self.drafts.append(
                        Draft("image", {"image": image_from_tag(img, container=node)})
                    )
                    img.extract()
                run.append(child.extract())
                continue
            if image_tag is not None:
                flush()
                self.drafts.append(
                    Draft("image", {"image": image_from_tag(image_tag, container=node)})
                )
            else:
                run.append(child.extract() if hasattr(child, "extract") else child)
        flush()

    def _heading(self, node: Tag) -> None:
        text = collapse(node.get_text())
        if not text:
            return
        level = {"h1": "h2", "h2": "h2", "h3": "h3"}.get(node.name.lower(), "h4")
        if len(text) > HEADING_MAX:
            self.warn(f"heading longer than {HEADING_MAX} characters kept as a bold paragraph")
            self.drafts.append(Draft("paragraph", {"html": f"<p><b>{esc(text)}</b></p>"}))
            return
        anchor = node.get("id") or ""
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,79}", anchor):
            anchor = ""
        links = [a for a in node.find_all("a") if safe_href(a.get("href"))]
        self.drafts.append(Draft("heading", {"text": text, "level": level, "anchor": anchor}))
        for link in links:
            href = safe_href(link.get("href"))
            if href and not href.startswith("#"):
                self.warn(f"heading {text!r} had a link to {href}: kept in a paragraph after it")
                self.drafts.append(
                    Draft(
                        "paragraph",
                        {
                            "html": f'<p><a href="{attr(href)}">'
                            f"{esc(collapse(link.get_text()) or href)}</a></p>"
                        },
                    )
                )

    def _code(self, node: Tag, classes: list[str] | None = None) -> None:
        code_tag = node.find("code")
        source = code_tag if code_tag is not None else node
        code = source.get_text()
        if code.endswith("\n"):
            code = code[:-1]
        if not code.strip():
            return
        language = code_language(
            (code_tag.get("class") if code_tag is not None else None)
            or node.get("class")
            or classes
            or []
        )
        self.drafts.append(Draft("code", {"language": language, "code": code}))

    def _table(self, node: Tag) -> None:
        rows: list[list[str]] = []
        header_flags: list[list[bool]] = []
        pending_rowspans: dict[int, int] = {}
        all_rows = [tr for tr in node.find_all("tr") if tr.find_parent("table") is node]
        for tr in all_rows:
            row: list[str] = []
            flags: list[bool] = []
            col = 0
            for cell in tr.find_all(["td", "th"], recursive=False):
                while pending_rowspans.get(col):
                    pending_rowspans[col] -= 1
                    row.append("")
                    flags.append(False)
                    col += 1
                row.append(self._cell_text(cell))
                flags.append(cell.name.lower() == "th" or tr.find_parent("thead") is not None)
                span = _int(cell.get("colspan"), 1)
                rowspan = _int(cell.get("rowspan"), 1)
                if rowspan > 1:
                    pending_rowspans[col] = rowspan - 1
                for _ in range(span - 1):
                    row.append("")
                    flags.append(flags[-1])
                col += span
            while pending_rowspans.get(col):
                pending_rowspans[col] -= 1
                row.append("")
                flags.append(False)
                col += 1
            rows.append(row)
            header_flags.append(flags)
        if not rows or not any(cell.strip() for row in rows for cell in row):
            return
        width = max(len(row) for row in rows)
        for row, flags in zip(rows, header_flags, strict=True):
            row.extend([""] * (width - len(row)))
            flags.extend([False] * (width - len(flags)))
        first_row_header = all(header_flags[0]) and len(rows) > 1
        body_flags = header_flags[1:] if first_row_header else header_flags
        first_col_header = bool(body_flags) and all(flags[0] for flags in body_flags)
        caption_tag = node.find("caption")
        caption = collapse(caption_tag.get_text()) if caption_tag else ""
        self.drafts.append(
            Draft(
                "table",
                {
                    "data": rows,
                    "first_row_is_table_header": first_row_header,
                    "first_col_is_header": first_col_header,
                    "table_caption": caption[:CAPTION_MAX],
                },
            )
        )

    def _cell_text(self, cell: Tag) -> str:
        """A cell's visible text; links elsewhere and images are kept as "(url)"."""
        for link in cell.find_all("a"):
            href = safe_href(link.get("href"))
            label = collapse(link.get_text())
            if href and not href.startswith("#") and href != label:
                link.append(f" ({href})")
        for img in cell.find_all("img"):
            src = img.get("src") or ""
            img.replace_with(f"{collapse(img.get('alt') or '')} ({src})".strip())
        for br in cell.find_all("br"):
            br.replace_with("\n")
        text = cell.get_text()
        lines = [collapse(line) for line in text.split("\n")]
        return "\n".join(line for line in lines if line)

    def _blockquote(self, node: Tag) -> None:
        text = collapse(node.get_text(" "))
        quote = detect_quote(text)
        if quote:
            self.drafts.append(Draft("quote", quote))
            return
        paragraphs = [p for p in node.find_all("p", recursive=False)] or [node]
        last = collapse(paragraphs[-1].get_text(" "))
        match = re.match(r"^[—–-]{1,2}\s*(?P<who>.+)$", last)
        if match and len(paragraphs) > 1:
            who = match.group("who")
            split = (
                split_attribution(who)
                if "," in who or len(who.split()) > 3
                else ((collapse(who), "") if looks_like_name(collapse(who)) else None)
            )
            if split:
                body = " ".join(collapse(p.get_text(" ")) for p in paragraphs[:-1])
                self.drafts.append(
                    Draft("quote", {"text": _quote_text(body), "name": split[0], "role": split[1]})
                )
                return
        self.warn("a blockquote without an attribution was kept as an italic paragraph")
        rich = self.inline.inline(node)
        if plain_text(rich):
            self.drafts.append(Draft("paragraph", {"html": f"<p><i>{rich}</i></p>"}))

    def _iframe(self, node: Tag) -> None:
        src = (node.get("src") or node.get("data-src") or "").strip()
        if src.startswith("//"):
            src = "https:" + src
        title = collapse(node.get("title") or "")[:200]
        url = video_page_url(src)
        if url:
            self.drafts.append(Draft("embed", {"url": url, "title": title, "caption": ""}))
            return
        href = safe_href(src)
        self.warn(
            f"embedded frame {src or '(no src)'} is not a single YouTube/Vimeo video: "
            "kept as a link"
        )
        if href:
            label = title or href
            self.drafts.append(
                Draft(
                    "paragraph",
                    {"html": f'<p>Embedded content: <a href="{attr(href)}">{esc(label)}</a></p>'},
                )
            )

    def _media(self, node: Tag) -> None:
        src = node.get("src") or node.get("data") or ""
        source = node.find("source")
        if not src and source is not None:
            src = source.get("src") or ""
        href = safe_href(src)
        self.warn(f"<{node.name}> element kept as a link to {src or '(no source)'}")
        if href:
            self.drafts.append(
                Draft(
                    "paragraph", {"html": f'<p>Media: <a href="{attr(href)}">{esc(href)}</a></p>'}
                )
            )

    def _footnotes(self, node: Tag) -> None:
        items = node.find("ol")
        if items is None:
            self._blocks(node.contents)
            return
        list_html = self.inline.list_html(items)
        if list_html:
            self.drafts.append(Draft("paragraph", {"html": list_html}))

    def _figure(self, node: Tag) -> None:
        img = node.find("img")
        caption_tag = node.find("figcaption")
        caption = collapse(caption_tag.get_text(" ")) if caption_tag else ""
        if img is None or len(node.find_all("img")) > 1 or len(caption) > CAPTION_MAX:
            self._blocks(node.contents)
            return
        ref = image_from_tag(img, container=node)
        ref.caption = caption
        self.drafts.append(Draft("image", {"image": ref}))

    def _raw(self, node: Tag) -> None:
        """Markup the converter does not understand: kept as sanitised HTML, never dropped."""
        cleaned = sanitise_html(str(node)).strip()
        if not plain_text(cleaned) and "<img" not in cleaned:
            self.warn(f"dropped an empty or unsafe <{node.name}> element")
            return
        self.warn(f"<{node.name}> kept as HTML in a paragraph")
        self.drafts.append(Draft("paragraph", {"html": cleaned, "raw": True}))


def _int(value, default: int) -> int:
    try:
        return max(1, min(50, int(value)))
    except (TypeError, ValueError):
        return default


def video_page_url(src: str) -> str | None:
    """An iframe's YouTube/Vimeo embed address → the video's page URL (None if not a video)."""
    parsed = urlparse(src)
    host = (parsed.hostname or "").lower()
    if "youtube" in host or host == "youtu.be":
        if (
            parsed.path.startswith("/embed/videoseries")
            or "list=" in parsed.query
            and (parsed.path.rstrip("/").endswith("/embed"))
        ):
            return None
        video = parse_video_url(src)
        if video and video["provider"] == "youtube":
            start = parse_qs(parsed.query).get("start")
            suffix = f"&t={start[0]}" if start and start[0].isdigit() else ""
            return f"https://www.youtube.com/watch?v={video['video_id']}{suffix}"
        return None
    if "vimeo" in host:
        video = parse_video_url(src)
        if video and video["provider"] == "vimeo":
            return f"https://vimeo.com/{video['video_id']}"
    return None


# --- Passes over the drafts -----------------------------------------------------------------


def merge_about_sections(drafts: list[Draft], warn: Warn) -> list[Draft]:
    """A heading "About X" and the paragraphs under it → one boilerplate draft for X."""
    result: list[Draft] = []
    i = 0
    while i < len(drafts):
        draft = drafts[i]
        name = about_name(draft.value.get("text", "")) if draft.type == "heading" else None
        if name is None:
            result.append(draft)
            i += 1
            continue
        j = i + 1
        paragraphs: list[str] = []
        legal: list[str] = []
        while j < len(drafts) and drafts[j].type == "paragraph" and not drafts[j].value.get("raw"):
            html_value = drafts[j].value["html"]
            # "© X Corporation. X, the X logo… are trademarks…": the organisation's legal
            # notice, printed after its boilerplate, not part of the "About" text.
            if paragraphs and is_legal_notice(plain_text(html_value)):
                legal.append(html_value)
            else:
                paragraphs.append(html_value)
            j += 1
        if not paragraphs:
            result.append(draft)
            i += 1
            continue
        result.append(
            Draft(
                "boilerplate",
                {
                    "organisation": name,
                    "html": "\n".join(paragraphs),
                    "heading": draft.value["text"],
                    "legal": "\n".join(legal),
                },
            )
        )
        i = j
    return result


LEGAL_START = re.compile(r"^\s*(?:©|\(c\)|copyright\b)", re.IGNORECASE)


def is_legal_notice(text: str) -> bool:
    """A copyright/trademark line: starts with ©, (c) or "Copyright" and names trademarks."""
    text = collapse(text)
    return bool(LEGAL_START.match(text)) and "trademark" in text.lower() and len(text) < 1000


MEMBERSHIP = re.compile(
    r"(?:^|\bthat\s+|,\s+)(?P<who>[^.,;:“”\"]{2,80}?)\s+(?:has\s+|have\s+)?(?:re-?)?joined"
    r"(?:\s+the\s+[^.,;]{2,80}?)?\s+as\s+an?\s+(?P<level>premier|general|associate)\s+member",
    re.IGNORECASE,
)
TITLE_MEMBERSHIP = re.compile(
    r"^(?P<who>.{2,80}?)\s+joins\s+(?:the\s+)?.{2,120}?\s+as\s+an?\s+"
    r"(?P<level>premier|general|associate)\s+member\b",
    re.IGNORECASE,
)


def membership_statement(title: str, drafts: Iterable[Draft]) -> tuple[str, str] | None:
    """(who, level) from "… announcing today that X has joined as a premier member" in the
    text, else from a title "X Joins the … as a Premier Member"; None when neither says so."""
    for draft in drafts:
        if draft.type != "paragraph":
            continue
        match = MEMBERSHIP.search(plain_text(draft.value["html"]))
        if match:
            # ", is announcing today that X has joined": X is what follows the last "that".
            who = re.split(r"\bthat\s+", match.group("who"))[-1]
            return collapse(who), match.group("level").lower()
    match = TITLE_MEMBERSHIP.match(collapse(title))
    if match:
        return collapse(match.group("who")), match.group("level").lower()
    return None


def _name_from_file(src: str) -> str:
    """``/assets/images/hana-petrova.jpg`` → "Hana Petrova" (words of the file name)."""
    stem = image_label(src).rsplit(".", 1)[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_\s]+", stem) if part)


def detect_bios(drafts: list[Draft], known_people: Iterable[str] = ()) -> list[Draft]:
    """A floated image whose alt text names a person, then a paragraph about them → a bio.

    The person must be named in the post elsewhere (a quote or the authors) or the paragraph
    must start with the name; the image becomes the person's headshot.
    """
    people = {collapse(name).lower() for name in known_people if name}
    people.update(collapse(d.value.get("name", "")).lower() for d in drafts if d.type == "quote")
    result: list[Draft] = []
    i = 0
    while i < len(drafts):
        draft = drafts[i]
        nxt = drafts[i + 1] if i + 1 < len(drafts) else None
        if draft.type == "image" and nxt is not None and nxt.type == "paragraph":
            ref: ImageRef = draft.value["image"]
            name = collapse(ref.alt)
            text = plain_text(nxt.value["html"])
            if not looks_like_name(name) or name not in text:
                # No alt text naming the person: the file name may (hana-petrova.jpg), when
                # that name is a person the post quotes or credits.
                from_file = _name_from_file(ref.src)
                if from_file.lower() in people and from_file in text:
                    name = from_file
            if (
                ref.alignment in {"left", "right"}
                and looks_like_name(name)
                and name in text
                and (name.lower() in people or text.startswith(name))
                and not nxt.value.get("raw")
            ):
                result.append(Draft("bio", {"name": name, "html": nxt.value["html"], "image": ref}))
                i += 2
                continue
        result.append(draft)
        i += 1
    return result
