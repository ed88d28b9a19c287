"""The README and the pages under docs/ stay navigable and complete.

Every relative link in README.md and docs/*.md must point at a file of the repository, and
every ``#anchor`` at a heading (or an explicit HTML anchor) of the page it names, using the
anchors GitHub generates from headings. Links inside code blocks and code spans are not links.
The README's settings table must also name every environment variable the settings read, so
that a variable added to ``cms/settings`` without a line in the table fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
# Scheme-qualified targets (https:, mailto:, …) are not relative links.
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose(text: str) -> str:
    """The page without fenced code blocks and code spans (their brackets are not links)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: link text kept, punctuation dropped, spaces → '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    found: set[str] = set(HTML_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for heading in HEADING.findall(text):
        slug = github_slug(heading)
        # GitHub numbers repeated headings: "setup", "setup-1", "setup-2", …
        found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return found


def relative_links(page: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(page.read_text(encoding="utf-8")))
        if not EXTERNAL.match(target)
    ]


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        if path_part.startswith("/"):
            broken.append(f"{target} (absolute path: link relative to the page)")
            continue
        destination = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and destination.suffix == ".md" and unquote(anchor) not in anchors(destination):
            broken.append(f"{target} (no heading with anchor #{anchor})")
    return broken


def test_the_pages_exist_and_link_to_each_other():
    assert (ROOT / "README.md").exists()
    linked = {
        (page.parent / target.partition("#")[0]).resolve()
        for page in PAGES
        for target in relative_links(page)
        if target.partition("#")[0]
    }
    unreachable = [p.name for p in PAGES[1:] if p.resolve() not in linked]
    assert not unreachable, f"docs pages no page links to: {unreachable}"


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_relative_link_resolves(page: Path):
    assert broken_links(page) == []


def test_the_link_checker_notices_broken_links(tmp_path: Path):
    (tmp_path / "other.md").write_text("# Other page\n\n## The `x` part — details\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](other.md#the-x-part--details) [self](#page) [web](https://example.org)\n"
        "[gone](missing.md) [bad anchor](other.md#nope) [root](/etc/passwd)\n"
        "```\n[in code](nowhere.md)\n```\n`[span](nowhere.md)`\n"
    )
    assert broken_links(page) == [
        "missing.md (no such file)",
        "other.md#nope (no heading with anchor #nope)",
        "/etc/passwd (absolute path: link relative to the page)",
    ]


ENV_READ = re.compile(
    r"(?:env_str|env_int|env_bool|env_list|os\.environ\.get|os\.environ\.setdefault)"
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def environment_variables() -> set[str]:
    sources = [*(ROOT / "cms" / "settings").glob("*.py"), ROOT / "cms" / "gunicorn.conf.py"]
    names: set[str] = set()
    for source in sources:
        names.update(ENV_READ.findall(source.read_text(encoding="utf-8")))
    return names


def test_the_readme_settings_table_names_every_environment_variable():
    names = environment_variables()
    # The readers above must find the variables, or this test would check nothing.
    assert {"DATABASE_URL", "SECRET_KEY", "NEWSROOM_WEBHOOK_URLS", "WEB_CONCURRENCY"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Settings (environment variables)")
    end = readme.find("\n## ", start + 1)
    table = readme[start : end if end != -1 else None]
    missing = sorted(name for name in names if f"`{name}`" not in table)
    assert not missing, f"environment variables missing from the README's settings table: {missing}"
