"""Preview tokens that remember the state of their page (or snippet) when they were issued.

A preview token must stop working once the page it previews is published, unpublished,
moved or deleted (the draft it shows is then out of date, and a deleted page's draft must
not stay readable for the rest of the token's hour). The state that matters — ``live``, the
live revision and the tree path — is written into the token's *signed* value when it is
issued, e.g. ``id=12;live=1;rev=34;path=000100010002``. Checking it later is one primary-key
query and needs no memory shared between processes: the token itself is the record, and it
cannot be altered without breaking its signature.

Tokens issued before this module existed carry no state: for them only deletion is checked.
"""

from __future__ import annotations

from django.core.signing import TimestampSigner
from django.db import models
from wagtail.models import Page
from wagtail_headless_preview.models import HeadlessMixin, PagePreview

# The salt wagtail-headless-preview signs page tokens with; snippet tokens use it too.
TOKEN_SALT = "headlesspreview.token"


def token_signer() -> TimestampSigner:
    return TimestampSigner(salt=TOKEN_SALT)


def token_fields(identifier: str) -> dict[str, str]:
    """The ``key=value`` pairs of a token's signed value."""
    return dict(part.partition("=")[::2] for part in identifier.split(";") if part)


def _state(live: bool, live_revision_id: int | None, path: str | None = None) -> str:
    state = f"live={int(bool(live))};rev={live_revision_id or ''}"
    return state if path is None else f"{state};path={path}"


def page_state(page_id: int) -> str | None:
    """The current state of page ``page_id`` as token fields, or None when it does not exist."""
    row = Page.objects.filter(pk=page_id).values_list("live", "live_revision_id", "path").first()
    return None if row is None else _state(*row)


def snippet_state(model: type[models.Model], pk: int) -> str | None:
    """The current state of a draft/publish snippet as token fields, or None when deleted."""
    row = model._default_manager.filter(pk=pk).values_list("live", "live_revision_id").first()
    return None if row is None else _state(*row)


class StalePreview(Exception):
    """The object a token was issued for has been published, unpublished, moved or deleted."""


def check_state(model: type[models.Model], identifier: str) -> None:
    """Raise ``StalePreview`` when the object named by a token changed since it was issued."""
    fields = token_fields(identifier)
    pk = fields.get("id") or ""
    if not pk.isdigit():
        parent = fields.get("parent_id") or ""
        # A page never saved: its draft is only meaningful while its parent exists.
        if parent.isdigit() and not Page.objects.filter(pk=int(parent)).exists():
            raise StalePreview("The page this draft was to be added under has been deleted.")
        return
    if issubclass(model, Page):
        now = page_state(int(pk))
        signed = {key: fields[key] for key in ("live", "rev", "path") if key in fields}
    else:
        now = snippet_state(model, int(pk))
        signed = {key: fields[key] for key in ("live", "rev") if key in fields}
    if now is None:
        raise StalePreview("It has been deleted since this preview link was issued.")
    if not signed:  # a token issued before tokens carried state
        return
    current = token_fields(now)
    if signed.get("path", current.get("path")) != current.get("path"):
        raise StalePreview("The page has been moved since this preview link was issued.")
    if signed.get("live") != current.get("live"):
        what = "published" if current.get("live") == "1" else "unpublished"
        raise StalePreview(f"It has been {what} since this preview link was issued.")
    if signed.get("rev") != current.get("rev"):
        raise StalePreview("It has been published again since this preview link was issued.")


class PreviewTokenMixin(HeadlessMixin):
    """wagtail-headless-preview's page mixin, with the page's state in every preview token."""

    def create_page_preview(self) -> PagePreview:
        if self.pk is None:
            identifier = f"parent_id={self.get_parent().pk};page_type={self._meta.label}"
        else:
            # The database row, not ``self``: in the editor ``self`` is the unsaved form state.
            identifier = f"id={self.pk};{page_state(self.pk) or _state(False, None)}"
        token = self.get_preview_signer().sign(identifier)
        # update_or_create: clicking Preview twice in one second yields the same token.
        preview, _ = self.update_page_preview(token)
        return preview


def snippet_identifier(label: str, snippet: models.Model) -> str:
    """The signed value of a snippet's preview token: its type, id and current state."""
    if snippet.pk is None:
        return f"snippet={label};id="
    state = snippet_state(type(snippet), snippet.pk) or _state(False, None)
    return f"snippet={label};id={snippet.pk};{state}"
