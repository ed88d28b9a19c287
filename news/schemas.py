"""The JSON shapes of Newsroom's read side, declared once and used by every endpoint.

``news.read`` and ``news.serializers`` build these dicts; the models here only
describe them (for the OpenAPI document that frontends generate types from, and for Wagtail's
own v3 page schemas). Each body block declares its value's shape beside the block
(``news.blocks``, ``api_schema``); the body's discriminated union is derived from the stream
block (``body_schema``). Every model forbids unknown keys, and tests validate real responses
against the served document, so code and contract cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


MembershipLevel = Literal["premier", "general", "associate", "none"]


class Rendition(Strict):
    url: str
    width: int
    height: int
    format: str = Field(description="jpeg, png, gif, webp…")


class Image(Strict):
    id: int
    title: str
    alt: str
    width: int = Field(description="Width of the original image.")
    height: int = Field(description="Height of the original image.")
    src: str = Field(
        description="A middle-sized rendition, for <img src> (absolute URL); for an SVG image, "
        "the sanitised SVG itself (then srcset and srcset_webp are empty and renditions are "
        "PNG/WebP rasters)."
    )
    renditions: list[Rendition] = Field(description="Every width in the original format and WebP.")
    srcset: str
    srcset_webp: str


class OrganisationRef(Strict):
    """An organisation inside a person, quote or boilerplate block (id null: typed by hand)."""

    id: int | None
    slug: str
    name: str
    website: str
    membership_level: MembershipLevel
    logo: Image | None


class PersonRef(Strict):
    """A person (id null when a quote is attributed by name only)."""

    id: int | None
    slug: str
    name: str
    role: str
    organisation: OrganisationRef | None
    headshot: Image | None
    bio_html: str


class OrganisationBrief(Strict):
    id: int
    slug: str
    name: str


class Category(Strict):
    name: str
    slug: str


class SocialImage(Strict):
    url: str
    width: int
    height: int


class Seo(Strict):
    title: str
    description: str
    canonical_url: str
    social_image: SocialImage | None


class PageMeta(Strict):
    first_published_at: str | None
    last_published_at: str | None
    locale: str = Field(description="The page's locale, e.g. en or en-gb.")


class NewsCard(Strict):
    id: int
    type: Literal["news.NewsPage"]
    title: str
    subtitle: str
    path: str = Field(description="Path on the frontend, e.g. /news/some-post/.")
    date: str | None
    summary: str
    feature_image: Image | None
    authors: list[PersonRef]
    byline: str
    category: Category | None
    tags: list[str]
    organisations: list[OrganisationBrief]
    reading_time: int = Field(description="Minutes.")


def _schema_name(block_name: str) -> str:
    return "".join(part.title() for part in block_name.split("_")) + "Block"


def body_schema(stream_block: Any) -> Any:
    """The JSON schema of a StreamField's items, derived from its child blocks.

    Each child declares ``api_schema`` (the shape of its ``get_api_representation``); an
    item is ``{"type": <name>, "value": <api_schema>, "id": …}``, discriminated by ``type``.
    """
    members = []
    for name, block in stream_block.child_blocks.items():
        members.append(
            create_model(
                _schema_name(name),
                __base__=Strict,
                type=(Literal[name], ...),
                value=(block.api_schema, ...),
                id=(str | None, None),
            )
        )
    union = members[0]
    for member in members[1:]:
        union = union | member
    return Annotated[union, Field(discriminator="type")]
