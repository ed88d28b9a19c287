"""The news endpoints: listing filters, resolved detail, route lookup, snippets, feeds, v2/v3.

Also: nothing unpublished, private or expired appears in any endpoint.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, PageViewRestriction

from news.models import NewsPageAuthor
from news.snippets import NewsCategory, Organisation, Person
from tests.conftest import publish_news_page
from tests.test_api_support import publish_rich_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_post(news_index):
    return publish_rich_post(news_index, repeats=1, distinct=1, title="Rich")


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


# --- Detail: what a post looks like ----------------------------------------------------------


def test_detail_resolves_every_block(client, rich_post):
    response = client.get(f"/api/v3/news/{rich_post.pk}/")
    assert response.status_code == 200
    data = response.json()
    body = {b["type"]: b["value"] for b in data["body"]}
    assert set(body) == {
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
    }
    target_path = "/news/rich-target/"
    # Rich text: frontend paths, download URLs, <img> with renditions; no internal markup.
    html = body["paragraph"]["html"]
    assert f'href="{target_path}"' in html
    assert 'href="/documents/' in html
    assert "<img" in html and "srcset=" in html
    assert "linktype" not in html and "<embed" not in html
    # Image block: metadata and renditions (three widths, each also WebP).
    image = body["image"]
    assert (image["alt"], image["caption"], image["credit"], image["alignment"]) == (
        "A picture",
        "Caption",
        "Credit",
        "full",
    )
    widths = {(r["width"], r["format"]) for r in image["image"]["renditions"]}
    assert len(image["image"]["renditions"]) == 6
    assert {fmt for _, fmt in widths} == {"png", "webp"}
    assert image["image"]["srcset"].count("w,") >= 1
    # Quote (person), bio and boilerplate: resolved snippets.
    person = Person.objects.get(name="Rich Person 0")
    quote = next(b["value"] for b in data["body"] if b["type"] == "quote")
    assert quote["attribution"]["name"] == person.name
    assert quote["attribution"]["organisation"]["name"] == "Rich Org 0"
    assert quote["attribution"]["headshot"]["renditions"]
    free = [b["value"] for b in data["body"] if b["type"] == "quote"][1]
    assert free["attribution"]["name"] == "Sam Free"
    assert free["attribution"]["organisation"]["name"] == "Free Org"
    assert body["bio"]["person"]["bio_html"] == "<p>Person 0.</p>"
    assert body["boilerplate"]["heading"] == "About Rich Org 0"
    assert body["boilerplate"]["html"] == "<p>Org 0 builds things.</p>"
    assert body["boilerplate"]["organisation"]["logo"]["renditions"]
    assert body["call_to_action"] == {"label": "Read", "url": target_path, "is_external": False}
    assert body["embed"]["provider"] == "youtube"
    assert body["table"]["header"] == ["Level", "Members"]
    # The page itself.
    assert data["path"] == "/news/rich/"
    assert data["authors"][0]["name"] == person.name
    assert data["tags"] == ["lattice"]
    assert data["organisations"][0]["slug"] == "rich-org-0"
    assert data["reading_time"] >= 1
    assert data["seo"]["social_image"]["width"] == 640
    assert data["feature_image"]["renditions"]


def test_detail_related_posts_share_a_tag_or_organisation(client, news_index, rich_post):
    sibling = publish_news_page(news_index, title="Sibling")
    sibling.tags.add("lattice")
    sibling.save_revision().publish()
    publish_news_page(news_index, title="Unrelated")
    data = client.get(f"/api/v3/news/{rich_post.pk}/").json()
    related = {card["title"] for card in data["related"]}
    assert "Sibling" in related
    assert "Unrelated" not in related
    assert len(data["related"]) <= 3


def test_snippet_draft_changes_do_not_show(client, rich_post):
    organisation = Organisation.objects.get(name="Rich Org 0")
    organisation.boilerplate = "<p>Unreviewed draft text.</p>"
    organisation.save_revision()  # a draft only
    data = client.get(f"/api/v3/news/{rich_post.pk}/").json()
    boilerplate = next(b for b in data["body"] if b["type"] == "boilerplate")
    assert boilerplate["value"]["html"] == "<p>Org 0 builds things.</p>"


def test_unpublished_person_is_left_out(client, rich_post):
    Person.objects.get(name="Rich Person 0").unpublish()
    person = Person.objects.get(name="Rich Person 0")
    assert person.live is False
    data = client.get(f"/api/v3/news/{rich_post.pk}/").json()
    assert data["authors"] == []
    bio = next(b for b in data["body"] if b["type"] == "bio")
    assert bio["value"]["person"] is None


# --- Listing ---------------------------------------------------------------------------------


@pytest.fixture
def three_posts(news_index, person, organisation):
    release = NewsCategory.objects.get(slug="release")
    old = publish_news_page(
        news_index,
        title="Old post",
        date=dt.datetime(2024, 3, 10, tzinfo=dt.UTC),
        category=release,
    )
    middle = publish_news_page(
        news_index,
        title="Middle post",
        date=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
        authors=[NewsPageAuthor(person=person)],
    )
    middle.tags.add("security")
    middle.save_revision().publish()
    new = publish_news_page(
        news_index, title="New post", date=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    )
    return old, middle, new


def test_listing_newest_first_with_pagination(client, three_posts):
    old, middle, new = three_posts
    response = client.get("/api/v3/news/?limit=2")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert ids(response) == [new.pk, middle.pk]
    assert ids(client.get("/api/v3/news/?limit=2&offset=2")) == [old.pk]
    assert ids(client.get("/api/v3/news/?ordering=date")) == [old.pk, middle.pk, new.pk]
    assert ids(client.get("/api/v3/news/?ordering=title")) == [middle.pk, new.pk, old.pk]


def test_listing_card_fields(client, three_posts):
    card = client.get("/api/v3/news/?limit=1&offset=1").json()["items"][0]
    assert set(card) >= {
        "id",
        "title",
        "path",
        "date",
        "summary",
        "feature_image",
        "authors",
        "category",
        "tags",
        "organisations",
        "reading_time",
    }
    assert card["authors"][0]["name"] == "Ada Example"
    assert card["organisations"][0]["slug"] == "example-corp"
    assert card["path"] == "/news/middle-post/"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("tag=security", ["Middle post"]),
        ("tag=Security", ["Middle post"]),
        ("category=release", ["Old post"]),
        ("organisation=example-corp", ["Middle post"]),
        ("person=ada-example", ["Middle post"]),
        ("year=2025", ["Middle post"]),
        ("year=2024&month=3", ["Old post"]),
        ("year=2024&month=4", []),
        ("date_from=2025-01-01", ["New post", "Middle post"]),
        ("date_to=2025-06-01", ["Middle post", "Old post"]),
        ("date_from=2025-06-01&date_to=2025-06-01", ["Middle post"]),
        ("tag=nope", []),
        ("category=nope", []),
    ],
)
def test_listing_filters(client, three_posts, query, expected):
    response = client.get(f"/api/v3/news/?{query}")
    assert response.status_code == 200, response.content
    assert [item["title"] for item in response.json()["items"]] == expected


# --- Nothing unpublished, private or expired leaks --------------------------------------------


@pytest.fixture
def hidden_posts(news_index, home_page):
    visible = publish_news_page(news_index, title="Visible post")
    visible.tags.add("shared")
    visible.save_revision().publish()

    draft = publish_news_page(news_index, title="Draft post")
    draft.tags.add("shared")
    draft.save_revision().publish()
    draft.unpublish()

    expired = publish_news_page(
        news_index, title="Expired post", expire_at=timezone.now() + dt.timedelta(seconds=1)
    )
    expired.tags.add("shared")
    expired.save_revision().publish()
    # Past its expiry, but the publish_scheduled command has not run: still live=True.
    type(expired).objects.filter(pk=expired.pk).update(
        expire_at=timezone.now() - dt.timedelta(minutes=1)
    )

    private = publish_news_page(news_index, title="Private post")
    private.tags.add("shared")
    private.save_revision().publish()
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    return visible, {"draft": draft, "expired": expired, "private": private}


def test_hidden_posts_never_appear(client, hidden_posts):
    visible, hidden = hidden_posts
    hidden_ids = {page.pk for page in hidden.values()}
    hidden_titles = {page.title for page in hidden.values()}

    assert ids(client.get("/api/v3/news/")) == [visible.pk]
    assert ids(client.get("/api/v3/news/?tag=shared")) == [visible.pk]
    visible_detail = client.get(f"/api/v3/news/{visible.pk}/").json()
    assert not {card["id"] for card in visible_detail["related"]} & hidden_ids
    for page in hidden.values():
        assert client.get(f"/api/v3/news/{page.pk}/").status_code == 404
        assert client.get(f"/api/v3/route/?html_path=/news/{page.slug}/").status_code == 404
        # Wagtail's own endpoints too.
        assert client.get(f"/api/v3/pages/{page.pk}/").status_code == 404
        assert client.get(f"/api/v2/pages/{page.pk}/").status_code == 404
        assert client.get(f"/api/v3/pages/find/?html_path=/news/{page.slug}/").status_code == 404
    for url in ("/api/v3/pages/?limit=100", "/api/v2/pages/?limit=100"):
        listed = {item["id"] for item in client.get(url).json()["items"]}
        assert visible.pk in listed
        assert not listed & hidden_ids, url
    for url in ("/api/v3/feeds/news.rss", "/api/v3/feeds/news.atom"):
        text = client.get(url).content.decode()
        assert "Visible post" in text
        assert not any(title in text for title in hidden_titles), url


def test_link_to_hidden_page_is_not_resolved(client, news_index, hidden_posts):
    _, hidden = hidden_posts
    draft = hidden["draft"]
    page = publish_news_page(
        news_index,
        title="Links",
        body=json.dumps(
            [{"type": "paragraph", "value": f'<p><a linktype="page" id="{draft.pk}">x</a></p>'}]
        ),
    )
    html = client.get(f"/api/v3/news/{page.pk}/").json()["body"][0]["value"]["html"]
    assert "href" not in html
    assert draft.slug not in html


def test_snippet_endpoints_list_only_published(client, person, organisation):
    draft_org = Organisation(name="Draft Org", live=False)
    draft_org.save()
    draft_person = Person(name="Draft Person", live=False, organisation=organisation)
    draft_person.save()

    orgs = client.get("/api/v3/organisations/").json()
    assert [o["slug"] for o in orgs["items"]] == ["example-corp"]
    assert orgs["items"][0]["about_heading"] == "About Example Corp"
    assert orgs["items"][0]["boilerplate_html"] == "<p>Example Corp builds example things.</p>"
    people = client.get("/api/v3/persons/").json()
    assert [p["slug"] for p in people["items"]] == ["ada-example"]
    assert people["items"][0]["organisation"]["name"] == "Example Corp"

    assert client.get("/api/v3/organisations/example-corp/").json()["id"] == organisation.pk
    assert client.get(f"/api/v3/organisations/{organisation.pk}/").json()["slug"] == "example-corp"
    assert client.get("/api/v3/persons/ada-example/").json()["id"] == person.pk
    assert client.get(f"/api/v3/persons/{draft_person.pk}/").status_code == 404
    assert client.get("/api/v3/organisations/draft-org/").status_code == 404
    # Wagtail's snippet endpoints need a token: anonymous readers get nothing there.
    assert client.get("/api/v3/snippets/news.Person/").status_code in (401, 403, 404)


def test_person_at_unpublished_organisation_has_no_organisation(client, person, organisation):
    organisation.unpublish()
    data = client.get(f"/api/v3/persons/{person.pk}/").json()
    assert data["organisation"] is None


# --- Route lookup ----------------------------------------------------------------------------


def test_route_lookup_page(client, rich_post, news_index, home_page):
    data = client.get("/api/v3/route/?html_path=/news/rich/").json()
    assert data["id"] == rich_post.pk
    assert data == client.get(f"/api/v3/news/{rich_post.pk}/").json()
    assert client.get("/api/v3/route/?html_path=/news/rich").json()["id"] == rich_post.pk
    index = client.get("/api/v3/route/?html_path=/news/").json()
    assert (index["type"], index["id"]) == ("news.NewsIndexPage", news_index.pk)
    home = client.get("/api/v3/route/?html_path=/").json()
    assert (home["type"], home["id"]) == ("home.HomePage", home_page.pk)


def test_route_lookup_redirects_and_404(client, rich_post):
    Redirect.objects.create(old_path="/old-rich", redirect_page=rich_post, is_permanent=True)
    Redirect.objects.create(
        old_path="/elsewhere", redirect_link="https://example.org/x", is_permanent=False
    )
    moved = client.get("/api/v3/route/?html_path=/old-rich/")
    assert moved.status_code == 200
    assert moved.json() == {
        "type": "redirect",
        "status": 301,
        "location": "/news/rich/",
        "is_permanent": True,
    }
    external = client.get("/api/v3/route/?html_path=/elsewhere").json()
    assert (external["status"], external["location"]) == (302, "https://example.org/x")
    missing = client.get("/api/v3/route/?html_path=/no/such/page/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json()["status"] == 404


def test_redirect_to_unpublished_page_is_a_404(client, news_index):
    page = publish_news_page(news_index, title="Soon gone")
    Redirect.objects.create(old_path="/gone", redirect_page=page)
    page.unpublish()
    assert client.get("/api/v3/route/?html_path=/gone/").status_code == 404


# --- Feeds -----------------------------------------------------------------------------------


def test_feeds_link_to_the_frontend(client, settings, three_posts):
    settings.NEWSROOM_FRONTEND_URL = "https://news.example.org"
    rss = client.get("/api/v3/feeds/news.rss")
    assert rss.status_code == 200
    assert rss["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(rss.content).find("channel")
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["New post", "Middle post", "Old post"]
    assert items[1].findtext("link") == "https://news.example.org/news/middle-post/"
    assert rss["ETag"]

    atom = client.get("/api/v3/feeds/news.atom")
    assert atom["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(atom.content).findall("a:entry", ns)
    assert len(entries) == 3
    assert entries[0].find("a:link", ns).get("href") == "https://news.example.org/news/new-post/"


# --- v2 and Wagtail's own v3 pages endpoints give the same body ------------------------------


def test_v2_and_stock_v3_body_equal_newsroom_body(client, rich_post):
    newsroom = client.get(f"/api/v3/news/{rich_post.pk}/").json()["body"]
    stock_v3 = client.get(f"/api/v3/pages/{rich_post.pk}/").json()
    v2 = client.get(f"/api/v2/pages/{rich_post.pk}/").json()
    assert stock_v3["body"] == newsroom
    assert v2["body"] == newsroom
    assert "linktype" not in str(v2["body"])
    assert v2["summary"] == "Summary of Rich"


def test_v2_images_and_documents_are_mounted(client, image):
    assert client.get("/api/v2/images/").json()["meta"]["total_count"] >= 1
    assert client.get("/api/v2/documents/").status_code == 200


def test_listing_compares_expiry_with_the_database_clock(client, news_index):
    # The listing's statement uses the database's own clock (compiled once per process), so
    # check the boundary on both sides, to the second, on SQLite's text datetimes as well.
    soon = publish_news_page(
        news_index, title="Expires soon", expire_at=timezone.now() + dt.timedelta(minutes=1)
    )
    just_gone = publish_news_page(
        news_index, title="Just expired", expire_at=timezone.now() + dt.timedelta(minutes=1)
    )
    type(just_gone).objects.filter(pk=just_gone.pk).update(
        expire_at=timezone.now() - dt.timedelta(seconds=1)
    )
    listing = client.get("/api/v3/news/").json()
    assert [item["id"] for item in listing["items"]] == [soon.pk]
    assert listing["count"] == 1


def test_route_lookup_of_a_post_shows_only_what_readers_may_see(client, news_index, home_page):
    post = publish_news_page(news_index, title="Routed", slug="routed")
    draft = publish_news_page(news_index, title="Draft", slug="draft-routed")
    draft.unpublish()
    expired = publish_news_page(news_index, title="Expired", slug="expired-routed")
    type(expired).objects.filter(pk=expired.pk).update(
        expire_at=timezone.now() - dt.timedelta(seconds=1)
    )
    private = publish_news_page(news_index, title="Private", slug="private-routed")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    assert client.get("/api/v3/route/?html_path=/news/routed/").json()["id"] == post.pk
    for slug in ("draft-routed", "expired-routed", "private-routed"):
        answer = client.get(f"/api/v3/route/?html_path=/news/{slug}/")
        assert answer.status_code == 404, slug
    # A post of another site's tree at the same url_path is not this site's answer.
    other_root = Page.get_first_root_node().add_child(instance=Page(title="Other", slug="other"))
    other_index = other_root.add_child(instance=type(news_index)(title="News", slug="news"))
    stray = publish_news_page(other_index, title="Stray", slug="stray")
    type(stray).objects.filter(pk=stray.pk).update(url_path=f"{home_page.url_path}news/stray/")
    assert client.get("/api/v3/route/?html_path=/news/stray/").status_code == 404


def test_route_lookup_stays_within_the_site(client, home_page, news_index):
    # A live page outside the site's tree with the same url_path as the site's root (as a
    # queryset-renamed starter page can have) must not answer for the site's "/".
    stray = Page.objects.filter(depth=2, live=True).exclude(pk=home_page.pk).first()
    assert stray is not None and stray.path < home_page.path  # Wagtail's starter page
    Page.objects.filter(pk=stray.pk).update(url_path=home_page.url_path)
    answer = client.get("/api/v3/route/?html_path=/").json()
    assert (answer["id"], answer["type"]) == (home_page.pk, "home.HomePage")
