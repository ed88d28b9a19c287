"""PostgreSQL: the search functions keep their search_path, so pg_restore can rebuild the
generated columns (a backup restored into a fresh database works)."""

from django.db import migrations

from search import fulltext_sql


def replace_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in fulltext_sql.POSTGRES_FUNCTIONS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("newsroom_search", "0002_fast_search_structures")]

    operations = [migrations.RunPython(replace_functions, migrations.RunPython.noop)]
