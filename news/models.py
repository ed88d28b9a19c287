"""The news pages: NewsIndexPage (a listing) and NewsPage (a post built from body blocks)."""

from __future__ import annotations

import math

from django.db import models
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from news.api_cache import CacheTagVersion, ContentGeneration  # noqa: F401 (registers the models)
from news.api_fields import ResolvedRichTextField, news_page_read_fields
from news.blocks import NewsBodyBlock
from news.preview_tokens import PreviewTokenMixin
from news.read.richtext import plain_text
from news.snippets import NewsCategory, Organisation, Person  # noqa: F401 (models of this app)
from news.webhooks.models import DeliveryLog  # noqa: F401 (registers the model)

WORDS_PER_MINUTE = 230
# A save touching only other fields leaves every related-post ranking as it was.
RANKED_FIELDS = frozenset({"date", "category", "category_id"})


class NewsIndexPage(PreviewTokenMixin, Page):
    intro = RichTextField(features=["bold", "italic", "link"], blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    # API v2 and Wagtail's stock v3 pages endpoints: browser-ready HTML, as in Newsroom's own.
    api_fields = [APIField("intro", serializer=ResolvedRichTextField())]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["news.NewsPage"]

    class Meta:
        verbose_name = "news index"


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey("news.NewsPage", on_delete=models.CASCADE, related_name="tagged")

    class Meta:
        # The related-posts ranking reads, per tag of a post, every post with that tag
        # (news.related): covered by this index, no table row read per post.
        indexes = [models.Index(fields=["tag", "content_object"], name="news_tag_post_idx")]


class NewsPageAuthor(Orderable):
    page = ParentalKey("news.NewsPage", on_delete=models.CASCADE, related_name="authors")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("person")]

    class Meta(Orderable.Meta):
        verbose_name = "author"


