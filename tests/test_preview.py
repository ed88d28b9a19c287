"""Headless preview: the admin's real preview flow, the token checks, cleanup, snippet previews."""

from __future__ import annotations

import json
import re
import time
from html import unescape
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail_headless_preview.models import PagePreview

from cms.api import schemas
from news import preview as news_preview
from news.models import NewsPage
from news.snippets import NewsCategory, Organisation

V3 = "/api/v3/preview/"
V2 = "/api/v2/preview/"
BLOCK_TYPES = ["paragraph", "image", "quote", "bio", "boilerplate", "code", "table"]


# --- Helpers ---------------------------------------------------------------------------------


def post_form(
    title: str, *, image, person, organisation, paragraph: str, slug: str, authors=None
) -> dict:
    table = {"data": [["Level", "Count"], ["Premier", "3"]], "table_header_choice": "row"}
    body = streamfield(
        [
            ("paragraph", rich_text(f"<p>{paragraph}</p>")),
            (
                "image",
                {
                    "image": image.pk,
                    "alt_text": "Logo",
                    "caption": "",
                    "credit": "",
                    "alignment": "right",
                    "max_width": "200",
                },
            ),
            (
                "quote",
                {
                    "text": "We are proud to join.",
                    "person": person.pk,
                    "attribution_name": "",
                    "attribution_role": "",
                    "attribution_organisation": "",
                },
            ),
            ("bio", {"person": person.pk, "heading": ""}),
            (
                "boilerplate",
                {"organisation": organisation.pk, "boilerplate_override": rich_text("")},
            ),
            ("code", {"language": "python", "code": "print('hi')"}),
            ("table", json.dumps(table)),
        ]
    )
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "subtitle": "A premier member",
            "date": "2026-11-01 10:00",
            "byline": "",
            "summary": "A summary.",
            "feature_image": image.pk,
            "feature_image_alt": "",
            "category": NewsCategory.objects.get(slug="announcement").pk,
            "tags": "membership",
            "canonical_url": "",
            "seo_title": "",
            "search_description": "",
            "authors": authors or inline_formset([{"person": person.pk}]),
            "body": body,
        }
    )


def admin_preview(client, url: str, data: dict) -> dict[str, str]:
    """Send the editor's form to the admin preview view, as the editor's Preview does.

    Returns the ``content_type`` and ``token`` of the frontend URL the admin then shows.
    """
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["is_valid"], response.json()
    response = client.get(url)
    if response.status_code == 302:
        # Pages (REDIRECT_ON_PREVIEW): straight to the frontend's preview route.
        src = response["Location"]
    else:
        # Snippets: a page framing the frontend's preview route.
        assert response.status_code == 200
        src = unescape(re.search(r'<iframe src="([^"]+)"', response.content.decode()).group(1))
    parts = urlsplit(src)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://127.0.0.1:3000/preview/"
    query = parse_qs(parts.query)
    return {"content_type": query["content_type"][0], "token": query["token"][0]}


def shape(value):
    """The structure of a JSON value: dict keys, list item shapes, scalar types."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def assert_same_shape(preview, published, where="$"):
    """Same keys and the same shapes everywhere; ``None`` may stand for any scalar."""
    if isinstance(published, dict):
        assert isinstance(preview, dict), f"{where}: {preview!r} is not an object"
        assert preview.keys() == published.keys(), f"{where}: keys differ"
        for key in published:
            assert_same_shape(preview[key], published[key], f"{where}.{key}")
    elif isinstance(published, list):
        assert isinstance(preview, list), f"{where}: not a list"
        assert len(preview) == len(published), f"{where}: {len(preview)} != {len(published)}"
        for index, (a, b) in enumerate(zip(preview, published, strict=True)):
            assert_same_shape(a, b, f"{where}[{index}]")
    elif preview is not None and published is not None:
        assert type(preview) is type(published), f"{where}: {preview!r} vs {published!r}"


def published_json(page: NewsPage) -> dict:
    """The published page's JSON from the public detail endpoint (anonymous)."""
    response = Client().get(f"/api/v3/news/{page.pk}/")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def get_preview(client, params: dict, url: str = V3):
    response = client.get(url, params)
    assert response["Cache-Control"] == "private, no-store"
    return response


@pytest.fixture(autouse=True)
def empty_cache():
    # The API's response cache lives in local memory across tests, while each test's
    # database is rolled back: start every test without cached answers.
    cache.clear()


@pytest.fixture
def site_content(news_index, person, organisation, image):
    return {"index": news_index, "person": person, "organisation": organisation, "image": image}


