"""Read one Jekyll post into a ``ParsedPost``: front matter, metadata and draft body blocks.

No database here. Steps: read bytes and decode (UTF-8, UTF-16 with BOM, or a fallback
encoding the caller names), split the YAML front matter, resolve the Liquid the blog uses
(``{{ site.baseurl }}``, ``{% include %}``, ``{% post_url %}``, ``{% highlight %}``, ``{% raw %}``),
adapt kramdown habits Python-Markdown reads differently (lists straight after a paragraph,
two-space nested lists, ``{::options}``), render Markdown and convert the HTML with
``news.importers.convert``. Malformed input raises ``PostError`` with a message for people.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import markdown
import yaml
from django.utils.text import slugify

from news.importers.convert import Converter, Draft, ImageRef, collapse, plain_text

MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mkd", ".mkdn", ".mdown", ".mdwn", ".mdtxt"}
POST_NAME = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})-(?P<slug>.+)$")
DEFAULT_PERMALINK = "/blog/:title/"
SUMMARY_MAX = 300
TITLE_MAX = 255


class PostError(Exception):
    """A post that cannot be imported; the message says why, for the person running it."""


class NotAPost(PostError):
    """A file in a folder that is not a post at all (skipped, not failed)."""


@dataclass
class ParsedPost:
    """Everything the writer needs for one post, with references still by name or path."""

    path: Path
    source_key: str  # stored in NewsPage.source_path; matches the post on re-import
    slug: str
    file_slug: str
    title: str
    date: dt.datetime | None
    original_url: str
    front_matter: dict
    authors: list[str] = field(default_factory=list)
    byline: str = ""
    subtitle: str = ""
    summary: str = ""
    feature_image: ImageRef | None = None
    feature_image_alt: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    canonical_url: str = ""
    published: bool = True
    blocks: list[Draft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""


# --- Reading --------------------------------------------------------------------------------


def decode(data: bytes, fallback_encoding: str | None = None) -> str:
    """Bytes → text. UTF-8 (with or without BOM), UTF-16 with a BOM, else the fallback."""
    if not data.strip():
        raise PostError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise PostError(f"broken UTF-16 text ({exc.reason})") from exc
    if b"\x00" in data[:8192]:
        raise PostError("binary file (contains NUL bytes), not a Markdown post")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback_encoding:
            try:
                return data.decode(fallback_encoding)
            except (UnicodeDecodeError, LookupError) as exc2:
                raise PostError(f"neither UTF-8 nor {fallback_encoding}: {exc2}") from exc2
        raise PostError(
            f"unknown text encoding: not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); re-save the file as UTF-8 or pass --encoding (e.g. cp1252)"
        ) from exc


FRONT_MATTER = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?)(?:\n)?^(?:---|\.\.\.)[ \t]*$\n?", re.S | re.M
)


def split_front_matter(text: str) -> tuple[dict, str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.startswith("---"):
        head = text.lstrip()[:200].lower()
        if head.startswith(("<!doctype", "<html")):
            raise NotAPost("an HTML page, not a Markdown post (no front matter)")
        raise NotAPost("no front matter: a Jekyll post starts with a '---' YAML block")
    match = FRONT_MATTER.match(text)
    if not match:
        raise PostError("front matter is not closed: add a '---' line after it")
    try:
        data = yaml.safe_load(match.group("yaml")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PostError(f"broken YAML front matter{where}: {problem}") from exc
    if not isinstance(data, dict):
        raise PostError("front matter is not a set of 'key: value' lines")
    return data, text[match.end() :]


# --- Liquid ---------------------------------------------------------------------------------

LIQUID_SITE = re.compile(r"\{\{-?\s*site\.(?:baseurl|url)\s*(?:\|[^}]*)?-?\}\}")
LIQUID_OUTPUT = re.compile(r"\{\{-?\s*(?P<expr>.*?)\s*-?\}\}", re.S)
LIQUID_TAG = re.compile(r"\{%-?\s*(?P<name>\w+)(?P<args>.*?)-?%\}", re.S)
LIQUID_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(?P<body>.*?)\{%-?\s*endraw\s*-?%\}", re.S)
LIQUID_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
LIQUID_HIGHLIGHT = re.compile(
    r"\{%-?\s*highlight\s+(?P<lang>[\w+#.-]+)[^%]*-?%\}\n?(?P<body>.*?)\{%-?\s*endhighlight\s*-?%\}",
    re.S,
)
INCLUDE_PARAM = re.compile(r"(\w+)\s*=\s*(\"[^\"]*\"|'[^']*'|\S+)")


class Liquid:
    """The part of Liquid that blog posts use, resolved; anything else is kept and reported."""

    def __init__(
        self,
        *,
        page: dict,
        warn: Callable[[str], None],
        includes_dir: Path | None = None,
        permalink: Callable[[str], str] | None = None,
    ) -> None:
        self.page = page
        self.warn = warn
        self.includes_dir = includes_dir
        self.permalink = permalink

    def render(self, text: str) -> str:
        raws: list[str] = []

        def keep_raw(match: re.Match) -> str:
            raws.append(match.group("body"))
            return f"\x00RAW{len(raws) - 1}\x00"

        text = LIQUID_RAW.sub(keep_raw, text)
        text = LIQUID_COMMENT.sub("", text)
        text = LIQUID_HIGHLIGHT.sub(
            lambda m: f"\n```{m.group('lang')}\n{m.group('body').rstrip()}\n```\n", text
        )
        text = LIQUID_SITE.sub("", text)
        text = LIQUID_OUTPUT.sub(self._output, text)
        text = LIQUID_TAG.sub(self._tag, text)
        return re.sub(r"\x00RAW(\d+)\x00", lambda m: raws[int(m.group(1))], text)

    def _output(self, match: re.Match) -> str:
        expr = match.group("expr").split("|")[0].strip()
        if expr.startswith("page.") and expr[5:] in self.page:
            return str(self.page[expr[5:]])
        if expr.startswith("include.") or expr.startswith("site."):
            return ""
        self.warn(f"Liquid output {{{{ {expr} }}}} not understood: kept as text")
        return match.group(0)

    def _tag(self, match: re.Match) -> str:
        name = match.group("name")
        args = match.group("args").strip()
        if name == "include":
            return self._include(args, match.group(0))
        if name == "post_url" and self.permalink:
            return self.permalink(args.split()[0] if args else "")
        if name == "link":
            target = args.split()[0] if args else ""
            post = PurePosixPath(target)
            if post.parent.name == "_posts" and self.permalink:
                return self.permalink(post.stem)
            return "/" + target.lstrip("/")
        if name in {
            "assign",
            "capture",
            "endcapture",
            "if",
            "endif",
            "else",
            "elsif",
            "unless",
            "endunless",
            "for",
            "endfor",
            "case",
            "when",
            "endcase",
        }:
            self.warn(f"Liquid {{% {name} %}} tag removed (its content, if any, is kept)")
            return ""
        self.warn(f"Liquid tag {{% {name} {args} %}} not understood: kept as text")
        return match.group(0)

    def _include(self, args: str, original: str) -> str:
        parts = args.split(None, 1)
        name = parts[0] if parts else ""
        params = {
            key: value.strip("\"'")
            for key, value in INCLUDE_PARAM.findall(parts[1] if len(parts) > 1 else "")
        }
        if self.includes_dir is not None and name:
            path = (self.includes_dir / name).resolve()
            if path.is_file() and self.includes_dir.resolve() in path.parents:
                content = path.read_text(encoding="utf-8", errors="replace")
                content = re.sub(
                    r"\{\{-?\s*include\.(\w+)\s*-?\}\}",
                    lambda m: params.get(m.group(1), ""),
                    content,
                )
                return self.render(content)
        self.warn(f"Liquid include {name or '(unnamed)'} not expanded: kept as a visible note")
        escaped = original.replace("<", "&lt;")
        return f"\n\n<p><code>{escaped}</code></p>\n\n"


# --- kramdown → Python-Markdown -------------------------------------------------------------

LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|\d{1,9}[.)])(?P<space> +|$)")
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
KRAMDOWN_EXTENSION = re.compile(r"\{::(?:options|comment)[^}]*/?\}(?:.*?\{:/(?:comment)?\})?", re.S)
TOC = re.compile(r"^\s*[*-]\s+TOC\s*\n\s*\{:\s*\.?toc\s*\}\s*$", re.M)
IAL_LEFTOVER = re.compile(r"\{:(?:[^{}\n]*)\}")


def _normalise_lists(text: str) -> str:
    """Blank line before a list that follows a paragraph; nested lists indented by four."""
    out: list[str] = []
    stack: list[tuple[int, int]] = []  # (marker indent, content column) per open list level
    fence: str | None = None
    previous_blank = True
    previous_was_text = False
    for line in text.split("\n"):
        if fence is not None:
            out.append(line)
            if line.strip().startswith(fence):
                fence = None
            continue
        fence_match = FENCE.match(line)
        if fence_match and not stack:
            fence = fence_match.group("fence")[0] * 3
            out.append(line)
            previous_blank = previous_was_text = False
            continue
        if not line.strip():
            out.append(line)
            previous_blank = True
            previous_was_text = False
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = LIST_ITEM.match(line)
        is_rule = re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", line) is not None
        if item and not is_rule and (stack or indent < 4):
            while stack and indent < stack[-1][1]:
                if indent >= stack[-1][0]:
                    stack.pop()
                    break
                stack.pop()
            if not stack and previous_was_text and not previous_blank:
                out.append("")
            depth = len(stack)
            content_col = indent + len(item.group("marker")) + max(1, len(item.group("space")))
            stack.append((indent, content_col))
            out.append(" " * (4 * depth) + line.lstrip(" "))
            previous_blank = False
            previous_was_text = False
            continue
        if stack:
            if previous_blank and indent == 0:
                stack = []
            else:
                depth = sum(1 for _marker, column in stack if indent >= column)
                if depth:
                    line = " " * (4 * depth) + line.lstrip(" ")
                out.append(line)
                previous_blank = False
                previous_was_text = False
                continue
        out.append(line)
        previous_blank = False
        previous_was_text = not line.lstrip().startswith(("#", "|", "<", ">", "![", "{:"))
    return "\n".join(out)


CODE_SPAN_EDGE = re.compile(r"(?<!`)`(?P<lead> *)(?P<code>[^`\n]*?[^`\s])(?P<trail> *)`(?!`)")


def _code_span_spaces(text: str) -> str:
    """ "`code `and" → "`code` and": Python-Markdown trims the spaces kramdown shows."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = FENCE.match(line)
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
        elif match:
            fence = match.group("fence")[0] * 3
        elif "`" in line and not line.startswith("    "):
            line = CODE_SPAN_EDGE.sub(
                lambda m: (
                    f"{m['lead']}`{m['code']}`{m['trail']}"
                    if m["lead"] or m["trail"]
                    else m.group(0)
                ),
                line,
            )
        out.append(line)
    return "\n".join(out)


