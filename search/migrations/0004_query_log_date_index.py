"""An index on the search log's day (Wagtail's ``QueryDailyHits.date``): the daily cap on new
query strings counts today's rows on every logged search, and pruning deletes by day."""

from django.db import migrations

INDEX = "newsroom_querydailyhits_date"


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom_search", "0003_functions_restorable"),
        ("wagtailsearchpromotions", "0008_query_verbose_name"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearchpromotions_querydailyhits (date)",
            f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
