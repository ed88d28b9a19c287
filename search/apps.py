"""App config for search."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "newsroom_search"
    default_auto_field = "django.db.models.BigAutoField"