# --- Previews of pages ------------------------------------------------------------------------


def test_preview_of_unsaved_edits_is_the_published_json_of_the_draft(
    editor_client, client, site_content
):
    data = post_form(
        "Original title", paragraph="Published words.", slug="post", **_objs(site_content)
    )
    data["action-publish"] = "publish"
    add_url = reverse("wagtailadmin_pages:add", args=("news", "newspage", site_content["index"].pk))
    assert editor_client.post(add_url, data).status_code == 302
    page = NewsPage.objects.get(slug="post")

    author = page.authors.get()
    draft = post_form(
        "Draft title",
        paragraph="Unsaved words.",
        slug="post",
        authors=inline_formset([{"id": author.pk, "person": author.person_id}], initial=1),
        **_objs(site_content),
    )
    params = admin_preview(
        editor_client, reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,)), draft
    )
    assert params["content_type"] == "news.newspage"

    client.logout()  # the frontend is anonymous: the token alone grants access
    response = get_preview(client, params)
    assert response.status_code == 200
    preview = response.json()
    published = published_json(page)

    assert preview["title"] == "Draft title"
    assert "Unsaved words." in preview["body"][0]["value"]["html"]
    assert published["title"] == "Original title"
    assert NewsPage.objects.get(pk=page.pk).title == "Original title"
    assert preview["id"] == page.pk and preview["path"] == published["path"] == "/news/post/"
    assert [b["type"] for b in preview["body"]] == [b["type"] for b in published["body"]]
    assert [b["type"] for b in preview["body"]] == BLOCK_TYPES
    assert preview["body"][2]["value"]["attribution"]["name"] == "Ada Example"
    assert preview["body"][4]["value"]["heading"] == "About Example Corp"
    assert_same_shape(preview, published)
    schemas.NewsPageDetail.model_validate(preview)  # the published contract holds for drafts
    # Apart from the edited fields, the draft's JSON is the published JSON.
    for key in ("id", "type", "slug", "subtitle", "date", "authors", "category", "tags", "seo"):
        if key != "seo":
            assert preview[key] == published[key], key
    assert preview["seo"]["description"] == published["seo"]["description"]

    v2 = get_preview(client, params, V2)
    assert v2.status_code == 200
    assert v2.json() == preview


def test_preview_of_a_page_never_saved(editor_client, client, site_content):
    index = site_content["index"]
    draft = post_form(
        "Brand new", paragraph="Never saved words.", slug="brand-new", **_objs(site_content)
    )
    params = admin_preview(
        editor_client,
        reverse("wagtailadmin_pages:preview_on_add", args=("news", "newspage", index.pk)),
        draft,
    )
    assert not NewsPage.objects.filter(slug="brand-new").exists()
    response = get_preview(client, params)
    assert response.status_code == 200
    preview = response.json()
    assert preview["id"] is None and preview["title"] == "Brand new"
    # The contract says so too: the answer validates against the served document.
    from tests.test_api_openapi import assert_valid

    document = client.get("/api/v3/openapi.json").json()
    assert_valid(document, "/api/v3/preview/", preview)
    assert "Never saved words." in preview["body"][0]["value"]["html"]
    assert [b["type"] for b in preview["body"]] == BLOCK_TYPES
    assert preview["authors"][0]["name"] == "Ada Example"
    assert preview["tags"] == ["membership"]

    # The same form, published, gives JSON of the same shape, key by key.
    draft["action-publish"] = "publish"
    add_url = reverse("wagtailadmin_pages:add", args=("news", "newspage", index.pk))
    assert editor_client.post(add_url, draft).status_code == 302
    published = published_json(NewsPage.objects.get(slug="brand-new"))
    assert_same_shape(preview, published)
    assert _without_ids(preview["body"]) == _without_ids(published["body"])


def _without_ids(blocks: list[dict]) -> list[dict]:
    return [{k: v for k, v in block.items() if k != "id"} for block in blocks]


def test_shape_comparison_notices_a_difference():
    """The comparison the two tests above rely on does fail when shapes differ."""
    with pytest.raises(AssertionError):
        assert_same_shape({"a": {"b": 1}}, {"a": {"c": 1}})
    with pytest.raises(AssertionError):
        assert_same_shape({"a": [1, 2]}, {"a": [1]})
    with pytest.raises(AssertionError):
        assert_same_shape({"a": "1"}, {"a": 1})


