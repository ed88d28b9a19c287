"""A post's metadata from its front matter: lists, authors, dates, summary, permalinks."""

import datetime as dt
import re

from django.utils.text import slugify

from news.importers.drafts import Draft, collapse
from news.read.richtext import plain_text

SUMMARY_MAX = 300


def as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [collapse(str(v)) for v in value if v not in (None, "")]
    return [collapse(part) for part in str(value).split(",") if part.strip()]


def split_authors(value) -> list[str]:
    if isinstance(value, dict):
        value = value.get("name") or ""
    if isinstance(value, list | tuple):
        names = []
        for item in value:
            names.extend(split_authors(item))
        return names
    text = collapse(str(value or ""))
    if not text:
        return []
    parts = re.split(r",|\s+and\s+|\s*&\s*", text)
    return [part.strip() for part in parts if part.strip()]


def parse_date(value, warn) -> dt.datetime | None:
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


def summary_from(blocks: list[Draft]) -> str:
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
