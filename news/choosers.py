"""The admin's People and Organisations choosers: enough to tell namesakes apart.

Wagtail's snippet chooser lists ``str(obj)`` only ("Name (Role)"). Editors pick a quoted
person among namesakes by their organisation and face, and an organisation by its logo and
membership level, so the chooser modals show those as columns (with a small thumbnail of the
headshot or logo). The viewsets are plugged in through ``SnippetViewSet.chooser_viewset_class``
in ``news/wagtail_hooks.py``; every chooser in the admin (StreamField blocks, the Person's
organisation field, the post's authors) uses them.
"""

from __future__ import annotations

import contextlib

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)

# Renditions made for the chooser: small, and the same for every row (one query for all).
HEADSHOT_THUMBNAIL = "fill-48x48"
LOGO_THUMBNAIL = "max-96x48"


class ThumbnailColumn(Column):
    """A column showing an image field as a small rendition (empty when there is none)."""

    cell_template_name = "news/admin/thumbnail_cell.html"

    def __init__(self, name: str, *, filter_spec: str, **kwargs) -> None:
        super().__init__(name, **kwargs)
        self.filter_spec = filter_spec

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        image = context["raw_value"]
        context["rendition"] = None
        # A missing original file (e.g. a copied database) must not hide the row: no thumbnail.
        if image is not None:
            with contextlib.suppress(SourceImageIOError):
                context["rendition"] = image.get_rendition(self.filter_spec)
        return context


def _with_thumbnails(objects: QuerySet, field: str, filter_spec: str) -> QuerySet:
    """Load the image of ``field`` and its rendition for every row in one query each."""
    images = get_image_model().objects.prefetch_renditions(filter_spec)
    return objects.prefetch_related(Prefetch(field, queryset=images))


class NameColumnMixin:
    """The title column shows the plain name (other columns say the rest)."""

    @property
    def title_column(self) -> TitleColumn:
        column = super().title_column
        column.accessor = "name"
        column.label = _("Name")
        return column


class PersonChooseViewMixin(NameColumnMixin):
    def get_object_list(self) -> QuerySet:
        objects = super().get_object_list().select_related("organisation")
        return _with_thumbnails(objects, "headshot", HEADSHOT_THUMBNAIL)

    @property
    def columns(self) -> list[Column]:
        title, *rest = super().columns
        return [
            ThumbnailColumn(
                "headshot", label=_("Headshot"), filter_spec=HEADSHOT_THUMBNAIL, width="1%"
            ),
            title,
            Column("role", label=_("Role")),
            Column("organisation", label=_("Organisation"), accessor="organisation.name"),
            *rest,
        ]


class OrganisationChooseViewMixin(NameColumnMixin):
    def get_object_list(self) -> QuerySet:
        return _with_thumbnails(super().get_object_list(), "logo", LOGO_THUMBNAIL)

    @property
    def columns(self) -> list[Column]:
        title, *rest = super().columns
        return [
            ThumbnailColumn("logo", label=_("Logo"), filter_spec=LOGO_THUMBNAIL, width="1%"),
            title,
            Column(
                "membership_level",
                label=_("Membership"),
                accessor="get_membership_level_display",
            ),
            *rest,
        ]


class PersonChooseView(PersonChooseViewMixin, ChooseView):
    pass


class PersonChooseResultsView(PersonChooseViewMixin, ChooseResultsView):
    pass


class OrganisationChooseView(OrganisationChooseViewMixin, ChooseView):
    pass


class OrganisationChooseResultsView(OrganisationChooseViewMixin, ChooseResultsView):
    pass


class PersonChooserViewSet(SnippetChooserViewSet):
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView


class OrganisationChooserViewSet(SnippetChooserViewSet):
    choose_view_class = OrganisationChooseView
    choose_results_view_class = OrganisationChooseResultsView