def markdown_to_html(text: str) -> str:
    text = TOC.sub("", text)
    text = KRAMDOWN_EXTENSION.sub("", text)
    text = _normalise_lists(text)
    text = _code_span_spaces(text)
    md = markdown.Markdown(
        extensions=["extra", "sane_lists"],
        extension_configs={"footnotes": {"BACKLINK_TEXT": ""}},
        output_format="html",
    )
    rendered = md.convert(text)
    # kramdown attribute lists that Python-Markdown did not attach are not shown by Jekyll.
    return IAL_LEFTOVER.sub("", rendered)


# --- Metadata -------------------------------------------------------------------------------


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [collapse(str(v)) for v in value if v not in (None, "")]
    return [collapse(part) for part in str(value).split(",") if part.strip()]


def _split_authors(value) -> list[str]:
    if isinstance(value, dict):
        value = value.get("name") or ""
    if isinstance(value, list | tuple):
        names = []
        for item in value:
            names.extend(_split_authors(item))
        return names
    text = collapse(str(value or ""))
    if not text:
        return []
    parts = re.split(r",|\s+and\s+|\s*&\s*", text)
    return [part.strip() for part in parts if part.strip()]


def _parse_date(value, warn) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    for fmt in (
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M %z",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d",
    ):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    warn(f"front matter date {text!r} not understood; the file name's date is used")
    return None