def test_preview_answers_are_never_cached(editor_client, client, site_content):
    page = _published_page(site_content)
    page.title = "First draft"
    row = page.create_page_preview()
    params = {"content_type": "news.newspage", "token": row.token}
    assert get_preview(client, params).json()["title"] == "First draft"
    page.title = "Second draft"
    page.update_page_preview(row.token)
    assert get_preview(client, params).json()["title"] == "Second draft"


# --- Bad tokens -------------------------------------------------------------------------------


def _published_page(site_content) -> NewsPage:
    from tests.conftest import publish_news_page

    return publish_news_page(site_content["index"], title="Live post", slug="live-post")


def _objs(site_content) -> dict:
    return {k: site_content[k] for k in ("image", "person", "organisation")}


@pytest.mark.parametrize("url", [V3, V2])
def test_bad_tokens_get_json_4xx(client, site_content, url):
    page = _published_page(site_content)
    good = page.create_page_preview().token
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 7200):
        expired = page.create_page_preview().token
    value, _, signature = good.rpartition(":")
    tampered = value.replace("id=", "id=9") + ":" + signature
    cases = [
        ({"content_type": "news.newspage"}, 400, "missing"),
        ({"token": good}, 400, "content_type"),
        ({"content_type": "news.newspage", "token": tampered}, 403, "not valid"),
        ({"content_type": "news.newspage", "token": "garbage"}, 403, "not valid"),
        ({"content_type": "news.newspage", "token": expired}, 410, "expired"),
        ({"content_type": "home.homepage", "token": good}, 400, "another content type"),
        ({"content_type": "auth.user", "token": good}, 400, "can be previewed"),
        ({"content_type": "nonsense", "token": good}, 400, "news.newspage"),
        ({"content_type": "no.such", "token": good}, 400, "can be previewed"),
    ]
    for params, status, words in cases:
        response = get_preview(client, params, url)
        assert response.status_code == status, (params, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == status and words in problem["detail"], problem
    # The good token still works, so the failures above are about the token, not the page.
    assert (
        get_preview(client, {"content_type": "news.newspage", "token": good}, url).status_code
        == 200
    )


def test_a_token_whose_row_was_cleaned_up_is_gone(client, site_content):
    page = _published_page(site_content)
    token = page.create_page_preview().token
    PagePreview.objects.filter(token=token).delete()
    response = get_preview(client, {"content_type": "news.newspage", "token": token})
    assert response.status_code == 410


def test_the_token_lifetime_is_a_setting(client, site_content, settings):
    page = _published_page(site_content)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 120):
        token = page.create_page_preview().token
    params = {"content_type": "news.newspage", "token": token}
    assert get_preview(client, params).status_code == 200
    settings.NEWSROOM_PREVIEW_TOKEN_MAX_AGE = 60
    assert get_preview(client, params).status_code == 410


def test_v2_preview_refuses_other_methods(client):
    response = client.post(V2)
    assert response.status_code == 405
    assert response.json()["status"] == 405


# --- Cleanup ----------------------------------------------------------------------------------


def _preview_rows(site_content) -> dict[str, str]:
    page = _published_page(site_content)
    fresh = page.create_page_preview().token
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 7200):
        expired = page.create_page_preview().token
    forged = PagePreview.objects.create(
        token="id=1:abc:forged", content_type=page.content_type, content_json="{}"
    ).token
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 30):
        old = page.create_page_preview()  # a distinct token (another second), still valid
    PagePreview.objects.filter(pk=old.pk).update(created_at="2020-01-01")
    return {"fresh": fresh, "expired": expired, "forged": forged, "old": old.token}


def test_clean_previews_command_deletes_expired_rows(site_content):
    tokens = _preview_rows(site_content)
    out = _call("clean_previews")
    # expired (old timestamp), forged (no valid signature), old (created years ago)
    assert "Deleted 3 expired preview(s)." in out
    assert set(PagePreview.objects.values_list("token", flat=True)) == {tokens["fresh"]}
    assert "Deleted 0 expired preview(s)." in _call("clean_previews")
    # With a lifetime of -1 s even the fresh token counts as expired.
    assert "Deleted 1 expired preview(s)." in _call("clean_previews", "--max-age", "-1")
    assert not PagePreview.objects.exists()


def test_previewing_cleans_up_now_and_then(client, site_content):
    tokens = _preview_rows(site_content)
    cache.delete(news_preview.CLEANUP_CACHE_KEY)
    response = get_preview(client, {"content_type": "news.newspage", "token": tokens["fresh"]})
    assert response.status_code == 200
    assert set(PagePreview.objects.values_list("token", flat=True)) == {tokens["fresh"]}


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- Snippets ---------------------------------------------------------------------------------


