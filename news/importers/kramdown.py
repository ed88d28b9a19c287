"""kramdown-flavoured Markdown → HTML with Python-Markdown.

Jekyll renders posts with kramdown; Python-Markdown reads a few of its habits differently, so
they are adapted first: a list straight after a paragraph, nested lists indented by two
spaces, spaces inside code spans, ``{::options}`` and ``{:toc}``. Attribute lists left over
after rendering are removed (Jekyll does not show them).
"""

import re
import threading

import markdown

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
    md = _converter()
    try:
        rendered = md.convert(text)
    finally:
        md.reset()  # footnotes, abbreviations, link references: nothing leaks to the next post
    # kramdown attribute lists that Python-Markdown did not attach are not shown by Jekyll.
    return IAL_LEFTOVER.sub("", rendered)


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's Markdown converter: building one (its extensions and their patterns)
    costs more than converting a short post, so it is built once and reset after each use."""
    md = getattr(_converters, "md", None)
    if md is None:
        md = markdown.Markdown(
            extensions=["extra", "sane_lists"],
            extension_configs={"footnotes": {"BACKLINK_TEXT": ""}},
            output_format="html",
        )
        _converters.md = md
    return md
