"""App config for search: connects the index-freshness signal handlers on ready()."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "newsroom_search"
    verbose_name = "News search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from search import signals

        signals.connect()
