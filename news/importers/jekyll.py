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
import multiprocessing as mp
import os
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml
from django.utils.text import slugify

from news.importers.convert import Converter
from news.importers.drafts import Draft, ImageRef, collapse
from news.importers.kramdown import markdown_to_html
from news.importers.liquid import Liquid
from news.importers.metadata import (
    SUMMARY_MAX,
    as_list,
    expand_permalink,
    parse_date,
    split_authors,
    summary_from,
    truncate,
)
from news.read.richtext import plain_text

MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mkd", ".mkdn", ".mdown", ".mdwn", ".mdtxt"}
POST_NAME = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})-(?P<slug>.+)$")
DEFAULT_PERMALINK = "/blog/:title/"
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
    data, text = _read(path, fallback_encoding)
    front, body = split_front_matter(text)
    warnings: list[str] = []
    warn = warnings.append
    title = _title(front, warn)
    name_match = POST_NAME.match(path.stem)
    file_slug = name_match.group("slug") if name_match else path.stem
    file_date = _file_date(path, name_match, warn)
    date = parse_date(front.get("date"), warn) or file_date
    if date is None:
        warn("no date in the front matter or the file name: the publication date is left blank")
    slug = _slug(front, file_slug, title, path)
    categories = as_list(front.get("categories") or front.get("category"))
    tags = as_list(front.get("tags"))
    original_url = expand_permalink(
        str(front.get("permalink") or permalink_pattern),
        file_slug=file_slug,
        date=date,
        categories=categories,
        slug=slug,
    )
    liquid = Liquid(
        page={**front, "title": title},
        warn=warn,
        includes_dir=includes_dir,
        permalink=_post_permalinks(permalink_pattern),
    )
    body = liquid.render(body)
    if not body.strip():
        warn("the post has no body text")
    authors = split_authors(front.get("authors") or front.get("author"))
    blocks = Converter(warn).convert(markdown_to_html(body), known_people=authors)
    feature_image = _feature_image(front, liquid)
    summary = _summary(front, blocks, liquid)
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
        feature_image=feature_image,
        feature_image_alt=collapse(
            str(front.get("featured-img-alt") or front.get("image_alt") or "")
        )[:300],
        category=categories[0] if categories else "",
        tags=[t for t in (categories[1:] + tags) if t][:50],
        canonical_url=str(front.get("canonical_url") or front.get("canonical") or "")[:200],
        published=front.get("published", True) is not False,
        blocks=blocks,
        warnings=warnings,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def _read(path: Path, fallback_encoding: str | None) -> tuple[bytes, str]:
    """The file's bytes and its text; ``PostError``/``NotAPost`` when it is not a post."""
    if path.suffix.lower() not in MARKDOWN_EXTENSIONS:
        raise NotAPost(f"not a Markdown file ({path.suffix or 'no extension'})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PostError(f"cannot read the file: {exc.strerror or exc}") from exc
    text = decode(data, fallback_encoding)
    if "\ufffd" in text[:4096] and text.count("\ufffd") > 20:
        raise PostError("the text is full of replacement characters: wrong encoding?")
    return data, text


def _title(front: dict, warn) -> str:
    title = front.get("title")
    if title is None or not collapse(str(title)):
        raise PostError("no title: add 'title: …' to the front matter")
    title = collapse(str(title))
    if len(title) > TITLE_MAX:
        warn(f"title longer than {TITLE_MAX} characters was shortened")
        title = truncate(title, TITLE_MAX)
    return title


def _file_date(path: Path, name_match: re.Match | None, warn) -> dt.datetime | None:
    """The date in a ``YYYY-M-D-slug`` file name."""
    if not name_match:
        return None
    try:
        return dt.datetime(
            int(name_match.group("year")),
            int(name_match.group("month")),
            int(name_match.group("day")),
        )
    except ValueError:
        warn(f"the file name's date {path.stem[:10]!r} is not a real date")
        return None


def _slug(front: dict, file_slug: str, title: str, path: Path) -> str:
    slug_source = str(front.get("slug") or file_slug)
    slug = slugify(unicodedata.normalize("NFKD", slug_source))[:255] or slugify(title)[:255]
    return slug or "post-" + hashlib.sha1(path.name.encode()).hexdigest()[:8]


def _post_permalinks(permalink_pattern: str):
    """``{% post_url name %}`` → that post's old address under the blog's pattern."""

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

    return post_permalink


def _feature_image(front: dict, liquid: Liquid) -> ImageRef | None:
    feature = front.get("featured-img") or front.get("feature_image") or front.get("image")
    if isinstance(feature, dict):
        feature = feature.get("path") or feature.get("url") or feature.get("feature")
    if feature and isinstance(feature, str) and feature.strip():
        return ImageRef(src=liquid.render(feature.strip()))
    return None


def _summary(front: dict, blocks: list[Draft], liquid: Liquid) -> str:
    excerpt = front.get("excerpt") or front.get("summary") or front.get("description")
    if not excerpt:
        return summary_from(blocks)
    return truncate(plain_text(markdown_to_html(liquid.render(str(excerpt)))), SUMMARY_MAX)


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


# --- Parsing many posts ---------------------------------------------------------------------

#: Below this many files a process pool costs more than it saves.
POOL_MIN_FILES = 8


def default_jobs() -> int:
    """Processes that parse posts by default: one per core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def parse_posts(
    found: list[tuple[Path, str, bool]], *, jobs: int = 1, **options
) -> list[tuple[Path, str, bool, ParsedPost | Exception]]:
    """Parse each found file (``find_posts``) with ``parse_post(path, source_key=key,
    **options)``, in order: its ``ParsedPost``, or the exception that stopped it.

    Parsing reads no database and is most of an import's CPU after the writes, so with
    ``jobs`` > 1 and enough files it runs in a pool of forked processes: the writes, one
    transaction per post, stay in this process. Exceptions come back as they were raised
    (``PostError``, ``NotAPost``) or, for any other, as ``ParseFailure`` with the same name
    and message.
    """
    tasks = [(path, key, options) for path, key, _explicit in found]
    if jobs > 1 and len(tasks) >= POOL_MIN_FILES and "fork" in mp.get_all_start_methods():
        # fork: the children start with the code already imported and touch nothing shared
        # (no database); they leave with os._exit, closing nothing of this process's.
        workers = min(jobs, len(tasks))
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            outcomes = list(
                pool.map(_parse_task, tasks, chunksize=max(1, len(tasks) // (workers * 4)))
            )
    else:
        outcomes = [_parse_task(task) for task in tasks]
    return [
        (path, key, explicit, outcome)
        for (path, key, explicit), outcome in zip(found, outcomes, strict=True)
    ]


class ParseFailure(Exception):
    """An unexpected error of a post parsed in another process (its type's name kept)."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    def __str__(self) -> str:
        return self.message


def _parse_task(task: tuple[Path, str, dict]) -> ParsedPost | Exception:
    path, key, options = task
    try:
        return parse_post(path, source_key=key, **options)
    except PostError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - reported for this file, the others go on
        return ParseFailure(type(exc).__name__, str(exc))
