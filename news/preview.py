"""Headless preview: checking preview tokens, rebuilding drafts, cleaning up old preview rows.

wagtail-headless-preview stores each "Preview" click as a ``PagePreview`` row holding the
unsaved page as JSON, and sends the editor's browser to the frontend with a signed token.
The package checks the token's signature but not its age and leaves endpoints to the
project. Here every token is checked for signature, age (``NEWSROOM_PREVIEW_TOKEN_MAX_AGE``)
and content type before anything is read, and the draft is turned into JSON by
``news.serializers.page_detail`` — the function that builds published pages too — with
the readers' view of everything the draft refers to: a preview shows the page as it would
look if published now, so unpublished people, organisations and pages it points at fall back
as they would on the published page. A token stops working once its page is published,
unpublished, moved or deleted (410; see ``news.preview_tokens``).

Organisation and Person drafts are previewed the same way: the admin's preview of a snippet
stores the unsaved snippet in a ``PagePreview`` row and the frontend receives a sample news
post built around it (see ``sample_post``).
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signing import BadSignature, SignatureExpired
from django.db import models
from django.utils.http import urlencode
from modelcluster.models import get_all_child_relations, model_from_serializable_data
from wagtail.blocks import StreamValue
from wagtail.models import Page
from wagtail.rich_text import RichText
from wagtail_headless_preview.models import (
    HeadlessPreviewMixin,
    PagePreview,
    get_client_root_url_from_site,
)

from news.preview_tokens import (
    TOKEN_SALT,  # noqa: F401 (part of this module's interface)
    StalePreview,
    check_state,
    snippet_identifier,
    token_fields,
    token_signer,
)
from news.read.selectors import PERSON_RELATED
from news.serializers import page_detail
from news.snippets import Person

# Opportunistic cleanup runs at most this often (seconds), from the preview endpoint.
CLEANUP_INTERVAL = 600
CLEANUP_CACHE_KEY = "newsroom:preview-cleanup"


@dataclass
class PreviewError(Exception):
    """A preview request that cannot be answered; ``status`` is the HTTP status to send."""

    status: int
    detail: str
    code: str

    def __str__(self) -> str:
        return self.detail


def snippet_models() -> tuple[type[models.Model], ...]:
    from news.snippets import Organisation, Person

    return (Organisation, Person)


def previewable_model(content_type: str) -> type[models.Model]:
    """The model named by ``content_type`` ("app_label.model"), if it can be previewed."""
    app_label, _, model_name = content_type.strip().partition(".")
    if not app_label or not model_name:
        raise PreviewError(400, "content_type must look like 'news.newspage'.", "bad-content-type")
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        model = None
    is_page = (
        model is not None and issubclass(model, Page) and issubclass(model, HeadlessPreviewMixin)
    )
    if model is None or not (is_page or model in snippet_models()):
        raise PreviewError(
            400,
            f"'{content_type}' is not a content type that can be previewed.",
            "bad-content-type",
        )
    return model


def check_token(token: str) -> str:
    """The token's signed value, if its signature is good and it is younger than the limit."""
    if not token:
        raise PreviewError(400, "The preview token is missing.", "missing-token")
    try:
        return token_signer().unsign(token, max_age=settings.NEWSROOM_PREVIEW_TOKEN_MAX_AGE)
    except SignatureExpired as exc:
        raise PreviewError(
            410,
            "This preview link has expired. Click Preview in the editor again for a new one.",
            "expired-token",
        ) from exc
    except BadSignature as exc:
        raise PreviewError(403, "The preview token is not valid.", "invalid-token") from exc


def _signed_type(identifier: str) -> str:
    """The content type a token names in its signed value ("" when it names only an id)."""
    fields = token_fields(identifier)
    return (fields.get("page_type") or fields.get("snippet") or "").lower()


def load_preview(content_type: str, token: str) -> models.Model:
    """The unsaved object behind a preview token (a specific page, or a snippet).

    Raises ``PreviewError`` for a missing, tampered, expired, unknown or mismatched token.
    """
    if not content_type:
        raise PreviewError(400, "The content_type parameter is missing.", "bad-content-type")
    model = previewable_model(content_type)
    identifier = check_token(token)
    expected = ContentType.objects.get_for_model(model)
    signed_type = _signed_type(identifier)
    if signed_type and signed_type != f"{expected.app_label}.{expected.model}":
        raise PreviewError(400, "The token was issued for another content type.", "type-mismatch")
    row = PagePreview.objects.filter(token=token).first()
    if row is None:
        # Good signature, but the row is gone: it was cleaned up after the token expired.
        raise PreviewError(
            410,
            "This preview is no longer available. Click Preview in the editor again.",
            "expired-token",
        )
    if row.content_type_id != expected.pk:
        raise PreviewError(400, "The token was issued for another content type.", "type-mismatch")
    try:
        check_state(model, identifier)
    except StalePreview as exc:
        # The draft is out of date (or its page gone): the same answer as an expired link.
        raise PreviewError(
            410,
            f"This preview is no longer available. {exc} Click Preview in the editor again.",
            "stale-token",
        ) from exc
    if issubclass(model, Page):
        return draft_page(row)
    content = json.loads(row.content_json)
    obj = model.from_serializable_data(content)
    obj.pk = content.get("pk")
    return obj


