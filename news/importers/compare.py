"""Comparing what a post says with what Newsroom already has: names, roles, texts, dates."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from django.utils import timezone

from news.importers.drafts import collapse
from news.snippets import Organisation


def norm_name(name: str) -> str:
    return collapse(name).casefold()


def same_html(a: str, b: str) -> bool:
    def clean(value: str) -> str:
        value = re.sub(r"<br\s*/?>", "<br/>", value or "")
        return re.sub(r"\s+", " ", value).replace("> <", "><").strip()

    return clean(a) == clean(b)


ROLE_FILLER = {"of", "the", "at", "a", "an", "for", "and", "&", "in"}


def same_role(a: str, b: str) -> bool:
    """Two wordings of one role: the same words, in any order ("X Director" = "Director of X")."""

    def words(text: str) -> Counter:
        tokens = re.findall(r"[\w&]+", text.casefold())
        return Counter(t for t in tokens if t not in ROLE_FILLER)

    return words(a) == words(b)


def role_without_organisation(role: str, organisation: str) -> str:
    """The role with the organisation's name taken out, since the organisation is shown with
    it: "Example Foundation Executive Director" → "Executive Director"; "CTO at Example",
    "CTO, Example", "CTO of the Example" → "CTO". Unchanged when the name is not at an end."""
    role = collapse(role)
    name = re.escape(collapse(organisation))
    if not role or not name:
        return role
    the = r"(?:the\s+)?"
    patterns = (
        rf"^{the}{name}(?:['’]s)?\s+(?P<rest>.+)$",
        rf"^(?P<rest>.+?)\s*(?:,|\s+at|\s+of|\s+for|\s+with)\s+{the}{name}\s*$",
    )
    for pattern in patterns:
        match = re.match(pattern, role, re.IGNORECASE)
        rest = match.group("rest").strip(" ,") if match else ""
        if rest:
            # "the Chief Architect at X" → "Chief Architect" (shown as "…, X").
            return re.sub(r"^the\s+(?=\S)", "", rest, flags=re.IGNORECASE)
    return role


def org_named(name: str, orgs: dict[str, Organisation]) -> Organisation | None:
    """The organisation among ``orgs`` called ``name`` (ignoring case and a leading "The")."""

    def key(text: str) -> str:
        return re.sub(r"^the\s+", "", norm_name(text))

    wanted = key(name)
    for org in orgs.values():
        if key(org.name) == wanted:
            return org
    return None


def stamp(value) -> str:
    """A sortable UTC timestamp ("" for no date)."""
    value = aware(value)
    return value.astimezone(dt.UTC).isoformat() if value else ""


def aware(value):
    if value is None:
        return None
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
