"""The webhook delivery log becomes the outbox: next attempt, retry window, claim (lease).

Rows that were pending or retrying before (their in-memory retry may be long gone) become due
now, with a fresh retry window, so ``manage.py deliver_webhooks`` sends them.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def make_unfinished_rows_due(apps, schema_editor):
    DeliveryLog = apps.get_model("news", "DeliveryLog")
    now = timezone.now()
    hours = float(getattr(settings, "NEWSROOM_WEBHOOK_RETRY_HOURS", 24))
    DeliveryLog.objects.filter(status__in=("pending", "retrying")).update(
        next_attempt_at=now, retry_until=now + timedelta(hours=hours)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('news', '0004_webhook_delivery_log'),
    ]

    operations = [
        migrations.AddField(
            model_name='deliverylog',
            name='claimed_by',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='deliverylog',
            name='claimed_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='deliverylog',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name='deliverylog',
            name='retry_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='deliverylog',
            name='attempts',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(make_unfinished_rows_due, migrations.RunPython.noop),
    ]