def draft_page(row: PagePreview) -> Page:
    """The unsaved page of a preview row, as ``PagePreview.as_page`` builds it, in a fixed
    number of queries.

    modelcluster checks each child row's foreign keys one query at a time (an author's
    person, a tag, the page it belongs to): a post with 10 authors and 10 tags cost 40 queries.
    Here each foreign key of a child relation is checked once for all its rows, with the same
    outcome: a child pointing at a deleted row is dropped (CASCADE) or loses the reference
    (SET_NULL), and the rows found are kept on the children (no query when they are read).
    """
    content = json.loads(row.content_json)
    model = ContentType.objects.get_for_id(content["content_type"]).model_class()
    children = {}
    for relation in get_all_child_relations(model):
        name = relation.get_accessor_name()
        if name in content:
            children[name] = _checked_children(relation, content.pop(name))
    # The page's own foreign keys: modelcluster's checks, a fixed number of them.
    page = model.from_serializable_data(content)
    for name, rows in children.items():
        setattr(page, name, rows)
    page.pk = content["pk"]
    return page


def _checked_children(relation, rows: list[dict]) -> list[models.Model]:
    child_model = relation.related_model
    found: list[tuple[models.ForeignKey, dict]] = []
    for field in child_model._meta.concrete_fields:
        if not field.many_to_one or field is relation.field:
            continue  # the key to the page itself: the page is being built from this row
        ids = {row[field.name] for row in rows if row.get(field.name) is not None}
        found.append((field, field.related_model._base_manager.in_bulk(ids) if ids else {}))
    kept = []
    for row in rows:
        related = {}
        for field, objects in found:
            value = row.get(field.name)
            if value is None:
                continue
            on_delete = field.remote_field.on_delete
            if value in objects:
                related[field.name] = objects[value]
            elif on_delete == models.SET_NULL:
                row = {**row, field.name: None}
            elif on_delete != models.DO_NOTHING:
                break  # CASCADE (or PROTECT): the row would not exist any more
        else:
            if hasattr(child_model, "from_serializable_data"):
                child = child_model.from_serializable_data(row, check_fks=False)
            else:
                child = model_from_serializable_data(child_model, row, check_fks=False)
            for name, obj in related.items():
                setattr(child, name, obj)
            kept.append(child)
    return kept


def preview_payload(request, content_type: str, token: str) -> dict[str, Any]:
    """The JSON for a preview request: exactly what the published page detail would be.

    The one function behind both /api/v3/preview/ and /api/v2/preview/.
    """
    clean_expired_previews_now_and_then()
    obj = load_preview(content_type, token)
    if isinstance(obj, Page):
        page = obj
        readers_view_of_relations(page)
    else:
        # The sample post holds the draft snippet itself: showing it is its purpose.
        page = sample_post(obj)
    # A preview shows what readers would see if the draft were published now: the draft
    # itself, but only the published versions of the people, organisations and pages it
    # refers to (draft ones fall back exactly as on the published page). That is the public
    # render (include_drafts=False); it must not use the generation-keyed card cache, which
    # holds the *published* card of this page, so the request carries no generation.
    if request is not None:
        request.__dict__.pop("_newsroom_generation", None)
    return page_detail(page, request=request, include_drafts=False)


def readers_view_of_relations(page: Page) -> None:
    """Drop unpublished people and organisations from a draft's in-memory relations.

    A preview's authors, people and organisations come from the editor's form, which may
    name drafts; the published page lists only live ones (``card_prefetches``).
    """
    from news.models import NewsPage

    if not isinstance(page, NewsPage):
        return
    authors = [author for author in page.authors.all() if author.person_id]
    people = (
        Person.objects.filter(live=True)
        .select_related(*PERSON_RELATED)
        .in_bulk({author.person_id for author in authors})
    )
    kept = [author for author in authors if author.person_id in people]
    for author in kept:
        author.person = people[author.person_id]
    page.authors = kept
    page.organisations.set([o for o in page.organisations.all() if o.live])
    page.people.set([p for p in page.people.all() if p.live])


# --- Snippets: a sample post around the draft ----------------------------------------------


