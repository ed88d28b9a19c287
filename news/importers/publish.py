"""Saving and publishing what the importer creates, with one full save per new object.

Wagtail's way to publish a page that does not exist yet is three full saves: ``add_child``
(a draft), ``save_revision`` (validating again) and ``Revision.publish`` (validating and
saving everything once more, child rows included). For an object created in this very
transaction the outcome is known in advance, so it is saved once already live and validated
in full, its first revision stored and noted as both latest and live with one ``UPDATE``, and
the rest of ``PublishRevisionAction`` done by hand: the same signals sent (the search index,
the publishing events and the API cache listen to them) and the same history ("wagtail.create",
"wagtail.edit", "wagtail.publish" for a page; "wagtail.publish" for a snippet), written in one
``INSERT``. A new object has no comments, workflow, aliases or earlier revision, which is what
the rest of Wagtail's action looks after.
``tests/test_import_fast_path.py`` pins the equivalence with Wagtail's own way.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone
from modelcluster.models import get_all_child_relations
from wagtail.log_actions import get_active_log_context
from wagtail.log_actions import registry as log_registry
from wagtail.models import Page, Revision
from wagtail.signals import page_published, published


def add_published_child(
    parent: Page, page: Page, *, user: AbstractBaseUser | None = None
) -> Revision:
    """Add ``page`` under ``parent`` as a live page with its first revision (one full save)."""
    history = _History(page, user)
    now = timezone.now()
    page.live = True
    page.has_unpublished_changes = False
    page.first_published_at = page.first_published_at or now
    page.last_published_at = now
    # live=True: Page.save validates the page in full, as publishing a draft would. Its
    # "wagtail.create" entry (log_action=None skips it) is written below with the others.
    page.save = functools.partial(page.save, log_action=None)
    held: dict[str, list] = dict(getattr(page, "_cluster_related_objects", {}))
    validate = page.full_clean

    def validate_and_hold(*args, **kwargs) -> None:
        validate(*args, **kwargs)  # NewsPage's derived people and organisations set here
        held.update(page._cluster_related_objects)

    page.full_clean = validate_and_hold
    try:
        parent.add_child(instance=page)
    finally:
        del page.save, page.full_clean
    # modelcluster forgets the child rows it has just written (reads go back to the
    # database); the page keeps them as they now are there, and a child relation it was not
    # given is empty (a new page has no comments, no tags when none were added): its
    # revision and its reference index read them from memory.
    in_memory = page._cluster_related_objects
    in_memory.update(held)
    for relation in get_all_child_relations(page):
        in_memory.setdefault(relation.get_accessor_name(), [])
    history.add("wagtail.create", user=user or page.owner)
    revision = _first_revision(page, user)
    history.add("wagtail.edit", revision=revision, content_changed=False)
    page_published.send(sender=page.specific_class, instance=page, revision=revision)
    published.send(sender=type(page), instance=page, revision=revision)
    history.add("wagtail.publish", revision=revision)
    history.write()
    return revision


def create_published_snippet(obj: Model, *, user: AbstractBaseUser | None = None) -> Revision:
    """Create a draft-state snippet that does not exist yet, live, with its first revision."""
    now = timezone.now()
    obj.live = True
    obj.has_unpublished_changes = False
    obj.first_published_at = obj.first_published_at or now
    obj.last_published_at = now
    obj.full_clean()  # as save_revision does before storing the revision
    obj.save()
    revision = _first_revision(obj, user)
    published.send(sender=type(obj), instance=obj, revision=revision)
    history = _History(obj, user)
    history.add("wagtail.publish", revision=revision)
    history.write()
    return revision


def _first_revision(obj: Model, user: AbstractBaseUser | None) -> Revision:
    """Store the object's first revision (what ``save_revision`` stores) and note it as the
    latest and the live one in one ``UPDATE`` of only those columns (no second full save)."""
    revision = Revision.objects.create(
        content_object=obj,
        base_content_type=obj.get_base_content_type(),
        user=user,
        content=obj.serializable_data(),
        object_str=str(obj),
    )
    obj.latest_revision = obj.live_revision = revision
    columns: dict = {"latest_revision": revision, "live_revision": revision}
    if isinstance(obj, Page):
        obj.latest_revision_created_at = revision.created_at
        obj.draft_title = obj.title
        columns |= {
            "latest_revision_created_at": revision.created_at,
            "draft_title": obj.title,
        }
    # The table that holds these columns (wagtailcore_page for a page): a multi-table
    # model's own manager would first select the ids to update.
    owner = obj._meta.get_field("live_revision").model
    owner._default_manager.filter(pk=obj.pk).update(**columns)
    return revision


@dataclass
class _History:
    """The log entries of one new object, as ``wagtail.log_actions.log`` writes them (same
    model, label, user, and the action's shared uuid), stored together in one ``INSERT``.
    ``log`` validates each entry in full first, a query per foreign key; these point at rows
    this transaction has just written."""

    instance: Model
    user: AbstractBaseUser | None
    entries: list = field(default_factory=list)

    def add(self, action: str, *, user=None, revision=None, content_changed=True) -> None:
        log_model = log_registry.get_log_model_for_instance(self.instance)
        context = get_active_log_context()
        if not log_registry.action_exists(action):
            raise ValueError(f"unknown log action {action!r}")
        target = {"page": self.instance} if isinstance(self.instance, Page) else {}
        if not target:
            target = {"object_id": str(self.instance.pk)}
        self.entries.append(
            log_model(
                content_type=ContentType.objects.get_for_model(
                    self.instance, for_concrete_model=False
                ),
                label=log_model.objects.get_instance_title(self.instance),
                action=action,
                timestamp=timezone.now(),
                data={},
                user=user or self.user or context.user,
                uuid=context.uuid,
                revision=revision,
                content_changed=content_changed,
                **target,
            )
        )

    def write(self) -> None:
        if self.entries:
            type(self.entries[0])._default_manager.bulk_create(self.entries)
            self.entries = []
