from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0006_rich_text_reference_checks"),
    ]

    operations = [
        migrations.CreateModel(
            name="CacheTagVersion",
            fields=[
                ("tag", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
            options={"verbose_name": "API cache tag version"},
        ),
    ]