def _block(stream_block, name: str, value: Any) -> tuple[str, Any]:
    return (name, stream_block.child_blocks[name].normalize(value))


def sample_post(snippet: models.Model) -> Page:
    """An unsaved news post showing ``snippet`` (a draft Organisation or Person) in context.

    Blocks hold the draft object itself, so the body shows the unpublished text while every
    block still produces its JSON through its own ``get_api_representation``.
    """
    from news.models import NewsPage
    from news.snippets import Organisation

    page = NewsPage(title="", slug="sample-preview")
    stream_block = page.body.stream_block
    if isinstance(snippet, Organisation):
        name = snippet.name or "New organisation"
        page.title = f"{name} joins the Foundation"
        page.summary = f"A sample press release showing how {name}'s details read in a post."
        children = [
            _block(
                stream_block,
                "paragraph",
                RichText(
                    f"<p>This sample post shows the draft of {_escape(name)} as readers will "
                    "see it at the foot of a press release. The announcement itself would "
                    "go here.</p>"
                ),
            )
        ]
        if snippet.logo_id:
            children.append(
                _block(
                    stream_block,
                    "image",
                    {
                        "image": snippet.logo,
                        "alt_text": f"{name} logo",
                        "alignment": "right",
                        "max_width": 200,
                        "caption": "",
                        "credit": "",
                    },
                )
            )
        children.append(
            _block(
                stream_block,
                "boilerplate",
                {"organisation": snippet, "boilerplate_override": RichText("")},
            )
        )
    else:
        name = snippet.name or "New person"
        page.title = f"A sample post quoting {name}"
        page.summary = f"A sample post showing how {name} appears in quotes and bios."
        children = [
            _block(
                stream_block,
                "paragraph",
                RichText(
                    f"<p>This sample post shows the draft of {_escape(name)} as readers will "
                    "see it in a quote and a bio card.</p>"
                ),
            ),
            _block(
                stream_block,
                "quote",
                {
                    "text": "Working in the open makes every one of us better at what we do.",
                    "person": snippet,
                    "attribution_name": "",
                    "attribution_role": "",
                    "attribution_organisation": "",
                },
            ),
            _block(stream_block, "bio", {"person": snippet, "heading": f"About {name}"}),
        ]
    page.body = StreamValue(stream_block, children)
    return page


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


def snippet_preview_url(snippet: models.Model, request=None) -> str:
    """Store the unsaved ``snippet`` for preview and return the frontend URL that shows it."""
    content_type = ContentType.objects.get_for_model(snippet)
    label = f"{content_type.app_label}.{content_type.model}"
    token = token_signer().sign(snippet_identifier(label, snippet))
    content = snippet.serializable_data()
    content["pk"] = snippet.pk
    PagePreview.objects.update_or_create(
        token=token,
        defaults={
            "content_type": content_type,
            "content_json": json.dumps(content, cls=DjangoJSONEncoder),
        },
    )
    from wagtail.models import Site

    site = Site.find_for_request(request) if request is not None else None
    site = site or Site.objects.filter(is_default_site=True).first()
    if site is not None:
        root = get_client_root_url_from_site(site)
    else:
        root = settings.WAGTAIL_HEADLESS_PREVIEW["CLIENT_URLS"]["default"].rstrip("/") + "/"
    return f"{root}?{urlencode({'content_type': label, 'token': token})}"


# --- Cleanup --------------------------------------------------------------------------------


def clean_expired_previews(max_age: int | None = None) -> int:
    """Delete preview rows whose token has expired (or no longer verifies); return how many.

    ``PagePreview.created_at`` is only a date, so the age comes from the token's signed
    timestamp. Rows older than the lifetime in whole days go in one bulk delete first.
    """
    max_age = settings.NEWSROOM_PREVIEW_TOKEN_MAX_AGE if max_age is None else max_age
    days = math.ceil(max_age / 86400) + 1
    cutoff = datetime.date.today() - datetime.timedelta(days=days)
    deleted, _ = PagePreview.objects.filter(created_at__lt=cutoff).delete()
    signer = token_signer()
    stale = []
    for pk, token in PagePreview.objects.values_list("pk", "token").iterator():
        try:
            signer.unsign(token, max_age=max_age)
        except BadSignature:  # includes SignatureExpired
            stale.append(pk)
    if stale:
        removed, _ = PagePreview.objects.filter(pk__in=stale).delete()
        deleted += removed
    return deleted


def clean_expired_previews_now_and_then() -> None:
    """Run ``clean_expired_previews`` at most once per ``CLEANUP_INTERVAL`` per cache."""
    if cache.add(CLEANUP_CACHE_KEY, True, timeout=CLEANUP_INTERVAL):
        clean_expired_previews()
