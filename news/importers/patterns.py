"""What a press release says in so many words, read from text and drafts without the database.

Quotes and their attribution ("…," said Name, Role), whether words look like a person's
name, "About X" headings and the sections under them (merged into boilerplate drafts), legal
notices, membership statements ("X has joined as a premier member") and bios (a floated
headshot followed by a paragraph about someone the post quotes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from news.importers.drafts import NAME_MAX, Draft, ImageRef, Warn, collapse, image_label
from news.read.richtext import plain_text

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


def quote_text(*parts: str | None) -> str:
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
        quote = quote_text(match.group("q1"), match.group("q2"))
    elif (match := ATTRIBUTION_FIRST.match(text)) is not None:
        who = match.group("who")
        quote = quote_text(match.group("q1"))
    elif (match := BARE_ATTRIBUTION.match(text)) is not None:
        who = match.group("who")
        if not looks_like_name(who.split(",", 1)[0].strip()):
            return None
        quote = quote_text(match.group("q1"))
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
