"""Every block a news post's body is made of: admin form, validation, preview and API form.

A block's JSON is defined here, once: ``get_api_representation`` builds it and ``api_schema``
(the pydantic model just above each block) declares its shape, from which the OpenAPI
document types the body on Newsroom's endpoints and on Wagtail's own page schemas
(``news.schemas.body_schema``). API v3, v2, preview, feeds and search all reach it through
``NewsPage.body``. Referenced objects (images, people,
organisations, pages, documents) are fetched in bulk by the active ``Resolver`` (see
``news.read.resolver``) so that a post of 100 blocks costs the same queries as one of 10.
"""

from __future__ import annotations

import re
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.text import slugify
from pydantic import Field
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.contrib.table_block.blocks import TableBlock as WagtailTableBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from news.read.images import IMAGE_ALIGNMENTS, image_data
from news.read.people import free_attribution, organisation_data, person_data
from news.read.resolver import active_resolver, page_path, stream_data
from news.read.richtext import rich_text_html
from news.read.video import parse_video_url
from news.richtext_checks import rich_text_reference_problems, without_bad_references
from news.schemas import Image, OrganisationRef, PersonRef, Strict, body_schema

PARAGRAPH_FEATURES = [
    "bold",
    "italic",
    "link",
    "document-link",
    "ol",
    "ul",
    "h3",
    "h4",
    "superscript",
    "subscript",
    "strikethrough",
    "code",
    "image",
]


# --- Choosers that take their objects from the active resolver ------------------------------


class ResolvedChooserMixin:
    """While a ``Resolver`` is active, chooser values come from its bulk-loaded objects."""

    def bulk_to_python(self, values):
        resolver = active_resolver()
        if resolver is None:
            return super().bulk_to_python(values)
        return [resolver.get(self.model_class, pk) for pk in values]

    def to_python(self, value):
        resolver = active_resolver()
        if resolver is None or value is None:
            return super().to_python(value)
        return resolver.get(self.model_class, value)


class ResolvedImageChooserBlock(ResolvedChooserMixin, ImageChooserBlock):
    pass


class ResolvedSnippetChooserBlock(ResolvedChooserMixin, SnippetChooserBlock):
    pass


class ResolvedPageChooserBlock(ResolvedChooserMixin, blocks.PageChooserBlock):
    pass


def _raise_struct_errors(errors: dict[str, str]) -> None:
    raise StructBlockValidationError(
        block_errors={name: ErrorList([ValidationError(msg)]) for name, msg in errors.items()}
    )


def _first_live(model):
    return model.objects.filter(live=True).order_by("pk").first()


# --- Text -----------------------------------------------------------------------------------


class ParagraphValue(Strict):
    html: str = Field(description="Sanitised HTML: frontend paths, download URLs, <img> tags.")


class CheckedRichTextBlock(blocks.RichTextBlock):
    """A rich-text block that refuses malformed page/document links and image embeds."""

    def clean(self, value):
        value = super().clean(value)
        problems = rich_text_reference_problems(value.source if value else "")
        if problems:
            raise ValidationError(" ".join(dict.fromkeys(problems)))
        return value

    def get_form_state(self, value):
        # The form shown again with the error above must not crash converting the reference
        # for the editor: the bad reference is left out of the editor's copy.
        if value is not None and rich_text_reference_problems(value.source):
            value = type(value)(without_bad_references(value.source))
        return super().get_form_state(value)


class ParagraphBlock(CheckedRichTextBlock):
    api_schema = ParagraphValue

    def __init__(self, **kwargs):
        kwargs.setdefault("features", PARAGRAPH_FEATURES)
        super().__init__(**kwargs)

    def get_api_representation(self, value, context=None):
        return {"html": rich_text_html(value.source if value else "")}

    class Meta:
        icon = "pilcrow"
        label = "Paragraph"
        help_text = "Body text: bold, italic, links, lists and sub-headings."
        description = "A passage of formatted text."
        preview_value = (
            "<p>The foundation welcomes a new <b>premier member</b> to its community.</p>"
        )
        template = "news/blocks/paragraph.html"


class HeadingValue(Strict):
    text: str
    level: Literal["h2", "h3", "h4"]
    anchor: str


