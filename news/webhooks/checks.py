"""System check: webhook endpoints configured without a secret to sign them with."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from news.webhooks.outbox import webhook_urls


@checks.register()
def check_webhook_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when ``NEWSROOM_WEBHOOK_URLS`` is set and ``NEWSROOM_WEBHOOK_SECRET`` is not."""
    if webhook_urls() and not getattr(settings, "NEWSROOM_WEBHOOK_SECRET", ""):
        return [
            checks.Warning(
                "NEWSROOM_WEBHOOK_URLS is set but NEWSROOM_WEBHOOK_SECRET is empty: receivers "
                "cannot tell Newsroom's webhooks from forged ones.",
                hint="Set NEWSROOM_WEBHOOK_SECRET, and the same secret in each receiver.",
                id="newsroom.W002",
            )
        ]
    return []
