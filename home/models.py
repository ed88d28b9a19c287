"""HomePage: the root of each site; the news index lives beneath it."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from news.preview_tokens import PreviewTokenMixin


class HomePage(PreviewTokenMixin, Page):
    tagline = models.CharField(max_length=255, blank=True)
    intro = RichTextField(features=["bold", "italic", "link"], blank=True)

    content_panels = [*Page.content_panels, FieldPanel("tagline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["news.NewsIndexPage"]

    class Meta:
        verbose_name = "home page"