class HeadingBlock(blocks.StructBlock):
    api_schema = HeadingValue

    text = blocks.CharBlock(max_length=200)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section (H2)"), ("h3", "Sub-section (H3)"), ("h4", "Minor (H4)")],
        default="h2",
    )
    anchor = blocks.CharBlock(
        required=False,
        max_length=80,
        help_text="Optional link target for #anchors; letters, digits and hyphens only.",
    )

    def clean(self, value):
        value = super().clean(value)
        anchor = value.get("anchor") or ""
        if anchor and not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", anchor):
            _raise_struct_errors(
                {
                    "anchor": "Use letters, digits and hyphens, starting with a letter "
                    "(e.g. about-us)."
                }
            )
        return value

    def get_api_representation(self, value, context=None):
        return {
            "text": value["text"],
            "level": value["level"],
            "anchor": value["anchor"] or slugify(value["text"])[:80],
        }

    class Meta:
        icon = "title"
        help_text = "A section heading; H2 for main sections, H3/H4 inside them."
        description = "A heading that structures the post and appears in its outline."
        preview_value = {"text": "What the membership means", "level": "h2"}
        template = "news/blocks/heading.html"


# --- Media ----------------------------------------------------------------------------------


class ImageValue(Strict):
    image: Image | None
    alt: str
    caption: str
    credit: str
    alignment: Literal["full", "left", "right"]
    max_width: int | None


class ImageBlock(blocks.StructBlock):
    api_schema = ImageValue

    image = ResolvedImageChooserBlock()
    alt_text = blocks.CharBlock(
        required=False,
        max_length=300,
        help_text="Describe the image for people who cannot see it. Required if the image "
        "itself has no description.",
    )
    caption = blocks.CharBlock(required=False, max_length=300)
    credit = blocks.CharBlock(required=False, max_length=200, help_text="Photographer or source.")
    alignment = blocks.ChoiceBlock(
        choices=IMAGE_ALIGNMENTS,
        default="full",
        help_text='"Float right" puts a small image such as a logo beside the text.',
    )
    max_width = blocks.IntegerBlock(
        required=False,
        min_value=40,
        max_value=2400,
        help_text="Optional largest display width in pixels (e.g. 250 for a logo).",
    )

    def clean(self, value):
        value = super().clean(value)
        image = value.get("image")
        has_alt = bool((value.get("alt_text") or "").strip())
        if image is not None and not has_alt and not (image.description or "").strip():
            _raise_struct_errors(
                {
                    "alt_text": "This image has no description: write alt text that says "
                    "what it shows."
                }
            )
        return value

    def get_api_representation(self, value, context=None):
        image = value.get("image")
        alt = (value.get("alt_text") or "").strip()
        return {
            "image": image_data(image, alt=alt or None),
            "alt": alt or (image.description if image else ""),
            "caption": value.get("caption") or "",
            "credit": value.get("credit") or "",
            "alignment": value.get("alignment") or "full",
            "max_width": value.get("max_width"),
        }

    def get_preview_value(self):
        from wagtail.images import get_image_model

        return self.to_python(
            {
                "image": getattr(get_image_model().objects.order_by("pk").first(), "pk", None),
                "alignment": "full",
                "caption": "An example caption",
            }
        )

    class Meta:
        icon = "image"
        help_text = "A photo, diagram or logo with alt text, caption, credit and alignment."
        description = "An image, full width or floated beside the text."
        template = "news/blocks/image.html"


class EmbedValue(Strict):
    url: str
    provider: Literal["youtube", "vimeo", ""]
    video_id: str
    embed_url: str
    title: str
    caption: str


class VideoEmbedBlock(blocks.StructBlock):
    api_schema = EmbedValue

    url = blocks.URLBlock(help_text="The video's page on YouTube or Vimeo.")
    title = blocks.CharBlock(
        required=False, max_length=200, help_text="What the video is; used as its accessible name."
    )
    caption = blocks.CharBlock(required=False, max_length=300)

    def clean(self, value):
        value = super().clean(value)
        if parse_video_url(value.get("url") or "") is None:
            _raise_struct_errors(
                {
                    "url": "Only YouTube and Vimeo videos can be embedded: paste the video's "
                    "address, e.g. https://www.youtube.com/watch?v=… or https://vimeo.com/…"
                }
            )
        return value

    def get_api_representation(self, value, context=None):
        video = parse_video_url(value.get("url") or "") or {}
        return {
            "url": value.get("url") or "",
            "provider": video.get("provider", ""),
            "video_id": video.get("video_id", ""),
            "embed_url": video.get("embed_url", ""),
            "title": value.get("title") or "",
            "caption": value.get("caption") or "",
        }

    class Meta:
        icon = "media"
        label = "Embed (video)"
        help_text = "A YouTube or Vimeo video, embedded without tracking cookies."
        description = "An embedded video."
        preview_value = {"url": "https://vimeo.com/76979871", "title": "Example video"}
        template = "news/blocks/embed.html"


# --- People and organisations ---------------------------------------------------------------


class QuoteValue(Strict):
    text: str
    attribution: PersonRef