def _summary_from(blocks: list[Draft]) -> str:
    for draft in blocks:
        if draft.type == "paragraph" and not draft.value.get("raw"):
            text = plain_text(draft.value["html"])
            if len(text.split()) >= 5:
                return truncate(text, SUMMARY_MAX)
    return ""


def truncate(text: str, limit: int) -> str:
    text = collapse(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


# Jekyll's built-in permalink styles.
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}


def expand_permalink(
    pattern: str, *, file_slug: str, date: dt.datetime | None, categories: list[str], slug: str
) -> str:
    """A post's address from a Jekyll permalink pattern or style (``pretty``, ``date``…)."""
    pattern = PERMALINK_STYLES.get(pattern.strip(), pattern.strip())
    values = {
        ":output_ext": ".html",
        ":y_day": f"{date.timetuple().tm_yday:03d}" if date else "",
        ":week": f"{date.isocalendar()[1]:02d}" if date else "",
        ":short_day": date.strftime("%a") if date else "",
        ":title": file_slug,
        ":slug": slug,
        ":year": f"{date.year:04d}" if date else "",
        ":month": f"{date.month:02d}" if date else "",
        ":day": f"{date.day:02d}" if date else "",
        ":i_month": str(date.month) if date else "",
        ":i_day": str(date.day) if date else "",
        ":categories": "/".join(slugify(c) for c in categories),
    }
    url = pattern
    for key in sorted(values, key=len, reverse=True):
        url = url.replace(key, values[key])
    url = re.sub(r"/{2,}", "/", "/" + url.lstrip("/"))
    return url


