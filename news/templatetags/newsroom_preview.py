"""Template tags for the admin's preview of snippets on the headless frontend."""

from django import template

from news.preview import snippet_preview_url

register = template.Library()


@register.simple_tag(takes_context=True)
def frontend_preview_url(context, obj) -> str:
    """Store ``obj`` (an unsaved Organisation or Person) for preview; its frontend URL."""
    return snippet_preview_url(obj, context.get("request"))
