"""What happened to each post of a run, and the run's totals (the command prints both)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

IMPORT_STATUSES = ("created", "updated", "published", "unchanged", "skipped", "failed")


@dataclass
class PostResult:
    """What happened to one post (one output line) and what it contained."""

    source: str
    status: str
    message: str = ""
    page_id: int | None = None
    url: str = ""
    warnings: list[str] = field(default_factory=list)
    # What the import learned and stored besides the page (people, organisations).
    notes: list[str] = field(default_factory=list)
    blocks: Counter = field(default_factory=Counter)
    images_found: int = 0
    images_missing: int = 0
    images_external: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class Summary:
    results: list[PostResult] = field(default_factory=list)

    def add(self, result: PostResult) -> None:
        self.results.append(result)

    @property
    def failed(self) -> list[PostResult]:
        return [r for r in self.results if r.failed]

    def totals(self) -> dict:
        statuses = Counter(r.status for r in self.results)
        blocks: Counter = Counter()
        for r in self.results:
            blocks.update(r.blocks)
        return {
            "posts": len(self.results),
            "statuses": statuses,
            "blocks": blocks,
            "quotes": blocks.get("quote", 0),
            "boilerplates": blocks.get("boilerplate", 0),
            "bios": blocks.get("bio", 0),
            "images_found": sum(r.images_found for r in self.results),
            "images_missing": sum(r.images_missing for r in self.results),
            "images_external": sum(r.images_external for r in self.results),
            "warnings": sum(len(r.warnings) for r in self.results),
            "seconds": sum(r.seconds for r in self.results),
        }
