"""The content model: page tree rules, block validation, snippet publishing, the editor's form."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from home.models import HomePage
from news import blocks
from news.models import NewsIndexPage, NewsPage
from news.snippets import NewsCategory, Organisation, Person
from tests.conftest import make_image, publish_news_page

pytestmark = pytest.mark.django_db


# --- Tree rules -----------------------------------------------------------------------------


def test_home_page_only_under_the_root():
    assert HomePage.can_create_at(Page.get_first_root_node())
    assert HomePage.allowed_parent_page_models() == [Page]
    assert not HomePage.can_exist_under(NewsIndexPage())


def test_news_index_only_under_home_and_only_holds_posts(home_page):
    assert NewsIndexPage.can_create_at(home_page)
    assert not NewsIndexPage.can_create_at(Page.get_first_root_node())
    assert NewsIndexPage.allowed_subpage_models() == [NewsPage]


def test_news_page_only_under_a_news_index(home_page, news_index):
    assert NewsPage.can_create_at(news_index)
    assert not NewsPage.can_create_at(home_page)
    assert NewsPage.allowed_subpage_models() == []


def test_admin_refuses_a_news_page_under_home(editor_client, home_page):
    url = reverse("wagtailadmin_pages:add", args=("news", "newspage", home_page.pk))
    response = editor_client.get(url)
    # Wagtail refuses with a redirect away from the form (and a message), never a form.
    assert response.status_code in (302, 403)
    assert response.get("Location", "") != url


# --- Block validation -----------------------------------------------------------------------


def _struct_error_fields(exc: StructBlockValidationError) -> set[str]:
    return set(exc.block_errors)


def test_image_block_requires_alt_text_when_image_has_none():
    image = make_image(description="")
    block = blocks.ImageBlock()
    with pytest.raises(StructBlockValidationError) as exc:
        block.clean(block.to_python({"image": image.pk, "alt_text": "", "alignment": "full"}))
    assert _struct_error_fields(exc.value) == {"alt_text"}
    assert "alt text" in str(exc.value.block_errors["alt_text"])


def test_image_block_accepts_the_image_description_as_alt():
    image = make_image(description="Logo of Example Corp")
    block = blocks.ImageBlock()
    value = block.clean(
        block.to_python({"image": image.pk, "alignment": "right", "max_width": 250})
    )
    assert value["max_width"] == 250
    assert value["alignment"] == "right"


def test_quote_needs_exactly_one_kind_of_attribution(person):
    block = blocks.QuoteBlock()
    with pytest.raises(StructBlockValidationError) as neither:
        block.clean(block.to_python({"text": "Hello"}))
    assert "Say who said this" in str(neither.value.block_errors["person"])
    with pytest.raises(StructBlockValidationError) as both:
        block.clean(
            block.to_python({"text": "Hello", "person": person.pk, "attribution_name": "Someone"})
        )
    assert "not both" in str(both.value.block_errors["person"])
    assert block.clean(block.to_python({"text": "Hi", "person": person.pk}))["person"] == person
    free = block.clean(block.to_python({"text": "Hi", "attribution_name": "A. Member"}))
    assert free["attribution_name"] == "A. Member"


def test_call_to_action_needs_a_page_or_an_address(news_index):
    block = blocks.CallToActionBlock()
    with pytest.raises(StructBlockValidationError) as neither:
        block.clean(block.to_python({"label": "Go"}))
    assert "Choose a page or enter an address" in str(neither.value.block_errors["page"])
    with pytest.raises(StructBlockValidationError) as both:
        block.clean(
            block.to_python({"label": "Go", "page": news_index.pk, "url": "https://example.org"})
        )
    assert "not both" in str(both.value.block_errors["page"])
    assert block.clean(block.to_python({"label": "Go", "url": "https://example.org"}))["url"]


def test_heading_anchor_must_be_a_slug():
    block = blocks.HeadingBlock()
    with pytest.raises(StructBlockValidationError) as exc:
        block.clean(block.to_python({"text": "Hi", "level": "h2", "anchor": "not valid!"}))
    assert "letters, digits and hyphens" in str(exc.value.block_errors["anchor"])
    assert block.clean(block.to_python({"text": "Hi", "level": "h3", "anchor": "hi-there"}))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.youtube.com/watch?v=aqz-KE-bpKQ", True),
        ("https://youtu.be/aqz-KE-bpKQ", True),
        ("https://vimeo.com/76979871", True),
        ("https://example.com/video.mp4", False),
        ("javascript:alert(1)", False),
    ],
)
def test_embed_block_accepts_only_known_video_hosts(url, ok):
    block = blocks.VideoEmbedBlock()
    value = block.to_python({"url": url, "title": "A video"})
    if ok:
        assert block.clean(value)["url"] == url
    else:
        with pytest.raises((StructBlockValidationError, ValidationError)):
            block.clean(value)


def test_code_and_table_blocks_refuse_empty_content():
    with pytest.raises(StructBlockValidationError) as exc:
        blocks.CodeBlock().clean(blocks.CodeBlock().to_python({"language": "python", "code": " "}))
    assert "required" in str(exc.value.block_errors["code"])
    table = blocks.TableBlock()
    with pytest.raises(ValidationError, match="table is empty"):
        table.clean({"data": [[None, ""], ["", None]], "table_header_choice": "neither"})
    assert table.clean({"data": [["a", "b"]], "table_header_choice": "row"})


def test_bio_and_boilerplate_require_their_snippet():
    with pytest.raises(StructBlockValidationError):
        blocks.BioBlock().clean(blocks.BioBlock().to_python({"person": None}))
    with pytest.raises(StructBlockValidationError):
        blocks.BoilerplateBlock().clean(blocks.BoilerplateBlock().to_python({"organisation": None}))


def test_every_block_has_icon_help_text_and_preview():
    for name, block in blocks.NewsBodyBlock().child_blocks.items():
        assert block.meta.icon and block.meta.icon != "placeholder", name
        assert block.meta.help_text, name
        assert getattr(block.meta, "template", None), name
        assert block.get_description(), name


def test_block_previews_render(organisation, person, image):
    for name, block in blocks.NewsBodyBlock().child_blocks.items():
        html = block.render(block.get_preview_value())
        assert html.strip(), name


# --- Snippet draft/publish flow -------------------------------------------------------------


def test_organisation_boilerplate_change_is_a_draft_until_published(organisation):
    organisation.boilerplate = "<p>A brand new text.</p>"
    revision = organisation.save_revision()
    organisation.refresh_from_db()
    # The row (what readers get) still holds the published text.
    assert organisation.boilerplate == "<p>Example Corp builds example things.</p>"
    assert organisation.has_unpublished_changes
    revision.publish()
    organisation.refresh_from_db()
    assert organisation.boilerplate == "<p>A brand new text.</p>"
    assert not organisation.has_unpublished_changes
    assert organisation.live


def test_snippet_slugs_are_filled_from_names(db):
    org = Organisation.objects.create(name="Blue Ocean Labs")
    person = Person.objects.create(name="Zoë Example", organisation=org)
    assert org.slug == "blue-ocean-labs"
    assert person.slug == "zoe-example"


def test_standard_categories_exist():
    names = set(NewsCategory.objects.values_list("name", flat=True))
    assert {
        "Announcement",
        "Member news",
        "Release",
        "Community",
        "Case study",
        "Technical",
    } <= names


def test_snippet_edit_in_admin_saves_a_draft_then_publishes(editor_client, organisation):
    url = reverse("wagtailsnippets_news_organisation:edit", args=(organisation.pk,))
    data = {
        "name": organisation.name,
        "slug": organisation.slug,
        "website": organisation.website,
        "logo": organisation.logo_id,
        "membership_level": "premier",
        "boilerplate": rich_text("<p>Reviewed text.</p>"),
        "legal_notice": rich_text(""),
    }
    response = editor_client.post(url, data)
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert "Reviewed text" not in organisation.boilerplate
    assert organisation.has_unpublished_changes
    response = editor_client.post(url, {**data, "action-publish": "publish"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert "Reviewed text" in organisation.boilerplate


# --- Derived fields -------------------------------------------------------------------------


def test_news_page_derives_people_organisations_and_reading_time(news_index, person, organisation):
    words = " ".join(["word"] * 700)
    page = publish_news_page(
        news_index,
        title="Derived",
        body=[
            ("paragraph", f"<p>{words}</p>"),
            ("quote", {"text": "Quoted", "person": person}),
            ("boilerplate", {"organisation": organisation}),
        ],
    )
    assert set(page.people.all()) == {person}
    assert set(page.organisations.all()) == {organisation}
    assert page.reading_time == 4  # ~705 words at 230 words a minute
    assert page.date is not None  # defaults to first publish


# --- The editor's real form -----------------------------------------------------------------


def test_editor_creates_and_publishes_a_post_with_every_block(
    editor_client, news_index, person, organisation, image
):
    category = NewsCategory.objects.get(slug="announcement")
    table = {
        "data": [["Level", "Count"], ["Premier", "3"]],
        "table_header_choice": "row",
        "table_caption": "Members",
    }
    body = streamfield(
        [
            (
                "paragraph",
                rich_text('<p>Hello <b>world</b> and <a href="https://x.org">x</a>.</p>'),
            ),
            ("heading", {"text": "Section", "level": "h2", "anchor": ""}),
            (
                "image",
                {
                    "image": image.pk,
                    "alt_text": "",
                    "caption": "Cap",
                    "credit": "Me",
                    "alignment": "right",
                    "max_width": "250",
                },
            ),
            (
                "quote",
                {
                    "text": "We are proud.",
                    "person": person.pk,
                    "attribution_name": "",
                    "attribution_role": "",
                    "attribution_organisation": "",
                },
            ),
            ("bio", {"person": person.pk, "heading": "About the speaker"}),
            (
                "boilerplate",
                {"organisation": organisation.pk, "boilerplate_override": rich_text("")},
            ),
            ("call_to_action", {"label": "Join", "page": "", "url": "https://example.org/join"}),
            ("embed", {"url": "https://vimeo.com/76979871", "title": "Video", "caption": ""}),
            ("code", {"language": "python", "code": "print('hi')"}),
            ("table", json.dumps(table)),
        ]
    )
    data = nested_form_data(
        {
            "title": "Example Corp joins the Foundation",
            "slug": "example-corp-joins",
            "subtitle": "A premier member",
            "date": "2026-11-01 10:00",
            "byline": "",
            "summary": "Example Corp becomes a premier member.",
            "feature_image": image.pk,
            "feature_image_alt": "",
            "category": category.pk,
            "tags": "membership, premier",
            "canonical_url": "",
            "seo_title": "",
            "search_description": "",
            "authors": inline_formset([{"person": person.pk}]),
            "body": body,
            "action-publish": "publish",
        }
    )
    url = reverse("wagtailadmin_pages:add", args=("news", "newspage", news_index.pk))
    response = editor_client.post(url, data)
    if response.status_code != 302:
        body_errors = response.context["form"].errors.get("body")
        errors = body_errors.as_data()[0].as_json_data() if body_errors else None
        pytest.fail(f"form refused: {errors or response.context['form'].errors}")
    page = NewsPage.objects.get(slug="example-corp-joins")
    assert page.live
    assert [block.block_type for block in page.body] == [
        "paragraph",
        "heading",
        "image",
        "quote",
        "bio",
        "boilerplate",
        "call_to_action",
        "embed",
        "code",
        "table",
    ]
    assert page.body[2].value["max_width"] == 250
    assert page.body[3].value["person"] == person
    assert [a.person for a in page.authors.all()] == [person]
    assert sorted(t.name for t in page.tags.all()) == ["membership", "premier"]
    assert page.category == category
    assert set(page.organisations.all()) == {organisation}


def test_editor_sees_what_to_fix_for_an_invalid_block(editor_client, news_index, person):
    body = streamfield(
        [
            (
                "quote",
                {
                    "text": "Unattributed.",
                    "person": "",
                    "attribution_name": "",
                    "attribution_role": "",
                    "attribution_organisation": "",
                },
            )
        ]
    )
    data = nested_form_data(
        {
            "title": "Broken",
            "slug": "broken",
            "summary": "",
            "tags": "",
            "authors": inline_formset([]),
            "body": body,
            "action-publish": "publish",
        }
    )
    url = reverse("wagtailadmin_pages:add", args=("news", "newspage", news_index.pk))
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert not NewsPage.objects.filter(slug="broken").exists()
    assert "Say who said this" in response.content.decode()


def test_plain_text_separates_block_elements_but_not_inline_ones():
    from news.read.richtext import plain_text

    html = "<ul><li>alpha</li><li>beta</li></ul><p>in<b>line</b></p><h3>head</h3><p>tail</p>"
    assert plain_text(html) == "alpha beta inline head tail"