def test_organisation_draft_previews_as_a_sample_post(editor_client, client, organisation):
    url = reverse("wagtailsnippets_news_organisation:preview_on_edit", args=(organisation.pk,))
    data = nested_form_data(
        {
            "name": "Example Corp",
            "slug": organisation.slug,
            "website": "https://example.com",
            "logo": organisation.logo_id,
            "membership_level": "premier",
            "boilerplate": rich_text("<p>Draft boilerplate, not yet published.</p>"),
            "legal_notice": rich_text(""),
        }
    )
    params = admin_preview(editor_client, url, data)
    assert params["content_type"] == "news.organisation"
    response = get_preview(client, params)
    assert response.status_code == 200
    sample = response.json()
    boilerplate = [b for b in sample["body"] if b["type"] == "boilerplate"][0]["value"]
    assert boilerplate["heading"] == "About Example Corp"
    assert "Draft boilerplate" in boilerplate["html"]
    logo = [b for b in sample["body"] if b["type"] == "image"][0]["value"]
    assert logo["alignment"] == "right" and logo["image"]["srcset"]
    assert "Draft boilerplate" not in Organisation.objects.get(pk=organisation.pk).boilerplate
    # A snippet token is not a page token.
    wrong = get_preview(client, {**params, "content_type": "news.newspage"})
    assert wrong.status_code == 400


def test_person_draft_previews_in_a_quote_and_a_bio(editor_client, client, person):
    url = reverse("wagtailsnippets_news_person:preview_on_edit", args=(person.pk,))
    data = nested_form_data(
        {
            "name": "Ada Renamed",
            "slug": person.slug,
            "role": "Chief Draft Officer",
            "organisation": person.organisation_id,
            "headshot": person.headshot_id,
            "bio": rich_text("<p>A draft bio.</p>"),
        }
    )
    params = admin_preview(editor_client, url, data)
    sample = get_preview(client, params).json()
    quote = [b for b in sample["body"] if b["type"] == "quote"][0]["value"]
    bio = [b for b in sample["body"] if b["type"] == "bio"][0]["value"]
    assert quote["attribution"]["name"] == "Ada Renamed"
    assert quote["attribution"]["role"] == "Chief Draft Officer"
    assert quote["attribution"]["organisation"]["name"] == "Example Corp"
    assert bio["person"]["bio_html"] == "<p>A draft bio.</p>"
    assert bio["heading"] == "About Ada Renamed"


# --- View live ------------------------------------------------------------------------------


def test_view_live_goes_to_the_frontend(client, site_content):
    page = _published_page(site_content)
    response = client.get("/news/live-post/")
    assert response.status_code == 302
    assert response["Location"] == "http://127.0.0.1:3000/news/live-post/"
    assert page.url == "/news/live-post/"


# --- Stale tokens: the page changed after the token was issued (issue 14, finding 7) --------