class QuoteBlock(blocks.StructBlock):
    api_schema = QuoteValue

    text = blocks.TextBlock(help_text="The quotation, without quotation marks.")
    person = ResolvedSnippetChooserBlock(
        "news.Person",
        required=False,
        help_text="Who said it, if they are in People. Otherwise fill in the fields below.",
    )
    attribution_name = blocks.CharBlock(required=False, max_length=200, label="Name")
    attribution_role = blocks.CharBlock(required=False, max_length=200, label="Role")
    attribution_organisation = blocks.CharBlock(
        required=False, max_length=200, label="Organisation"
    )

    def clean(self, value):
        value = super().clean(value)
        has_person = value.get("person") is not None
        has_free = any(
            (value.get(f) or "").strip()
            for f in ("attribution_name", "attribution_role", "attribution_organisation")
        )
        if has_person and has_free:
            _raise_struct_errors(
                {
                    "person": "Attribute the quote either to a person or with the name fields, "
                    "not both: clear one of them."
                }
            )
        if not has_person and not (value.get("attribution_name") or "").strip():
            _raise_struct_errors(
                {"person": "Say who said this: choose a person, or type a name below."}
            )
        return value

    def get_api_representation(self, value, context=None):
        person = value.get("person")
        if person is not None:
            attribution = person_data(person)
        else:
            attribution = free_attribution(
                value.get("attribution_name") or "",
                value.get("attribution_role") or "",
                value.get("attribution_organisation") or "",
            )
        return {"text": value.get("text") or "", "attribution": attribution}

    def get_preview_value(self):
        from news.snippets import Person

        person = _first_live(Person)
        if person is not None:
            return self.to_python({"text": "We are proud to join.", "person": person.pk})
        return self.to_python({"text": "We are proud to join.", "attribution_name": "A. Member"})

    class Meta:
        icon = "openquote"
        help_text = "A quotation with its attribution: a person from People, or a free name."
        description = "A pull quote attributed to a person."
        template = "news/blocks/quote.html"


class BioValue(Strict):
    heading: str
    person: PersonRef | None


class BioBlock(blocks.StructBlock):
    api_schema = BioValue

    person = ResolvedSnippetChooserBlock("news.Person")
    heading = blocks.CharBlock(
        required=False, max_length=200, help_text='Optional, e.g. "About the author".'
    )

    def get_api_representation(self, value, context=None):
        return {
            "heading": value.get("heading") or "",
            "person": person_data(value.get("person")),
        }

    def get_preview_value(self):
        from news.snippets import Person

        person = _first_live(Person)
        return self.to_python({"person": person.pk if person else None})

    class Meta:
        icon = "user"
        help_text = "A short biography with headshot, taken from the person's entry in People."
        description = "A person's bio card."
        template = "news/blocks/bio.html"


class BoilerplateValue(Strict):
    heading: str = Field(description='"About <name>".')
    organisation: OrganisationRef | None
    html: str = Field(description="The organisation's current published boilerplate.")
    legal_notice_html: str


class BoilerplateBlock(blocks.StructBlock):
    api_schema = BoilerplateValue

    organisation = ResolvedSnippetChooserBlock(
        "news.Organisation",
        help_text='Shows "About &lt;name&gt;" with the organisation\'s current published '
        "boilerplate.",
    )
    boilerplate_override = CheckedRichTextBlock(
        required=False,
        features=["bold", "italic", "link", "document-link"],
        help_text="Leave blank to always use the organisation's current text. Fill in only "
        "when this post must keep a particular wording (e.g. an archived release).",
    )

    def get_api_representation(self, value, context=None):
        organisation = value.get("organisation")
        override = value.get("boilerplate_override")
        override_html = override.source if override else ""
        if organisation is None:
            return {"heading": "", "organisation": None, "html": "", "legal_notice_html": ""}
        return {
            "heading": organisation.about_heading,
            "organisation": organisation_data(organisation),
            "html": rich_text_html(override_html or organisation.boilerplate),
            "legal_notice_html": rich_text_html(organisation.legal_notice),
        }

    def get_preview_value(self):
        from news.snippets import Organisation

        organisation = _first_live(Organisation)
        return self.to_python({"organisation": organisation.pk if organisation else None})

    class Meta:
        icon = "doc-full"
        label = "About boilerplate"
        help_text = 'An "About &lt;organisation&gt;" section, edited once in Organisations.'
        description = "The organisation's standard boilerplate."
        template = "news/blocks/boilerplate.html"


# --- Actions, code, tables ------------------------------------------------------------------


class CallToActionValue(Strict):
    label: str
    url: str
    is_external: bool


