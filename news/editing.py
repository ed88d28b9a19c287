"""One save at a time per edited object: no false "You saved a new version in another window".

Wagtail 8.0.1 autosaves the editor form in the background, overwriting the editor's own
autosave revision. The request that overwrites it checks, before any lock, that this
revision is still the latest; then it writes the revision again with ``created_at = now``. An
autosave still on its way when the editor clicks "Save draft" (the old page stays alive, and
keeps autosaving, until the redirect's answer arrives) could pass that check while the explicit
save was creating a newer revision, and overwrite its own revision *after* it: two revisions
with inverted ``created_at``, the page's latest revision pointing at the older content, and the
admin's editing-session ping reporting "You saved a new version in another window" on Publish.
Wagtail's own fixes for autosave races (#14189: one autosave request at a time; #14198: no ping
between a manual save and its answer) are in 8.0.1 and do not cover this case.

``SerialisedEditsMiddleware`` runs every POST to the edit view of a page or a snippet inside a
transaction that first takes a lock for that object. The view then reads the object *after*
any save of the same object in progress has committed, so Wagtail's own "is this revision
still the latest?" check is made on fresh data: a late autosave is refused ("Saving will
overwrite a newer version.", which the old page never shows as it is being replaced) instead
of overwriting the newer revision. Saves of different objects do not wait for each other on
PostgreSQL (an advisory lock per object); SQLite has one writer at a time anyway (Newsroom's
settings begin every transaction IMMEDIATE). See docs/editing.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib.admin.utils import unquote
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

PAGE_EDIT_NAMESPACE = "wagtailadmin_pages"
SNIPPET_NAMESPACE_PREFIX = "wagtailsnippets_"


def edited_object(request: HttpRequest) -> tuple[str, str] | None:
    """``(model label, pk)`` when ``request`` saves a page or a snippet in the admin, else None."""
    if request.method != "POST":
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.url_name != "edit":
        return None
    if match.namespace == PAGE_EDIT_NAMESPACE and "page_id" in match.kwargs:
        # Every page type shares wagtailcore_page's ids: lock on the base model.
        return "wagtailcore.page", str(match.kwargs["page_id"])
    if match.namespace.startswith(SNIPPET_NAMESPACE_PREFIX) and "pk" in match.kwargs:
        model = getattr(match.func, "view_initkwargs", {}).get("model")
        if model is not None:
            return model._meta.label_lower, unquote(str(match.kwargs["pk"]))
    return None


def _advisory_key(label: str, pk: str) -> int:
    # pg_advisory_xact_lock takes one signed 64-bit key.
    digest = hashlib.blake2b(f"{label}:{pk}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def object_save_lock(label: str, pk: str) -> Iterator[None]:
    """A transaction holding the save lock of one object until it commits or rolls back."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_key(label, pk)])
        elif connection.vendor == "sqlite":
            mode = connection.settings_dict.get("OPTIONS", {}).get("transaction_mode")
            if (mode or "").upper() not in {"IMMEDIATE", "EXCLUSIVE"}:
                # A deferred transaction takes SQLite's write lock only at its first write;
                # take it now (a write that changes nothing) so the view reads fresh rows.
                with connection.cursor() as cursor:
                    cursor.execute("UPDATE django_migrations SET id = id WHERE 0")
        else:
            from django.apps import apps

            model = apps.get_model(label)
            list(model._default_manager.select_for_update().filter(pk=pk).values_list("pk"))
        yield


class SerialisedEditsMiddleware:
    """Admin saves of one page or snippet run one after the other (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = edited_object(request)
        if target is None:
            return self.get_response(request)
        with object_save_lock(*target):
            response = self.get_response(request)
            if response.status_code >= 500:
                # An exception became a 500 inside get_response: keep nothing of the save,
                # as Django's ATOMIC_REQUESTS would.
                transaction.set_rollback(True)
        return response
