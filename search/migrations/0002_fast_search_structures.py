"""Structures for fast search at 10,000+ posts: a covering index for the filter columns, a
head-only FTS5 table (SQLite), head and word-pair vectors and non-pending GIN indexes
(PostgreSQL). The full-text structures are dropped and created again, then filled from the
existing documents (SQLite's 'rebuild'; PostgreSQL computes generated columns itself)."""

from django.db import migrations, models

from search import fulltext_sql


def recreate_fulltext(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in fulltext_sql.statements(vendor, create=False):
        schema_editor.execute(sql)
    for sql in fulltext_sql.statements(vendor, create=True):
        schema_editor.execute(sql)
    if vendor == "sqlite":
        for table in fulltext_sql.SQLITE_TABLES:
            schema_editor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom_search", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(
                fields=["page", "date", "expire_at", "category"],
                name="newsroom_search_doc_filters",
            ),
        ),
        migrations.RunPython(recreate_fulltext, migrations.RunPython.noop),
    ]
