"""HomePage (the root of each site) and the site's navigation, edited under Settings.

``NavigationSettings`` is a per-site setting (``wagtail.contrib.settings``): an ordered list
of menu items — each a page from the page chooser *or* an external URL, with an optional
label — and whether the home page's children with "Show in menus" ticked join the menu.
``GET /api/v3/site/`` (cms/api/site.py) serves it with reader-visible pages only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from news.preview_tokens import PreviewTokenMixin


class HomePage(PreviewTokenMixin, Page):
    tagline = models.CharField(max_length=255, blank=True)
    intro = RichTextField(features=["bold", "italic", "link"], blank=True)

    content_panels = [*Page.content_panels, FieldPanel("tagline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["news.NewsIndexPage"]

    class Meta:
        verbose_name = "home page"


class MenuPages(models.TextChoices):
    """Whether the home page's children with "Show in menus" ticked are in the navigation."""

    AUTO = "auto", "Only when the list of menu items is empty"
    BEFORE = "before", "Yes, before the menu items"
    AFTER = "after", "Yes, after the menu items"
    NEVER = "never", "No"


@register_setting(icon="list-ul")
class NavigationSettings(ClusterableModel, BaseSiteSetting):
    """The site's navigation, as frontends show it (one per site)."""

    menu_pages = models.CharField(
        "include “show in menus” pages",
        max_length=10,
        choices=MenuPages.choices,
        default=MenuPages.AUTO,
        help_text=(
            "The home page's children whose “Show in menus” box (Promote tab) is ticked, in "
            "the page tree's order. Pages already in the list are not repeated."
        ),
    )

    panels = [
        InlinePanel("menu_items", heading="Menu items", label="Menu item"),
        FieldPanel("menu_pages"),
    ]

    class Meta:
        verbose_name = "navigation"

    def __str__(self) -> str:
        return f"Navigation of {self.site}"


class NavigationMenuItem(Orderable):
    """One entry of the menu: a page or an external URL (exactly one), with an optional label."""

    setting = ParentalKey(NavigationSettings, on_delete=models.CASCADE, related_name="menu_items")
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Shown only while the page is published and public.",
    )
    link_url = models.URLField(
        "external URL",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    label = models.CharField(
        max_length=100, blank=True, help_text="Blank: the page's title (or the URL)."
    )

    panels = [FieldPanel("link_page"), FieldPanel("link_url"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        verbose_name = "menu item"

    def __str__(self) -> str:
        return self.label or self.link_url or f"page {self.link_page_id}"

    def clean(self) -> None:
        super().clean()
        if self.link_page_id and self.link_url:
            message = "Choose a page or enter an external URL, not both."
        elif not self.link_page_id and not self.link_url:
            message = "Choose a page or enter an external URL."
        else:
            return
        raise ValidationError({"link_page": message, "link_url": message})
