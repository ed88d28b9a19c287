"""Reading what a reader typed: words and "quoted phrases", nothing else.

The user's text is never handed to a full-text engine as syntax. It is cut into words (runs of
letters and digits in any script) and double-quoted phrases; operators, brackets, asterisks,
colons, SQL and emoji are just separators. Each backend then builds its own query from these
tokens (FTS5 quoted strings, or PostgreSQL's ``plainto_tsquery``/``phraseto_tsquery``, which
take plain text), so no input can produce a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200
# Letters and digits of any script; underscores and punctuation separate words.
WORD = re.compile(r"[^\W_]+")
# Typographic quotes count as quotes: people paste them.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
MAX_TOKENS = 32


class QueryError(ValueError):
    """The query cannot be searched (empty, too long); the message is for the client."""


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.phrases

    def words(self) -> list[str]:
        return [*self.terms, *(w for phrase in self.phrases for w in phrase)]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_length(raw: str | None) -> str:
    """The query without control characters (NUL cannot even be stored by PostgreSQL) and
    outer spaces, or ``QueryError`` when it is blank or longer than allowed."""
    text = _CONTROL.sub(" ", raw or "").strip()
    if not text:
        raise QueryError("Query parameter 'q' must not be empty.")
    if len(raw or "") > MAX_QUERY_LENGTH:
        raise QueryError(f"Query parameter 'q' must be at most {MAX_QUERY_LENGTH} characters.")
    return text


def words_of(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def parse(raw: str) -> ParsedQuery:
    """Split ``raw`` into words and "phrases"; an unclosed quote runs to the end of the text."""
    text = raw.translate(_QUOTES)
    parsed = ParsedQuery()
    budget = MAX_TOKENS
    for index, part in enumerate(text.split('"')):
        words = words_of(part)[:budget]
        budget -= len(words)
        if index % 2 == 1 and len(words) > 1:
            parsed.phrases.append(words)
        else:
            # Words outside quotes, and a "phrase" of a single word, are plain terms.
            parsed.terms.extend(w for w in words if w not in parsed.terms)
    return parsed
