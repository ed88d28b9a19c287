"""App config for the newsroom; connects signal handlers on ready()."""

from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "news"
    label = "news"
    verbose_name = "Newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # API response cache: bump the content generation whenever readers' content changes.
        from news import api_cache

        api_cache.connect_signals()

        # SVG images: whole-pixel sizes (news/svg.py).
        from news import svg

        svg.connect_signals()

        # Publishing pipeline: one ChangeEvent per editor action → API cache, webhooks, CDN.
        from news import publishing

        publishing.connect_signals()

        # Wagtail's v3 page schemas: NewsPage's body typed block by block (news.api_fields).
        from news.api_fields import register_v3_body_schema

        register_v3_body_schema()

        # Renditions made in the background when an image is saved (news/renditions.py).
        from news import renditions

        renditions.connect()

        # Deployment checks (``check --deploy``): e-mail configured.
        from news import checks  # noqa: F401 — registers on import

        # Webhook URLs without a signing secret (news/webhooks/checks.py).
        from news.webhooks import checks as webhook_checks  # noqa: F401 — registers on import
