"""Hardening (issue 14): hidden pages stay hidden behind redirects (finding 1), v2 search works
and respects privacy (finding 3), listing filters accept only published people and
organisations (finding 9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.models import APIToken, Collection, CollectionViewRestriction, PageViewRestriction

from news.models import NewsPage
from news.snippets import Organisation, Person
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(news_index):
    visible = publish_news_page(news_index, title="Visible walrus post", slug="visible")
    draft = publish_news_page(news_index, title="Draft walrus post", slug="secret-draft")
    draft.unpublish()
    expired = publish_news_page(news_index, title="Expired walrus post", slug="expired")
    NewsPage.objects.filter(pk=expired.pk).update(
        expire_at=timezone.now() - dt.timedelta(minutes=1)
    )
    private = publish_news_page(news_index, title="Private walrus post", slug="private")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    return {"visible": visible, "draft": draft, "expired": expired, "private": private}


@pytest.fixture
def redirects(pages):
    return {
        name: Redirect.objects.create(old_path=f"/old-{name}", redirect_page=page)
        for name, page in pages.items()
    } | {"link": Redirect.objects.create(old_path="/old-link", redirect_link="https://x.org/")}


# --- Finding 1: redirects -----------------------------------------------------------------------

HIDDEN = ("draft", "expired", "private")


def test_redirect_listing_leaves_out_redirects_to_hidden_pages(client, redirects, pages):
    response = client.get("/api/v3/redirects/?limit=100")
    assert response.status_code == 200
    listed = {item["old_path"] for item in response.json()["items"]}
    assert listed == {"/old-visible", "/old-link"}
    body = response.content.decode()
    for name in HIDDEN:
        assert f'"redirect_page_id":{pages[name].pk}' not in body.replace(" ", "")
    assert response.json()["count"] == 2


def test_redirect_detail_and_find_of_a_hidden_target_are_404(client, redirects):
    for name in HIDDEN:
        assert client.get(f"/api/v3/redirects/{redirects[name].pk}/").status_code == 404
        found = client.get("/api/v3/redirects/find/", {"html_path": f"/old-{name}"})
        assert found.status_code == 404
        assert client.get("/api/v3/redirects/find/", {"id": redirects[name].pk}).status_code == 404
    assert client.get(f"/api/v3/redirects/{redirects['visible'].pk}/").status_code == 200
    found = client.get("/api/v3/redirects/find/", {"html_path": "/old-visible"})
    assert found.status_code == 302


def test_editors_who_manage_redirects_still_see_them_all(client, redirects, django_user_model):
    user = django_user_model.objects.create_superuser("redirector", "r@example.org", "pw")
    _, plaintext = APIToken.create_token(user=user, name="tests")
    response = client.get("/api/v3/redirects/?limit=100", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.json()["count"] == 5


def test_redirect_middleware_does_not_reveal_hidden_pages(client, redirects):
    for name in HIDDEN:
        response = client.get(f"/old-{name}/")
        assert response.status_code == 404, name
        assert "Location" not in response
    response = client.get("/old-visible/")
    assert response.status_code == 301
    assert response["Location"].endswith("/visible/")
    assert client.get("/old-link/?x=1")["Location"] == "https://x.org/"


# --- Finding 3: v2 search -----------------------------------------------------------------------


def test_v2_page_search_finds_only_what_readers_may_see(client, pages):
    response = client.get("/api/v2/pages/", {"search": "walrus"})
    assert response.status_code == 200, response.content
    titles = {item["title"] for item in response.json()["items"]}
    assert titles == {"Visible walrus post"}
    typed = client.get("/api/v2/pages/", {"search": "walrus", "type": "news.NewsPage"})
    assert typed.status_code == 200, typed.content
    assert [item["title"] for item in typed.json()["items"]] == ["Visible walrus post"]
    assert client.get("/api/v2/pages/", {"search": "nothing-like-it"}).json()["items"] == []


@pytest.fixture
def documents(db):
    root = Collection.get_first_root_node()
    secret = root.add_child(name="Board papers")
    CollectionViewRestriction.objects.create(collection=secret, restriction_type="login")
    inner = secret.add_child(name="Board papers 2024")
    document = get_document_model()
    public = document(title="Walrus annual report", collection=root)
    public.file.save("report.txt", ContentFile(b"public"), save=True)
    hidden = [document(title="Walrus merger plan", collection=secret)]
    hidden.append(document(title="Walrus board minutes", collection=inner))
    for doc in hidden:
        doc.file.save("plan.txt", ContentFile(b"secret"), save=True)
    return public, hidden


def test_v2_document_search_answers_and_leaves_out_restricted_collections(client, documents):
    response = client.get("/api/v2/documents/", {"search": "walrus"})
    assert response.status_code == 200, response.content
    assert [item["title"] for item in response.json()["items"]] == ["Walrus annual report"]
    assert client.get("/api/v2/documents/", {"search": "x"}).status_code == 200
    listing = client.get("/api/v2/documents/").json()["items"]
    assert [item["title"] for item in listing] == ["Walrus annual report"]


@pytest.mark.parametrize(
    "params",
    [
        {"search": "walrus", "search_operator": "or"},
        {"search": "walrus", "search_operator": "nonsense"},
        {"search": "walrus", "order": "title"},
        {"search": "walrus", "order": "nosuchfield"},
        {"search": "walrus", "tags": "x"},
        {"search": "walrus", "limit": "5", "offset": "1"},
        {"search": ""},
        {"search": "a" * 5000},
        {"search": "walrus", "title": "Visible walrus post"},
    ],
)
def test_v2_search_never_answers_5xx(client, pages, documents, params):
    for endpoint in ("pages", "documents", "images"):
        response = client.get(f"/api/v2/{endpoint}/", params)
        assert response.status_code < 500, (endpoint, params, response.content[:300])


# --- Finding 9: filters accept only published people and organisations --------------------------


@pytest.fixture
def unpublished_mentions(news_index, person, organisation):
    draft_org = Organisation(name="Stealth Startup", slug="stealth-startup", live=False)
    draft_org.save()
    draft_person = Person(name="Secret Hire", slug="secret-hire", live=False)
    draft_person.save()
    post = publish_news_page(news_index, title="Mentions everyone")
    # As if the body quoted them (saving the page derives these relations from its content).
    for org in (organisation, draft_org):
        NewsPage.organisations.through.objects.create(newspage_id=post.pk, organisation=org)
    for someone in (person, draft_person):
        NewsPage.people.through.objects.create(newspage_id=post.pk, person=someone)
    return draft_org, draft_person, post, organisation, person


@pytest.mark.parametrize("endpoint", ["/api/v3/news/", "/api/v3/search/?q=mentions&"])
def test_unpublished_slugs_filter_like_made_up_ones(client, unpublished_mentions, endpoint):
    draft_org, draft_person, post, organisation, person = unpublished_mentions
    through = NewsPage.organisations.through.objects.filter(newspage_id=post.pk)
    assert set(through.values_list("organisation__slug", flat=True)) >= {draft_org.slug}
    sep = "" if endpoint.endswith("&") else "?"

    def answer(query: str) -> tuple[int, int]:
        response = client.get(f"{endpoint}{sep}{query}")
        return response.status_code, response.json()["count"]

    assert answer("organisation=stealth-startup") == answer("organisation=made-up-slug")
    assert answer("person=secret-hire") == answer("person=made-up-slug")
    assert answer("organisation=stealth-startup")[1] == 0
    assert answer("person=secret-hire")[1] == 0
    # The published ones still filter.
    assert answer(f"organisation={organisation.slug}") == (200, 1)
    assert answer(f"person={person.slug}") == (200, 1)
