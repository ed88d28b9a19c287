"""Reusable snippets: Person, Organisation (with its "About" boilerplate) and NewsCategory.

Organisation and Person use draft/publish with revisions: a changed boilerplate is reviewed
before it reaches every post that carries it. While a snippet is live, its database row holds
the published content (drafts live only in revisions), so readers always get published text.
"""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.text import slugify
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PublishingPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, LockableMixin, PreviewableMixin, RevisionMixin
from wagtail.search import index

from news.richtext_checks import validate_rich_text_references

# Rich text features for short snippet texts: inline formatting and links, no headings.
SNIPPET_RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class SluggedMixin(models.Model):
    """Fills ``slug`` from ``name`` when the editor leaves it blank."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:100] or "item"
        super().save(*args, **kwargs)


class MembershipLevel(models.TextChoices):
    PREMIER = "premier", "Premier member"
    GENERAL = "general", "General member"
    ASSOCIATE = "associate", "Associate member"
    NONE = "none", "Not a member"


class Organisation(
    SluggedMixin,
    PreviewableMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    index.Indexed,
    models.Model,
):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, blank=True)
    website = models.URLField(blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    membership_level = models.CharField(
        max_length=20, choices=MembershipLevel.choices, default=MembershipLevel.NONE
    )
    boilerplate = RichTextField(
        "About boilerplate",
        features=SNIPPET_RICH_TEXT_FEATURES,
        blank=True,
        help_text='The "About <name>" text shown at the foot of press releases.',
        validators=[validate_rich_text_references],
    )
    legal_notice = RichTextField(
        features=SNIPPET_RICH_TEXT_FEATURES,
        blank=True,
        help_text="Optional trademark or legal notice printed after the boilerplate.",
        validators=[validate_rich_text_references],
    )
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="organisation")

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("website"),
        FieldPanel("logo"),
        FieldPanel("membership_level"),
        MultiFieldPanel([FieldPanel("boilerplate"), FieldPanel("legal_notice")], "About"),
        PublishingPanel(),
    ]
    search_fields = [
        index.SearchField("name", boost=2),
        index.AutocompleteField("name"),
        index.SearchField("boilerplate"),
        index.FilterField("live"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def about_heading(self) -> str:
        return f"About {self.name}"

    def get_preview_template(self, request, mode_name):
        return "news/previews/organisation.html"


class Person(
    SluggedMixin,
    PreviewableMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    index.Indexed,
    models.Model,
):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, blank=True)
    role = models.CharField("Role or title", max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    headshot = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = RichTextField(
        features=SNIPPET_RICH_TEXT_FEATURES, blank=True, validators=[validate_rich_text_references]
    )
    revisions = GenericRelation("wagtailcore.Revision", related_query_name="person")

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("role"),
        FieldPanel("organisation"),
        FieldPanel("headshot"),
        FieldPanel("bio"),
        PublishingPanel(),
    ]
    search_fields = [
        index.SearchField("name", boost=2),
        index.AutocompleteField("name"),
        index.SearchField("role"),
        index.FilterField("live"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name

    def get_preview_template(self, request, mode_name):
        return "news/previews/person.html"


class NewsCategory(models.Model):
    """Editors add categories here; the six standard ones come from a data migration."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "news categories"

    def __str__(self) -> str:
        return self.name
