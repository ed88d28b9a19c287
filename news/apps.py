"""App config for the newsroom; connects signal handlers on ready()."""

from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "news"
    label = "news"
    verbose_name = "Newsroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The change-event bus: Wagtail's and Django's signals → ChangeEvents (news/events.py).
        from news import events

        events.connect_signals()

        # Its subscribers: the API cache (inside the writer's transaction), the webhooks and
        # the CDN purge (after commit). The search index subscribes in SearchConfig.ready.
        from news import api_cache, publishing

        api_cache.connect()
        publishing.connect()

        # Model-level housekeeping, not about what readers see (so not on the bus):
        # SVG images: whole-pixel sizes (news/svg.py).
        from news import svg

        svg.connect_signals()

        # Each post's kept related posts (news/related_store.py; NewsPage.save keeps them):
        # forgotten when a snippet many posts share is deleted.
        from news import related_store

        related_store.connect()

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
