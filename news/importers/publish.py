"""Saving and publishing what the importer creates, with one full save per new object.

Wagtail's way to publish a page that does not exist yet is three full saves: ``add_child``
(a draft), ``save_revision`` (validating again) and ``Revision.publish`` (validating and
saving everything once more, child rows included). For an object created in this very
transaction the outcome is known in advance, so it is saved once already live, its revision
stored, and the rest of ``PublishRevisionAction`` done by hand: the live revision noted, the
same signals sent (the search index, the publishing events and the API cache listen to them)
and the same history written ("wagtail.create", "wagtail.edit", "wagtail.publish" for a page;
"wagtail.publish" for a snippet). A new object has no comments, workflow, aliases or earlier
revision, which is what the rest of Wagtail's action looks after.
``tests/test_import_jekyll.py::test_fast_publish_matches_wagtails`` pins the equivalence.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page, Revision
from wagtail.signals import page_published, published


def add_published_child(
    parent: Page, page: Page, *, user: AbstractBaseUser | None = None
) -> Revision:
    """Add ``page`` under ``parent`` as a live page with its first revision (one full save)."""
    now = timezone.now()
    page.live = True
    page.has_unpublished_changes = False
    page.first_published_at = page.first_published_at or now
    page.last_published_at = now
    # live=True: Page.save validates the page in full, as publishing a draft would.
    parent.add_child(instance=page)
    # Validated just above; changed=False: the revision is the live content.
    revision = page.save_revision(user=user, log_action=True, clean=False, changed=False)
    _went_live(page, revision, user)
    page_published.send(sender=page.specific_class, instance=page, revision=revision)
    published.send(sender=type(page), instance=page, revision=revision)
    _log_publish(page, revision, user)
    return revision


def create_published_snippet(obj: Model, *, user: AbstractBaseUser | None = None) -> Revision:
    """Create a draft-state snippet that does not exist yet, live, with its first revision."""
    now = timezone.now()
    obj.live = True
    obj.has_unpublished_changes = False
    obj.first_published_at = obj.first_published_at or now
    obj.last_published_at = now
    obj.save()
    revision = obj.save_revision(user=user, changed=False)
    _went_live(obj, revision, user)
    published.send(sender=type(obj), instance=obj, revision=revision)
    _log_publish(obj, revision, user)
    return revision


def _went_live(obj: Model, revision: Revision, user) -> None:
    obj.live_revision = revision
    # Only this column changed since the save: no second full save (and no save signals).
    type(obj)._default_manager.filter(pk=obj.pk).update(live_revision=revision)


def _log_publish(obj: Model, revision: Revision, user) -> None:
    log(instance=obj, action="wagtail.publish", user=user, revision=revision, content_changed=True)
