"""The search index: one denormalised document per live, public news post.

The row holds the text a reader can find a post by, split into weighted parts, plus the
columns the filters need. The database keeps its full-text structures in step with these rows
(see migration 0001): on SQLite two FTS5 tables filled by triggers, on PostgreSQL generated
``tsvector`` columns with GIN indexes. Application code only ever writes this model.
"""

from django.db import models


class SearchDocument(models.Model):
    page = models.OneToOneField(
        "news.NewsPage", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # Weighted parts, from most to least important (title > subtitle/summary > names > body).
    title = models.TextField(default="")
    subtitle = models.TextField(default="")
    summary = models.TextField(default="")
    # Authors, byline, tags, category and organisation names.
    names = models.TextField(default="")
    # Every block's visible text: paragraphs, headings, quotes and attributions, bios,
    # boilerplate, captions, tables, code.
    body = models.TextField(default="")
    # Filter columns (tags, organisations and people are filtered through NewsPage's relations).
    date = models.DateTimeField(null=True, db_index=True)
    category = models.ForeignKey(
        "news.NewsCategory", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Wagtail leaves an expired page live until ``publish_scheduled`` runs; search hides it
    # from the moment it expires, as the listing does.
    expire_at = models.DateTimeField(null=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "search document"
        indexes = [
            # Covering index for the search statements' join from full-text matches to the
            # filter columns: on SQLite the row itself holds the whole text (overflow pages),
            # and reading the date of 10,000 matches from the rows cost more than ranking them.
            models.Index(
                fields=["page", "date", "expire_at", "category"],
                name="newsroom_search_doc_filters",
            )
        ]

    def __str__(self) -> str:
        return self.title