# --- Parsing one post -----------------------------------------------------------------------


def parse_post(
    path: Path,
    *,
    source_key: str | None = None,
    fallback_encoding: str | None = None,
    includes_dir: Path | None = None,
    permalink_pattern: str = DEFAULT_PERMALINK,
) -> ParsedPost:
    """Read and convert one post file; raises ``PostError`` (or ``NotAPost``) when it cannot."""
    path = Path(path)
    if path.suffix.lower() not in MARKDOWN_EXTENSIONS:
        raise NotAPost(f"not a Markdown file ({path.suffix or 'no extension'})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PostError(f"cannot read the file: {exc.strerror or exc}") from exc
    text = decode(data, fallback_encoding)
    if "\ufffd" in text[:4096] and text.count("\ufffd") > 20:
        raise PostError("the text is full of replacement characters: wrong encoding?")
    front, body = split_front_matter(text)
    warnings: list[str] = []
    warn = warnings.append

    title = front.get("title")
    if title is None or not collapse(str(title)):
        raise PostError("no title: add 'title: …' to the front matter")
    title = collapse(str(title))
    if len(title) > TITLE_MAX:
        warn(f"title longer than {TITLE_MAX} characters was shortened")
        title = truncate(title, TITLE_MAX)

    name_match = POST_NAME.match(path.stem)
    file_slug = name_match.group("slug") if name_match else path.stem
    file_date = None
    if name_match:
        try:
            file_date = dt.datetime(
                int(name_match.group("year")),
                int(name_match.group("month")),
                int(name_match.group("day")),
            )
        except ValueError:
            warn(f"the file name's date {path.stem[:10]!r} is not a real date")
    date = _parse_date(front.get("date"), warn) or file_date
    if date is None:
        warn("no date in the front matter or the file name: the publication date is left blank")

    slug_source = str(front.get("slug") or file_slug)
    slug = slugify(unicodedata.normalize("NFKD", slug_source))[:255] or slugify(title)[:255]
    if not slug:
        slug = "post-" + hashlib.sha1(path.name.encode()).hexdigest()[:8]

    categories = _as_list(front.get("categories") or front.get("category"))
    tags = _as_list(front.get("tags"))

    def post_permalink(name: str) -> str:
        match = POST_NAME.match(PurePosixPath(name).stem)
        other_slug = match.group("slug") if match else name
        other_date = None
        if match:
            try:
                other_date = dt.datetime(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                other_date = None
        return expand_permalink(
            permalink_pattern,
            file_slug=other_slug,
            date=other_date,
            categories=[],
            slug=slugify(other_slug),
        )

    pattern = str(front.get("permalink") or permalink_pattern)
    original_url = expand_permalink(
        pattern, file_slug=file_slug, date=date, categories=categories, slug=slug
    )

    liquid = Liquid(
        page={**front, "title": title},
        warn=warn,
        includes_dir=includes_dir,
        permalink=post_permalink,
    )
    body = liquid.render(body)
    if not body.strip():
        warn("the post has no body text")
    rendered = markdown_to_html(body)

    authors = _split_authors(front.get("authors") or front.get("author"))
    converter = Converter(warn)
    blocks = converter.convert(rendered, known_people=authors)

    feature = front.get("featured-img") or front.get("feature_image") or front.get("image")
    if isinstance(feature, dict):
        feature = feature.get("path") or feature.get("url") or feature.get("feature")
    feature_ref = None
    if feature and isinstance(feature, str) and feature.strip():
        feature_src = liquid.render(feature.strip())
        feature_ref = ImageRef(src=feature_src)

    excerpt = front.get("excerpt") or front.get("summary") or front.get("description")
    summary = (
        truncate(plain_text(markdown_to_html(liquid.render(str(excerpt)))), SUMMARY_MAX)
        if excerpt
        else _summary_from(blocks)
    )

    published = front.get("published", True) is not False
    if front.get("hidden") is True:
        warn("hidden on the old site (kept out of its listings): imported like the others")

    return ParsedPost(
        path=path,
        source_key=source_key or path.name,
        slug=slug,
        file_slug=file_slug,
        title=title,
        date=date,
        original_url=original_url,
        front_matter=front,
        authors=authors,
        byline=collapse(", ".join(authors)) if authors else "",
        subtitle=collapse(str(front.get("subtitle") or ""))[:255],
        summary=summary,
        feature_image=feature_ref,
        feature_image_alt=collapse(
            str(front.get("featured-img-alt") or front.get("image_alt") or "")
        )[:300],
        category=categories[0] if categories else "",
        tags=[t for t in (categories[1:] + tags) if t][:50],
        canonical_url=str(front.get("canonical_url") or front.get("canonical") or "")[:200],
        published=published,
        blocks=blocks,
        warnings=warnings,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def find_posts(paths: list[Path]) -> list[tuple[Path, str, bool]]:
    """Files to import: (path, source key, given explicitly). Folders are searched deeply."""
    found: list[tuple[Path, str, bool]] = []
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            for path in sorted(given.rglob("*")):
                relative = path.relative_to(given)
                if any(part.startswith((".", "_site")) for part in relative.parts):
                    continue
                if path.is_file() and path.resolve() not in seen:
                    seen.add(path.resolve())
                    found.append((path, relative.as_posix(), False))
        elif given.resolve() not in seen:
            seen.add(given.resolve())
            found.append((given, given.name, True))
    return found
