"""NewsPage's fields in Wagtail's own APIs (v2 and v3), taken from Newsroom's page JSON.

Wagtail's ``/api/v3/pages/`` and ``/api/v2/pages/`` serialise a page from its
``api_fields``. Newsroom gives them the same JSON as its own endpoints: every read-only field
here is one key of ``news.serializers.page_detail`` (built once per page object, or in bulk
for a listing), and is typed in v3's OpenAPI document by the return annotation of its
``to_representation`` (Wagtail reads it), using the shapes declared in ``news.schemas``.

The body stays a plain, writable ``APIField`` (the write API needs it): its read side goes
through ``NewsBodyBlock.get_api_representation`` (v2) or ``register_v3_body_schema`` (v3),
both of which read the same page JSON, and its v3 type is derived from the blocks.
"""

from __future__ import annotations

from typing import Any

from rest_framework.fields import Field as DRFField

from news.read.richtext import rich_text_html
from news.schemas import Category, Image, NewsCard, OrganisationBrief, PersonRef, Seo


def _page_json(page: Any, request: Any = None) -> dict[str, Any]:
    from news.serializers import detail_for

    return detail_for(page, request)


class PageJSONField(DRFField):
    """Read-only ``APIField`` serializer: one key (``key``) of the page's Newsroom JSON."""

    key = ""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(source="*", **kwargs)

    def to_representation(self, page: Any) -> Any:
        context = getattr(self.root, "_context", {}) or {}
        return _page_json(page, context.get("request"))[self.key]


class ResolvedRichTextField(DRFField):
    """``APIField`` serializer for a RichTextField: browser-ready HTML (see rich_text_html)."""

    def to_representation(self, value: Any) -> str:
        return rich_text_html(value or "")


def page_json_field(key: str, annotation: Any) -> PageJSONField:
    """A ``PageJSONField`` for ``key`` whose return annotation (v3's type) is ``annotation``."""

    def to_representation(self, page):
        return PageJSONField.to_representation(self, page)

    to_representation.__annotations__ = {"page": Any, "return": annotation}
    field_class = type(
        f"{key.title().replace('_', '')}JSONField",
        (PageJSONField,),
        {"key": key, "to_representation": to_representation},
    )
    return field_class()


def news_page_read_fields() -> list[Any]:
    """The read-only fields Newsroom adds to NewsPage in Wagtail's APIs."""
    from wagtail.api import APIField

    return [
        APIField("path", serializer=page_json_field("path", str)),
        APIField("tags", serializer=page_json_field("tags", list[str])),
        APIField("authors", serializer=page_json_field("authors", list[PersonRef])),
        APIField("feature_image", serializer=page_json_field("feature_image", Image | None)),
        APIField("category", serializer=page_json_field("category", Category | None)),
        APIField(
            "organisations", serializer=page_json_field("organisations", list[OrganisationBrief])
        ),
        APIField("seo", serializer=page_json_field("seo", Seo)),
        APIField("related", serializer=page_json_field("related", list[NewsCard])),
    ]


def register_v3_body_schema() -> None:
    """Type NewsPage's body in Wagtail's v3 schemas and read it from the page JSON.

    Wagtail builds its v3 page schemas from ``api_fields`` when its schema registry is first
    imported, typing a StreamField as ``list[Any]``. The StreamField handler registered here
    types a stream by its block's ``BODY_ITEM_SCHEMA`` where the block declares one, and the
    NewsPage registration is rebuilt with it (before Wagtail's routers read it, which happens
    when the URLconf is first loaded, after every app's ``ready``).
    """
    from wagtail.api.v3.schemas import PageSchema
    from wagtail.api.v3.schemas.generators.read import read_generator, streamfield_schema
    from wagtail.fields import StreamField

    from news import blocks

    def typed_streamfield_schema(generator, field):
        annotation, default, resolve = streamfield_schema(generator, field)
        if not isinstance(field.stream_block, blocks.NewsBodyBlock):
            return annotation, default, resolve
        name = field.name

        def resolve_body(obj, context):
            # No request: the page may be a draft (``version=draft``, the write API's
            # answers), and only live pages may use the request's generation-keyed caches.
            return _page_json(obj)[name]

        return list[blocks.BODY_ITEM_SCHEMA], default, staticmethod(resolve_body)

    read_generator.register_field_schema(StreamField, typed_streamfield_schema)

    from wagtail.api.v3.registry import ContentTypeRegistration, registry

    from news.models import NewsPage

    current = registry.get(NewsPage._meta.label)
    if current is not None:
        registry.register(
            ContentTypeRegistration(
                name=current.name,
                label=current.label,
                read_schema=read_generator.generate_schema(NewsPage, base_class=PageSchema),
                create_schema=current.create_schema,
                patch_schema=current.patch_schema,
            )
        )
