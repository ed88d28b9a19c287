"""Checks of stored rich text: malformed page/document links and image embeds.

Used by the body's rich-text blocks (``news.blocks.CheckedRichTextBlock``) and as a field
validator of the snippets' rich text (``validate_rich_text_references``), so that a bad
reference is a form error, never a server error later.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# Rich text stores references as <a linktype="page|document" id="…"> and <embed
# embedtype="image" id="…" format="…">. The admin's editor only writes valid ones, but a
# hand-made form post or an API client can send anything, and a bad one failed later — when
# converting for the editor, indexing references, or rendering — as a server error.
REFERENCE_TAG = re.compile(r"<(a|embed)\b([^>]*)>", re.IGNORECASE)
REFERENCE_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
ID_TYPES = {("a", "page"), ("a", "document"), ("embed", "image")}


def _reference_problems(tag: str, attributes: str, *, missing_id_ok: bool = False) -> list[str]:
    from wagtail.images.formats import get_image_formats

    attrs = {
        name.lower(): next((v for v in values if v), "")
        for name, *values in REFERENCE_ATTR.findall(attributes)
    }
    kind = attrs.get("linktype" if tag.lower() == "a" else "embedtype")
    problems = []
    if missing_id_ok and not attrs.get("id"):
        return problems
    if (tag.lower(), kind) in ID_TYPES:
        if not attrs.get("id", "").isdigit():
            problems.append(f"A {kind} reference needs a numeric id, not {attrs.get('id', '')!r}.")
        formats = sorted(f.name for f in get_image_formats())
        if kind == "image" and attrs.get("format") not in formats:
            problems.append(
                f"Unknown image format {attrs.get('format', '')!r}; use one of: "
                f"{', '.join(formats)}."
            )
    return problems


def rich_text_reference_problems(html: str, *, missing_id_ok: bool = False) -> list[str]:
    """What is wrong with the page/document links and image embeds of stored rich text.

    ``missing_id_ok``: a reference without any id is not counted (Wagtail's write API drops
    it itself, with a warning in ``meta.warnings``)."""
    problems = []
    for tag, attributes in REFERENCE_TAG.findall(html or ""):
        problems += _reference_problems(tag, attributes, missing_id_ok=missing_id_ok)
    return problems


def without_bad_references(html: str) -> str:
    """``html`` with every malformed reference dropped (an embed) or unlinked (a link)."""

    def replace(match: re.Match) -> str:
        if not _reference_problems(match.group(1), match.group(2)):
            return match.group(0)
        return "<a>" if match.group(1).lower() == "a" else ""

    return REFERENCE_TAG.sub(replace, html or "")


def validate_rich_text_references(html: str) -> None:
    """Field validator: refuse rich text with malformed references, saying what is wrong."""
    problems = rich_text_reference_problems(html)
    if problems:
        raise ValidationError(" ".join(dict.fromkeys(problems)))
