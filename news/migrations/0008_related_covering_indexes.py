"""Covering indexes for the related-posts ranking (news.related).

The ranking counts, for each organisation, person and tag of a post, every other post that
has it: a search by organisation (person, tag) that needs the post's id. Django's own index
on the foreign key finds the rows but then reads each table row for the post's id; an index
on (organisation, post) answers from the index alone. The mention tables are the implicit
through tables of NewsPage.organisations and NewsPage.people (no model to declare an index
on), hence plain SQL, the same on SQLite and PostgreSQL.
"""

from django.db import migrations, models

MENTION_INDEXES = [
    ("news_org_mention_idx", "news_newspage_organisations", "organisation_id"),
    ("news_person_mention_idx", "news_newspage_people", "person_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0007_cache_tag_versions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="newspagetag",
            index=models.Index(fields=["tag", "content_object"], name="news_tag_post_idx"),
        ),
        *(
            migrations.RunSQL(
                f'CREATE INDEX "{name}" ON "{table}" ("{column}", "newspage_id")',
                f'DROP INDEX "{name}"',
            )
            for name, table, column in MENTION_INDEXES
        ),
    ]
