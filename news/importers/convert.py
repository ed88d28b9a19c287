"""Rendered post HTML → draft body blocks, without the database.

A *draft* is a block type plus a plain value that names things (people, organisations, image
files) instead of pointing at database rows; ``news.importers.writer`` resolves those names.
The converter recognises paragraphs, headings, lists, images, code, tables, video iframes,
footnotes, Markdown blockquotes and press-release quotes ("…," said Name, Role), "About X"
sections (boilerplates) and a person's bio (a floated headshot followed by a paragraph about
that person). Anything else is kept as sanitised HTML in a paragraph, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qs, urlparse

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from news.blocks import CODE_LANGUAGES
from news.importers.drafts import (
    CAPTION_MAX,
    HEADING_MAX,
    Draft,
    InlineWriter,
    Warn,
    attr,
    collapse,
    esc,
    image_from_tag,
    image_label,
    safe_href,
    spaced,
)
from news.importers.patterns import (
    detect_bios,
    detect_quote,
    looks_like_name,
    merge_about_sections,
    quote_text,
    split_attribution,
)
from news.read.richtext import plain_text, sanitise_html
from news.read.video import parse_video_url

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
                    Draft("quote", {"text": quote_text(body), "name": split[0], "role": split[1]})
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
