"""Creates the standard news categories; editors can add more in Snippets."""

from django.db import migrations

STANDARD_CATEGORIES = [
    ("Announcement", "announcement"),
    ("Member news", "member-news"),
    ("Release", "release"),
    ("Community", "community"),
    ("Case study", "case-study"),
    ("Technical", "technical"),
]


def create_categories(apps, schema_editor):
    NewsCategory = apps.get_model("news", "NewsCategory")
    for name, slug in STANDARD_CATEGORIES:
        NewsCategory.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("news", "0001_initial")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