def _assert_gone(client, params, words: str) -> None:
    for url in (V3, V2):
        response = get_preview(client, params, url)
        assert response.status_code == 410, (url, response.content)
        assert response["Content-Type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 410 and words in problem["detail"], problem
        schemas.Problem.model_validate(problem)
    # The contract declares the answer.
    document = Client().get("/api/v3/openapi.json").json()
    operation = next(
        op
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and op.get("operationId") == "preview_draft"
    )
    assert "410" in {str(status) for status in operation["responses"]}


def _page_token(page) -> dict[str, str]:
    return {"content_type": "news.newspage", "token": page.create_page_preview().token}


def test_a_token_stops_working_when_its_page_is_published_again(client, site_content):
    page = _published_page(site_content)
    params = _page_token(page)
    assert get_preview(client, params).status_code == 200
    page.save_revision()  # saving a draft keeps the preview going
    assert get_preview(client, params).status_code == 200
    page.save_revision().publish()
    _assert_gone(client, params, "published again")


def test_a_token_stops_working_when_its_draft_page_is_published(client, site_content):
    page = NewsPage(title="Never published", slug="never-published", live=False)
    site_content["index"].add_child(instance=page)
    page.save_revision()
    params = _page_token(page)
    assert get_preview(client, params).status_code == 200
    NewsPage.objects.get(pk=page.pk).get_latest_revision().publish()
    _assert_gone(client, params, "has been published")


def test_a_token_stops_working_when_its_page_is_unpublished(client, site_content):
    page = _published_page(site_content)
    params = _page_token(page)
    page.unpublish()
    _assert_gone(client, params, "unpublished")


def test_a_token_stops_working_when_its_page_is_moved(client, site_content):
    from news.models import NewsIndexPage

    page = _published_page(site_content)
    params = _page_token(page)
    other = NewsIndexPage(title="Archive", slug="archive")
    site_content["index"].get_parent().add_child(instance=other)
    other.save_revision().publish()
    NewsPage.objects.get(pk=page.pk).move(other, pos="last-child")
    _assert_gone(client, params, "moved")


def test_a_token_stops_working_when_its_page_is_deleted(client, site_content):
    page = _published_page(site_content)
    params = _page_token(page)
    NewsPage.objects.get(pk=page.pk).delete()
    _assert_gone(client, params, "deleted")


def test_a_new_pages_token_stops_working_when_its_parent_is_deleted(client, site_content):
    from news.models import NewsIndexPage

    parent = NewsIndexPage(title="Doomed", slug="doomed")
    site_content["index"].get_parent().add_child(instance=parent)
    page = NewsPage(title="Unsaved", slug="unsaved")
    page.path, page.depth = parent.path + "0001", parent.depth + 1  # as the add view does
    params = {"content_type": "news.newspage", "token": page.create_page_preview().token}
    assert get_preview(client, params).status_code == 200
    NewsIndexPage.objects.get(pk=parent.pk).delete()
    _assert_gone(client, params, "deleted")


def test_a_snippet_token_stops_working_when_the_snippet_is_published(
    editor_client, client, organisation
):
    url = reverse("wagtailsnippets_news_organisation:preview_on_edit", args=(organisation.pk,))
    data = nested_form_data(
        {
            "name": "Example Corp",
            "slug": organisation.slug,
            "website": "https://example.com",
            "logo": organisation.logo_id,
            "membership_level": "premier",
            "boilerplate": rich_text("<p>Draft boilerplate.</p>"),
            "legal_notice": rich_text(""),
        }
    )
    params = admin_preview(editor_client, url, data)
    assert get_preview(client, params).status_code == 200
    Organisation.objects.get(pk=organisation.pk).save_revision().publish()
    _assert_gone(client, params, "published again")
    params = admin_preview(editor_client, url, data)
    assert get_preview(client, params).status_code == 200
    Organisation.objects.get(pk=organisation.pk).delete()
    _assert_gone(client, params, "deleted")


# --- What a preview shows: published snippets only (issue 14, finding 8) ---------------------


def test_a_page_preview_shows_only_published_people_and_organisations(
    editor_client, client, site_content
):
    from news.snippets import Person

    # Drafts an editor may pick in a chooser, never published: readers must not see them.
    draft_org = Organisation(
        name="Stealth Merger Co",
        website="https://stealth.example",
        membership_level="premier",
        boilerplate="<p>Unannounced merger text.</p>",
        live=False,
    )
    draft_org.save()
    draft_org.save_revision()
    draft_person = Person(
        name="Secret Hire",
        role="Unannounced role",
        organisation=draft_org,
        bio="<p>Unannounced bio.</p>",
        live=False,
    )
    draft_person.save()
    draft_person.save_revision()
    objs = {**_objs(site_content), "person": draft_person, "organisation": draft_org}

    data = post_form("Post", paragraph="Words.", slug="post", **objs)
    data["action-publish"] = "publish"
    add_url = reverse("wagtailadmin_pages:add", args=("news", "newspage", site_content["index"].pk))
    assert editor_client.post(add_url, data).status_code == 302
    page = NewsPage.objects.get(slug="post")
    published = published_json(page)

    author = page.authors.get()
    draft = post_form(
        "Post",
        paragraph="Words.",
        slug="post",
        authors=inline_formset([{"id": author.pk, "person": author.person_id}], initial=1),
        **objs,
    )
    params = admin_preview(
        editor_client, reverse("wagtailadmin_pages:preview_on_edit", args=(page.pk,)), draft
    )
    preview = get_preview(client, params).json()
    text = json.dumps(preview)
    for secret in ("Stealth Merger", "Unannounced", "Secret Hire"):
        assert secret not in text, secret
    # Exactly the fallbacks of the published page.
    for kind in ("quote", "bio", "boilerplate"):
        mine = [b["value"] for b in preview["body"] if b["type"] == kind]
        theirs = [b["value"] for b in published["body"] if b["type"] == kind]
        assert mine == theirs, kind
    assert preview["authors"] == published["authors"] == []
    assert preview["organisations"] == published["organisations"] == []
    schemas.NewsPageDetail.model_validate(preview)
