"""The typed contract of Newsroom's API endpoints: pages, lists, search, people, errors.

These models only describe the JSON (for the OpenAPI document a frontend generates types
from); the JSON itself is built by ``news.serializers`` and the blocks'
``get_api_representation``. The shapes of the read side (images, people, cards) and each
block's value are declared once in ``news.schemas`` and ``news.blocks`` and imported here.
Every model forbids unknown keys, and tests validate real responses against the published
document, so code and contract cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from news.blocks import BODY_ITEM_SCHEMA
from news.schemas import Image, NewsCard, PageMeta, PersonRef, Seo, Strict
from search.filters import FILTERS_BY_NAME

# The body's items: one schema per block type, each declared beside its block.
BodyBlock = BODY_ITEM_SCHEMA


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


class NewsPagePreview(NewsPageDetail):
    """A post's preview: a page never saved yet has no id (and an empty path)."""

    id: int | None


class NewsIndexPagePreview(NewsIndexPageDetail):
    id: int | None


class HomePagePreview(HomePageDetail):
    id: int | None


class BasicPagePreview(BasicPageDetail):
    id: int | None


PreviewDetail = Annotated[
    NewsPagePreview | NewsIndexPagePreview | HomePagePreview | BasicPagePreview,
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


# --- Listing filters (news listing and search) ----------------------------------------------


def _filter(name: str) -> Any:
    """A filter parameter as the OpenAPI document shows it. The views read it as text from the
    query string and check it with ``search.filters.parse_filters`` (a bad value is a 400), so
    the type here is only documentation, taken from the filter's one declaration."""
    return Annotated[str | None, WithJsonSchema(FILTERS_BY_NAME[name].json_schema())]


class ListingFilters(Schema):
    """The query parameters that filter news posts, in the listing and in search."""

    tag: _filter("tag") = None
    category: _filter("category") = None
    organisation: _filter("organisation") = None
    person: _filter("person") = None
    year: _filter("year") = None
    month: _filter("month") = None
    date_from: _filter("date_from") = None
    date_to: _filter("date_to") = None


# --- Search ---------------------------------------------------------------------------------


class Highlight(Strict):
    title: str = Field(description="HTML: the title, matches in <mark>.")
    excerpt: str = Field(description="HTML: the best passage, matches in <mark>.")


class SearchHit(NewsCard):
    promoted: bool = Field(description="Chosen by editors for this query; listed first.")
    highlight: Highlight


class SearchResults(Strict):
    count: int
    limit: int
    offset: int
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
