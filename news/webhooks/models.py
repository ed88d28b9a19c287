"""The webhook delivery log, which is also the outbox: one row per event and endpoint."""

from __future__ import annotations

import json

from django.db import models
from django.utils import timezone


class DeliveryLog(models.Model):
    """One event sent (or being sent) to one endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    event_id = models.CharField(max_length=64, db_index=True)
    event = models.CharField(max_length=64)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    endpoint = models.URLField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The outbox: when the row is next due (null once delivered or failed), until when a
    # retryable failure is retried, and who is sending it right now (until when).
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retry_until = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    # The exact body that is signed and sent; a resend sends the same bytes again.
    payload = models.TextField()

    class Meta:
        # Registered by news/models.py; the table is news_deliverylog, as before the split.
        app_label = "news"
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"

    @property
    def paths(self) -> list[str]:
        try:
            return json.loads(self.payload).get("paths", [])
        except ValueError:
            return []


# Rows in these states are still to be sent (when their next_attempt_at has come).
ACTIVE_STATUSES = (DeliveryLog.Status.PENDING, DeliveryLog.Status.RETRYING)