class NewsPage(PreviewTokenMixin, Page):
    subtitle = models.CharField(max_length=255, blank=True)
    date = models.DateTimeField(
        "Publication date",
        null=True,
        blank=True,
        help_text="Shown on the post; leave blank to use the moment it is first published.",
    )
    byline = models.CharField(
        max_length=200,
        blank=True,
        help_text='A free byline, e.g. "The Foundation team"; shown with or instead of authors.',
    )
    summary = models.TextField(
        max_length=300,
        blank=True,
        help_text="One or two plain sentences for cards, feeds and search engines (300 max).",
    )
    feature_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feature_image_alt = models.CharField(
        "Feature image alt text",
        max_length=300,
        blank=True,
        help_text="Leave blank to use the image's own description.",
    )
    category = models.ForeignKey(
        NewsCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = ClusterTaggableManager(through=NewsPageTag, blank=True)
    body = StreamField(NewsBodyBlock(), blank=True)
    canonical_url = models.URLField(
        blank=True, help_text="Only if this post first appeared elsewhere (e.g. a member's site)."
    )
    # Kept up to date on save from authors and body, for cards, filters and cache fan-out.
    organisations = ParentalManyToManyField(Organisation, blank=True, related_name="news_pages")
    people = ParentalManyToManyField(Person, blank=True, related_name="news_pages")
    reading_time = models.PositiveSmallIntegerField(default=1, editable=False)
    # Where an imported post came from (its source file), so re-imports update it in place.
    source_path = models.CharField(max_length=500, blank=True, db_index=True, editable=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("subtitle"),
        MultiFieldPanel(
            [FieldPanel("date"), InlinePanel("authors", label="Author"), FieldPanel("byline")],
            "Publication",
        ),
        FieldPanel("summary"),
        MultiFieldPanel([FieldPanel("feature_image"), FieldPanel("feature_image_alt")], "Image"),
        MultiFieldPanel([FieldPanel("category"), FieldPanel("tags")], "Filing"),
        FieldPanel("body"),
    ]
    promote_panels = [*Page.promote_panels, FieldPanel("canonical_url")]
    # API v2 and Wagtail's stock v3 pages endpoints. The body is the same as in Newsroom's
    # /api/v3/news/ endpoints: each block's get_api_representation, references resolved.
    api_fields = [
        APIField("subtitle", writable=True),
        APIField("date", writable=True),
        APIField("byline", writable=True),
        APIField("summary", writable=True),
        APIField("feature_image_alt", writable=True),
        APIField("reading_time"),
        APIField("canonical_url", writable=True),
        # Read: the resolved body, as every Newsroom endpoint gives it (news.api_fields).
        # Write: the stored form ({"type", "value"} items with chooser ids), validated.
        APIField("body", writable=True),
        # Read-only, from the same page JSON as Newsroom's endpoints (typed in v3).
        *news_page_read_fields(),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("subtitle"),
        index.SearchField("summary"),
        index.SearchField("body_search_content"),
        index.FilterField("date"),
    ]

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "news post"
        # The listing (newest first, or oldest) walks this index and stops after its page:
        # without it every page of 20 read and sorted every visible post.
        indexes = [models.Index(fields=["date", "page_ptr"], name="news_post_date_idx")]

    # Derived values ----------------------------------------------------------------------------
    @property
    def display_date(self):
        return self.date or self.first_published_at or self.latest_revision_created_at

    def body_search_content(self) -> list[str]:
        """The body's text for Wagtail's admin search, as the StreamField gives it.

        Computed once per body value: the search backends read every search field once for
        each of an entry's title, body and autocomplete text, and the body's rich text is
        the costly one (a third of an imported post's admin-search entry otherwise)."""
        body = self.body
        cached = self.__dict__.get("_body_search_content")
        if cached is not None and cached[0] is body and cached[1] == len(body):
            return cached[2]
        content = body.stream_block.get_searchable_content(body)
        self.__dict__["_body_search_content"] = (body, len(body), content)
        return content

    def body_text(self) -> str:
        """The visible words of the body (for reading time, summaries and coverage checks)."""
        parts: list[str] = []
        for block in self.body:
            value = block.value
            if block.block_type == "paragraph":
                parts.append(plain_text(value.source))
            elif block.block_type == "heading" or block.block_type == "quote":
                parts.append(value["text"])
            elif block.block_type == "code":
                parts.append(value["code"])
            elif block.block_type == "table":
                for row in (value or {}).get("data") or []:
                    parts.extend(str(cell) for cell in row if cell)
            elif block.block_type == "image":
                parts.append(value.get("caption") or "")
            elif block.block_type == "boilerplate":
                override = value.get("boilerplate_override")
                organisation = value.get("organisation")
                source = override.source if override else getattr(organisation, "boilerplate", "")
                parts.append(plain_text(source))
        return " ".join(p for p in parts if p)

    def referenced_people_and_organisations(self) -> tuple[set[int], set[int]]:
        people, organisations = self._referenced_people_and_organisations()
        return {p.pk for p in people}, {o.pk for o in organisations}

    def _referenced_people_and_organisations(self) -> tuple[list[Person], list[Organisation]]:
        """The people the post names (authors, quotes, bios) and the organisations it
        carries (boilerplates, and those people's organisations): one query each."""
        person_ids: set[int] = {a.person_id for a in self.authors.all() if a.person_id}
        organisation_ids: set[int] = set()
        for block in self.body:
            if block.block_type in {"quote", "bio"} and block.value.get("person") is not None:
                person_ids.add(block.value["person"].pk)
            elif block.block_type == "boilerplate" and block.value.get("organisation"):
                organisation_ids.add(block.value["organisation"].pk)
        people = list(Person.objects.filter(pk__in=person_ids)) if person_ids else []
        organisation_ids.update(p.organisation_id for p in people if p.organisation_id)
        organisations = (
            list(Organisation.objects.filter(pk__in=organisation_ids)) if organisation_ids else []
        )
        return people, organisations

    def refresh_derived_fields(self) -> None:
        words = len((self.title + " " + self.summary + " " + self.body_text()).split())
        self.reading_time = max(1, math.ceil(words / WORDS_PER_MINUTE))
        people, organisations = self._referenced_people_and_organisations()
        # Instances, not ids: modelcluster keeps them in memory until the page is saved.
        self.people.set(people)
        self.organisations.set(organisations)

    def full_clean(self, *args, **kwargs):
        self.refresh_derived_fields()
        super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        if self.date is None and self.live:
            self.date = self.first_published_at or timezone.now()
        update_fields = kwargs.get("update_fields")
        # Wagtail's Page.save validates a live page in full (clean=True), and full_clean
        # refreshes the derived fields itself: computed once per save, not twice.
        validated_in_full = kwargs.get("clean", True) and self.live
        if update_fields is None and not validated_in_full:
            self.refresh_derived_fields()
        result = super().save(*args, **kwargs)
        # After the cluster's rows (mentions, tags, authors) are written by the save above.
        if update_fields is None or RANKED_FIELDS.intersection(update_fields):
            from news.related_store import post_changed

            post_changed(self.pk)
        return result


class RelatedPostList(models.Model):
    """A post's best related posts are kept (``RelatedPostEntry``, news.related_store).

    ``threshold`` is the sort key (``news.related_store.sort_key``) every post *not* in the
    list ranks below; null when the list holds every post that shares anything with it."""

    page = models.OneToOneField(
        NewsPage, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    threshold = models.CharField(max_length=80, null=True, blank=True)

    class Meta:
        verbose_name = "related-post list"

    def __str__(self) -> str:
        return f"related posts of {self.page_id}"


class RelatedPostEntry(models.Model):
    """One post of a post's kept related posts, with what the ranking sorts it by."""

    page = models.ForeignKey(NewsPage, on_delete=models.CASCADE, related_name="+")
    related = models.ForeignKey(NewsPage, on_delete=models.CASCADE, related_name="+")
    # news.related_store.sort_key: what the two posts share, then the related post's date
    # and id, as digits (the ranking's order in Python and SQL alike).
    sort_key = models.CharField(max_length=80)

    class Meta:
        verbose_name = "related-post entry"
        constraints = [
            models.UniqueConstraint(fields=["page", "related"], name="news_related_entry_unique")
        ]
        indexes = [models.Index(fields=["related"], name="news_related_entry_rel_idx")]

    def __str__(self) -> str:
        return f"{self.related_id} related to {self.page_id}"