class CallToActionBlock(blocks.StructBlock):
    api_schema = CallToActionValue

    label = blocks.CharBlock(max_length=80, help_text='The button text, e.g. "Read the report".')
    page = ResolvedPageChooserBlock(required=False, help_text="A page on this site…")
    url = blocks.URLBlock(required=False, help_text="…or an address elsewhere. Exactly one.")

    def clean(self, value):
        value = super().clean(value)
        has_page, has_url = value.get("page") is not None, bool(value.get("url"))
        if has_page == has_url:
            message = (
                "Choose a page or enter an address, not both."
                if has_page
                else "Where should the button go? Choose a page or enter an address."
            )
            _raise_struct_errors({"page": message})
        return value

    def get_api_representation(self, value, context=None):
        page = value.get("page")
        return {
            "label": value.get("label") or "",
            "url": page_path(page) if page is not None else (value.get("url") or ""),
            "is_external": page is None,
        }

    class Meta:
        icon = "link"
        label = "Call to action"
        help_text = "A prominent button linking to a page or an address."
        description = "A button that invites the reader to act."
        preview_value = {"label": "Join the foundation", "url": "https://example.org/join"}
        template = "news/blocks/call_to_action.html"


CODE_LANGUAGES = [
    ("text", "Plain text"),
    ("bash", "Shell"),
    ("python", "Python"),
    ("javascript", "JavaScript"),
    ("typescript", "TypeScript"),
    ("json", "JSON"),
    ("yaml", "YAML"),
    ("html", "HTML"),
    ("css", "CSS"),
    ("c", "C"),
    ("cpp", "C++"),
    ("go", "Go"),
    ("rust", "Rust"),
    ("java", "Java"),
    ("sql", "SQL"),
]


class CodeValue(Strict):
    language: str
    code: str


class CodeBlock(blocks.StructBlock):
    api_schema = CodeValue

    language = blocks.ChoiceBlock(choices=CODE_LANGUAGES, default="text")
    code = blocks.TextBlock(help_text="Pasted as is; whitespace is kept.")

    def get_api_representation(self, value, context=None):
        return {"language": value.get("language") or "text", "code": value.get("code") or ""}

    class Meta:
        icon = "code"
        help_text = "A code sample, shown in a monospaced font."
        description = "Source code or a shell session."
        preview_value = {"language": "bash", "code": "pip install newsroom"}
        template = "news/blocks/code.html"


class TableValue(Strict):
    caption: str
    header: list[str]
    rows: list[list[str]]
    first_column_is_header: bool


class TableBlock(WagtailTableBlock):
    api_schema = TableValue

    def clean(self, value):
        value = super().clean(value)
        rows = (value or {}).get("data") or []
        if not any((cell or "").strip() for row in rows for cell in row if isinstance(cell, str)):
            raise ValidationError("The table is empty: fill in some cells or remove it.")
        return value

    def get_api_representation(self, value, context=None):
        value = value or {}
        rows = [
            [cell if cell is not None else "" for cell in row] for row in value.get("data") or []
        ]
        has_header = bool(value.get("first_row_is_table_header")) and bool(rows)
        return {
            "caption": value.get("table_caption") or "",
            "header": rows[0] if has_header else [],
            "rows": rows[1:] if has_header else rows,
            "first_column_is_header": bool(value.get("first_col_is_header")),
        }

    class Meta:
        icon = "table"
        help_text = "A simple table; tick the header options to mark header cells."
        description = "A table of data."
        preview_value = {
            "data": [["Level", "Members"], ["Premier", "12"], ["General", "40"]],
            "table_header_choice": "row",
            "first_row_is_table_header": True,
        }
        template = "news/blocks/table.html"


class NewsBodyBlock(blocks.StreamBlock):
    """A post's body. Its JSON is the same whoever asks for it: Newsroom's serializers render
    it inside their ``Resolver``; Wagtail's own v2/v3 serialisers call this without one, and
    then one is started here, so the body is still loaded in bulk (constant queries) and shows
    only what readers may see (published snippets, visible pages, public documents)."""

    paragraph = ParagraphBlock()
    heading = HeadingBlock()
    image = ImageBlock()
    quote = QuoteBlock()
    bio = BioBlock()
    boilerplate = BoilerplateBlock()
    call_to_action = CallToActionBlock()
    embed = VideoEmbedBlock()
    code = CodeBlock()
    table = TableBlock()

    class Meta:
        help_text = "Compose the post from these blocks; each explains itself when chosen."
        # A generous bound for real posts (the longest demo post has a few dozen blocks);
        # NEWSROOM_MAX_BODY_BLOCKS, read when the block is defined (docs/security.md).
        max_num = getattr(settings, "NEWSROOM_MAX_BODY_BLOCKS", 500)

    def get_api_representation(self, value, context=None):
        if active_resolver() is None:
            request = (context or {}).get("request")
            return stream_data(value, request=request)
        return super().get_api_representation(value, context)


#: The JSON schema of one body item (``{"type", "value", "id"}``), derived from the blocks.
BODY_ITEM_SCHEMA = body_schema(NewsBodyBlock())
