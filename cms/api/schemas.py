"""The typed contract of Newsroom's API: one schema per block type, card, page, person, error.

These models only describe the JSON (for the OpenAPI document a frontend generates types
from); the JSON itself is built by ``news.serializers`` and the blocks'
``get_api_representation``. Every model forbids unknown keys, and tests validate real
responses against the published document, so code and contract cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Shared pieces ---------------------------------------------------------------------------


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
        description="A middle-sized rendition, for <img src>; for an SVG image, the sanitised "
        "SVG itself (then srcset and srcset_webp are empty and renditions are PNG/WebP rasters)."
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
    membership_level: Literal["premier", "general", "associate", "none"]
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
    locale: str


# --- Body blocks: one schema each, discriminated by ``type`` ---------------------------------


class ParagraphValue(Strict):
    html: str = Field(description="Sanitised HTML: frontend paths, download URLs, <img> tags.")


class HeadingValue(Strict):
    text: str
    level: Literal["h2", "h3", "h4"]
    anchor: str


class ImageValue(Strict):
    image: Image | None
    alt: str
    caption: str
    credit: str
    alignment: Literal["full", "left", "right"]
    max_width: int | None


class QuoteValue(Strict):
    text: str
    attribution: PersonRef


class BioValue(Strict):
    heading: str
    person: PersonRef | None


class BoilerplateValue(Strict):
    heading: str = Field(description='"About <name>".')
    organisation: OrganisationRef | None
    html: str = Field(description="The organisation's current published boilerplate.")
    legal_notice_html: str


class CallToActionValue(Strict):
    label: str
    url: str
    is_external: bool


class EmbedValue(Strict):
    url: str
    provider: Literal["youtube", "vimeo", ""]
    video_id: str
    embed_url: str
    title: str
    caption: str


class CodeValue(Strict):
    language: str
    code: str


class TableValue(Strict):
    caption: str
    header: list[str]
    rows: list[list[str]]
    first_column_is_header: bool


class _Block(Strict):
    id: str | None = None


class ParagraphBlock(_Block):
    type: Literal["paragraph"]
    value: ParagraphValue


class HeadingBlock(_Block):
    type: Literal["heading"]
    value: HeadingValue


class ImageBlock(_Block):
    type: Literal["image"]
    value: ImageValue


class QuoteBlock(_Block):
    type: Literal["quote"]
    value: QuoteValue


class BioBlock(_Block):
    type: Literal["bio"]
    value: BioValue


class BoilerplateBlock(_Block):
    type: Literal["boilerplate"]
    value: BoilerplateValue


class CallToActionBlock(_Block):
    type: Literal["call_to_action"]
    value: CallToActionValue


class EmbedBlock(_Block):
    type: Literal["embed"]
    value: EmbedValue


class CodeBlock(_Block):
    type: Literal["code"]
    value: CodeValue


class TableBlock(_Block):
    type: Literal["table"]
    value: TableValue


BodyBlock = Annotated[
    ParagraphBlock
    | HeadingBlock
    | ImageBlock
    | QuoteBlock
    | BioBlock
    | BoilerplateBlock
    | CallToActionBlock
    | EmbedBlock
    | CodeBlock
    | TableBlock,
    Field(discriminator="type"),
]

# --- Cards and pages -------------------------------------------------------------------------


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


class NewsList(Strict):
    count: int
    limit: int
    offset: int
    items: list[NewsCard]


class NewsPageDetail(NewsCard):
    slug: str
    seo: Seo
    body: list[BodyBlock]
    related: list[NewsCard] = Field(description="Up to 3 live posts sharing a tag/organisation.")
    meta: PageMeta


class _OtherPage(Strict):
    id: int
    title: str
    slug: str
    path: str
    seo: Seo
    meta: PageMeta


class NewsIndexPageDetail(_OtherPage):
    type: Literal["news.NewsIndexPage"]
    intro: str


class HomePageDetail(_OtherPage):
    type: Literal["home.HomePage"]
    tagline: str
    intro: str


class BasicPageDetail(_OtherPage):
    """A page of Wagtail's base type (e.g. the "Welcome" page of a fresh install)."""

    type: Literal["wagtailcore.Page"]


PageDetail = Annotated[
    NewsPageDetail | NewsIndexPageDetail | HomePageDetail | BasicPageDetail,
    Field(discriminator="type"),
]


class RedirectTarget(Strict):
    """What the route lookup answers for a path that Wagtail's redirects send elsewhere."""

    type: Literal["redirect"]
    status: Literal[301, 302]
    location: str = Field(description="A frontend path (/news/…) or an absolute URL.")
    is_permanent: bool


RouteResult = Annotated[
    NewsPageDetail | NewsIndexPageDetail | HomePageDetail | BasicPageDetail | RedirectTarget,
    Field(discriminator="type"),
]


# --- Search ---------------------------------------------------------------------------------


class Highlight(Strict):
    title: str = Field(description="HTML: the title, matches in <mark>.")
    excerpt: str = Field(description="HTML: the best passage, matches in <mark>.")


class SearchHit(NewsCard):
    promoted: bool = Field(description="Chosen by editors for this query; listed first.")
    highlight: Highlight


class SearchResults(Strict):
    count: int
    items: list[SearchHit]


# --- Organisations and people ---------------------------------------------------------------


class Organisation(Strict):
    id: int
    slug: str
    name: str
    website: str
    membership_level: Literal["premier", "general", "associate", "none"]
    logo: Image | None
    about_heading: str
    boilerplate_html: str
    legal_notice_html: str


class OrganisationList(Strict):
    count: int
    limit: int
    offset: int
    items: list[Organisation]


class Person(PersonRef):
    id: int


class PersonList(Strict):
    count: int
    limit: int
    offset: int
    items: list[Person]


class Ping(Strict):
    ok: bool


# --- Errors ----------------------------------------------------------------------------------


class ErrorItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    loc: list[str | int] | None = None
    msg: str | None = None
    type: str | None = None


class Problem(Strict):
    """RFC 9457 problem details (``application/problem+json``), as Wagtail's v3 API uses."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[ErrorItem] | None = None
