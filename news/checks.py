"""Deployment checks (``manage.py check --deploy``) for settings Django itself does not check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_email_configured(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Password resets need a way to send mail: the console backend only logs it."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        return [
            Warning(
                "E-mail is only written to the log: password resets cannot reach anyone.",
                hint="Set EMAIL_URL (e.g. submission://user:password@smtp.example.org:587).",
                id="newsroom.W001",
            )
        ]
    return []
