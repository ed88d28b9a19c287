"""Jekyll's Liquid, as far as blog posts use it, resolved before the Markdown is rendered.

``{{ site.baseurl }}`` and ``{{ site.url }}`` go (paths stay site-relative), ``{{ page.x }}``
becomes the front matter's value, ``{% post_url %}`` and ``{% link %}`` the other post's old
address, ``{% include %}`` is expanded from the site's ``_includes`` folder, ``{% highlight %}``
becomes a fenced code block, ``{% raw %}`` keeps its content and ``{% comment %}`` goes. Other
tags are removed with a warning.
"""

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

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
