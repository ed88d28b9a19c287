"""``ChangeEvent``: one change readers can see, as every subscriber of the bus receives it.

Built by ``news.events`` from Wagtail's and Django's signals, with its fan-out
(``news.fan_out``): the frontend paths and the API objects it reaches. ``public`` events are
editor actions the outside world hears about (webhooks, CDN); the others (a category renamed,
a view restriction added, a live snippet row saved) only concern the API cache and the search
index, which receive every event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# When several changes make up one action, the event is named after the strongest.
EVENT_STRENGTH = ("deleted", "expired", "unpublished", "moved", "slug_changed", "replaced")


def _strength(event_name: str) -> int:
    action = event_name.rsplit(".", 1)[-1]
    return EVENT_STRENGTH.index(action) if action in EVENT_STRENGTH else len(EVENT_STRENGTH)


@dataclass
class ChangeEvent:
    """One editor action as every consumer sees it."""

    event: str
    object_type: str
    object_id: int | str
    paths: set[str] = field(default_factory=set)
    objects: set[tuple[str, int | str]] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Sent to the webhooks and the CDN (after commit); False: for in-process subscribers only.
    public: bool = True
    # The model instance the signal carried and what the signal said (``created``…): for
    # in-transaction subscribers; never part of the payload.
    instance: Any = field(default=None, repr=False, compare=False)
    details: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.actions.add(self.event)
        self.objects.add((self.object_type, self.object_id))

    @property
    def kind(self) -> str:
        """The action without the object type: ``published``, ``deleted``…"""
        return self.event.rsplit(".", 1)[-1]

    def merge(self, other: ChangeEvent) -> None:
        """Fold ``other`` into this event; the strongest action names the event."""
        if _strength(other.event) < _strength(self.event):
            self.event, self.object_type, self.object_id = (
                other.event,
                other.object_type,
                other.object_id,
            )
        self.paths |= other.paths
        self.objects |= other.objects
        self.actions |= other.actions

    def to_payload(self) -> dict:
        return {
            "id": self.id,
            "event": self.event,
            "actions": sorted(self.actions),
            "object": {"type": self.object_type, "id": self.object_id},
            "objects": [
                {"type": kind, "id": pk}
                for kind, pk in sorted(self.objects, key=lambda item: (item[0], str(item[1])))
            ],
            "paths": sorted(self.paths),
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
        }
