"""``GET /api/v3/site/``: name, tagline, home, navigation editors manage, feeds — typed,
visible pages only, strict parameters, generation ETag/304, constant queries, fresh after edits.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, Site

from home.models import HomePage, MenuPages, NavigationMenuItem, NavigationSettings
from news import api_cache
from news.models import NewsIndexPage
from tests.test_api_openapi import assert_valid

pytestmark = pytest.mark.django_db

URL = "/api/v3/site/"
PATH = "/api/v3/site/"
FEEDS = {"rss": "/api/v3/feeds/news.rss", "atom": "/api/v3/feeds/news.atom"}
QUERY_BUDGET = 7  # generation, site, root page, setting, items, pages, site root paths


@pytest.fixture
def document(client):
    response = client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    return response.json()


def add_index(parent: Page, title: str, *, show_in_menus: bool = True, publish: bool = True):
    page = NewsIndexPage(title=title, slug=title.lower().replace(" ", "-"))
    page.show_in_menus = show_in_menus
    page.live = publish
    parent.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    else:
        page.save_revision()
    page.refresh_from_db()
    return page


def navigation_of(home: Page, *items: dict, menu_pages: str = MenuPages.AUTO) -> None:
    site = Site.objects.get(root_page=home)
    setting = NavigationSettings.objects.filter(site=site).first() or NavigationSettings(site=site)
    setting.menu_pages = menu_pages
    setting.menu_items = [NavigationMenuItem(**item) for item in items]
    setting.save()


def get_site(client, **extra) -> dict:
    response = client.get(URL, **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


def hrefs(payload: dict) -> list[str]:
    return [item["href"] for item in payload["navigation"]]


def hidden_pages(home: Page) -> list[Page]:
    """A draft, a private page and a live but expired page, all with "show in menus"."""
    draft = add_index(home, "Draft", publish=False)
    private = add_index(home, "Private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    expired = add_index(home, "Expired")
    Page.objects.filter(pk=expired.pk).update(expire_at=timezone.now() - dt.timedelta(minutes=1))
    return [draft, private, expired]


# --- Shape and contract ----------------------------------------------------------------------


def test_site_answer_is_typed_and_complete(client, document, home_page, news_index):
    HomePage.objects.filter(pk=home_page.pk).update(tagline="News from the lattice")
    Site.objects.filter(root_page=home_page).update(site_name="Open Lattice")
    events = add_index(home_page, "Events")
    navigation_of(
        home_page,
        {"link_page": news_index, "label": "Newsroom"},
        {"link_url": "https://openlattice.example/", "label": "The foundation"},
        {"link_url": "https://example.org/donate/"},
        menu_pages=MenuPages.AFTER,
    )

    payload = get_site(client)

    assert payload == {
        "name": "Open Lattice",
        "tagline": "News from the lattice",
        "home": {"id": home_page.pk, "title": "Home", "path": "/"},
        "navigation": [
            {"type": "page", "label": "Newsroom", "href": "/news/", "page_id": news_index.pk},
            {
                "type": "external",
                "label": "The foundation",
                "href": "https://openlattice.example/",
                "page_id": None,
            },
            {
                "type": "external",
                "label": "https://example.org/donate/",
                "href": "https://example.org/donate/",
                "page_id": None,
            },
            # "Show in menus" children after the list; News is not repeated (news_index
            # has show_in_menus off anyway), Events joins with its title.
            {"type": "page", "label": "Events", "href": "/events/", "page_id": events.pk},
        ],
        "feeds": FEEDS,
    }
    assert_valid(document, PATH, payload)
    schemas = document["components"]["schemas"]
    assert schemas["SiteInfo"]["additionalProperties"] is False
    assert schemas["NavigationItem"]["additionalProperties"] is False
    assert set(document["paths"][PATH]["get"]["responses"]) == {"200", "400", "404"}


def test_name_falls_back_to_the_home_page_title(client, document, home_page):
    Site.objects.filter(root_page=home_page).update(site_name="")
    payload = get_site(client)
    assert payload["name"] == "Home"
    assert payload["tagline"] == ""
    assert_valid(document, PATH, payload)


def test_without_a_setting_the_show_in_menus_children_are_the_menu(client, home_page):
    news = add_index(home_page, "News")
    add_index(home_page, "Hidden from menus", show_in_menus=False)
    about = add_index(home_page, "About")
    grandchild = add_index(news, "Archive")  # show in menus, but not a child of home
    assert NavigationSettings.objects.count() == 0

    payload = get_site(client)

    assert hrefs(payload) == ["/news/", "/about/"]  # the page tree's order
    assert [item["page_id"] for item in payload["navigation"]] == [news.pk, about.pk]
    assert grandchild.pk not in [item["page_id"] for item in payload["navigation"]]
    assert NavigationSettings.objects.count() == 0  # a GET creates no setting row


@pytest.mark.parametrize(
    ("menu_pages", "expected"),
    [
        (MenuPages.AUTO, ["https://example.org/", "/news/"]),
        (MenuPages.NEVER, ["https://example.org/", "/news/"]),
        (MenuPages.BEFORE, ["/about/", "https://example.org/", "/news/"]),
        (MenuPages.AFTER, ["https://example.org/", "/news/", "/about/"]),
    ],
)
def test_menu_pages_choice(client, home_page, menu_pages, expected):
    news = add_index(home_page, "News")  # show in menus *and* in the list: listed once
    add_index(home_page, "About")
    items = [{"link_url": "https://example.org/"}, {"link_page": news}]
    navigation_of(home_page, *items, menu_pages=menu_pages)
    assert hrefs(get_site(client)) == expected


def test_auto_with_an_empty_list_shows_the_menu_pages(client, home_page):
    add_index(home_page, "News")
    navigation_of(home_page, menu_pages=MenuPages.AUTO)
    assert hrefs(get_site(client)) == ["/news/"]
    navigation_of(home_page, menu_pages=MenuPages.NEVER)
    assert hrefs(get_site(client)) == []


# --- Visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("menu_pages", [MenuPages.AFTER, MenuPages.BEFORE])
def test_hidden_pages_never_appear(client, document, home_page, menu_pages):
    visible = add_index(home_page, "Visible")
    hidden = hidden_pages(home_page)
    child_of_private = add_index(hidden[1], "Inside private")
    navigation_of(
        home_page,
        *({"link_page": page, "label": f"Chosen {page.title}"} for page in hidden),
        {"link_page": child_of_private},
        {"link_page": visible, "label": "Chosen visible"},
        menu_pages=menu_pages,
    )

    payload = get_site(client)

    assert [item["page_id"] for item in payload["navigation"]] == [visible.pk]
    assert payload["navigation"][0]["label"] == "Chosen visible"
    body = str(payload)
    for page in [*hidden, child_of_private]:
        assert page.title not in body
        assert f"/{page.slug}/" not in body
    assert_valid(document, PATH, payload)


def test_published_page_joins_the_menu_at_once(client, home_page):
    draft = add_index(home_page, "Later", publish=False)
    navigation_of(home_page, {"link_page": draft})
    first = client.get(URL)
    assert first.json()["navigation"] == []

    draft.save_revision().publish()

    second = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert hrefs(second.json()) == ["/later/"]


def test_pages_of_another_site_are_left_out(client, home_page):
    other_home = HomePage(title="Other home", slug="other-home")
    Page.get_first_root_node().add_child(instance=other_home)
    other_home.save_revision().publish()
    Site.objects.create(hostname="127.0.0.1", root_page=other_home, site_name="Other")
    elsewhere = add_index(other_home, "Elsewhere")
    navigation_of(home_page, {"link_page": elsewhere}, menu_pages=MenuPages.NEVER)

    assert get_site(client)["navigation"] == []
    # The other site (by host) has its own name, home and "show in menus" children.
    other = get_site(client, HTTP_HOST="127.0.0.1")
    assert other["name"] == "Other"
    assert other["home"]["id"] == other_home.pk
    assert other["navigation"] == [
        {"type": "page", "label": "Elsewhere", "href": "/elsewhere/", "page_id": elsewhere.pk}
    ]


def test_private_home_page_is_not_described(client, document, home_page):
    HomePage.objects.filter(pk=home_page.pk).update(tagline="Secret tagline")
    Site.objects.filter(root_page=home_page).update(site_name="")
    PageViewRestriction.objects.create(
        page=home_page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    add_index(home_page, "News")  # under the restriction too

    payload = get_site(client)

    assert payload["home"] is None
    assert payload["tagline"] == ""
    assert payload["name"] != "Home"
    assert payload["navigation"] == []
    assert_valid(document, PATH, payload)


# --- Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["?menu=1", "?format=json", "?limit=1&limit=2"])
def test_any_query_parameter_is_a_400_problem(client, document, home_page, query):
    response = client.get(URL + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert problem["errors"][0]["loc"][0] == "query"
    assert_valid(document, PATH, problem, status="400")


def test_no_site_is_a_404_problem(client, document, db):
    Site.objects.all().delete()
    response = client.get(URL)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "no-store" in response["Cache-Control"]
    assert_valid(document, PATH, response.json(), status="404")


def test_unknown_host_without_a_default_site_is_a_404(client, home_page):
    Site.objects.update(is_default_site=False, hostname="newsroom.example")
    response = client.get(URL)
    assert response.status_code == 404
    assert response.json()["status"] == 404


# --- HTTP caching ----------------------------------------------------------------------------


def test_etag_and_304(client, home_page):
    first = client.get(URL)
    etag = first["ETag"]
    assert etag.startswith('"v')  # the dependency versions' ETag
    assert "public" in first["Cache-Control"]

    revalidated = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == etag

    other_etag = client.get(URL, HTTP_IF_NONE_MATCH='"g0-nothing"')
    assert other_etag.status_code == 200


def test_menu_edit_shows_at_once_with_a_new_etag(client, home_page):
    navigation_of(home_page, {"link_url": "https://example.org/a/", "label": "A"})
    first = client.get(URL)
    assert [item["label"] for item in first.json()["navigation"]] == ["A"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    # An item edited in place.
    item = NavigationMenuItem.objects.get()
    item.label = "A, renamed"
    item.save()
    second = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert [item["label"] for item in second.json()["navigation"]] == ["A, renamed"]

    # An item deleted, the choice changed.
    add_index(home_page, "News")
    item.delete()
    third = client.get(URL, HTTP_IF_NONE_MATCH=second["ETag"])
    assert third.status_code == 200
    assert hrefs(third.json()) == ["/news/"]
    setting = NavigationSettings.objects.get()
    setting.menu_pages = MenuPages.NEVER
    setting.save()
    fourth = client.get(URL, HTTP_IF_NONE_MATCH=third["ETag"])
    assert fourth.status_code == 200
    assert fourth.json()["navigation"] == []


def _formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
        data.setdefault(f"{prefix}-{index}-ORDER", str(index + 1))
    return data


def _admin_menu(rows: list[dict], menu_pages: str = MenuPages.AUTO) -> dict:
    full = [{"id": "", "link_page": "", "link_url": "", "label": "", **row} for row in rows]
    return {"menu_pages": menu_pages, **_formset("menu_items", full)}


def test_editing_the_menu_in_the_admin(editor_client, home_page, news_index):
    site = Site.objects.get(root_page=home_page)
    url = f"/admin/settings/home/navigationsettings/{site.pk}/"
    assert editor_client.get(url).status_code == 200
    before = editor_client.get(URL)

    response = editor_client.post(
        url,
        _admin_menu(
            [
                {"link_url": "https://openlattice.example/", "label": "Foundation"},
                {"link_page": str(news_index.pk)},
            ],
            MenuPages.NEVER,
        ),
    )
    assert response.status_code == 302, response.content[:2000]

    after = editor_client.get(URL, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert [(item["label"], item["href"]) for item in after.json()["navigation"]] == [
        ("Foundation", "https://openlattice.example/"),
        ("News", "/news/"),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({}, b"Choose a page or enter an external URL."),
        (
            {"link_url": "https://example.org/", "link_page": "PAGE"},
            b"Choose a page or enter an external URL, not both.",
        ),
        ({"link_url": "javascript:alert(1)"}, b"Enter a valid URL."),
    ],
)
def test_admin_refuses_an_item_without_exactly_one_target(editor_client, home_page, row, message):
    site = Site.objects.get(root_page=home_page)
    url = f"/admin/settings/home/navigationsettings/{site.pk}/"
    row = {key: str(home_page.pk) if value == "PAGE" else value for key, value in row.items()}
    response = editor_client.post(url, _admin_menu([{"label": "Broken", **row}]))
    assert response.status_code == 200  # the form again, with its errors
    assert message in response.content
    assert not NavigationMenuItem.objects.exists()


def test_model_validation_exactly_one_target(home_page):
    setting = NavigationSettings.objects.create(site=Site.objects.get(root_page=home_page))
    for fields in ({}, {"link_page": home_page, "link_url": "https://example.org/"}):
        item = NavigationMenuItem(setting=setting, **fields)
        with pytest.raises(ValidationError) as raised:
            item.full_clean()
        assert set(raised.value.message_dict) >= {"link_page", "link_url"}
    NavigationMenuItem(setting=setting, link_page=home_page).full_clean()
    NavigationMenuItem(setting=setting, link_url="https://example.org/").full_clean()


# --- Queries ---------------------------------------------------------------------------------


def _uncached_queries(client) -> int:
    client.get(URL)  # warm-up: Wagtail's site root paths cached
    api_cache.invalidate("test: force a full render")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_query_count_is_small_and_constant(client, home_page, django_assert_max_num_queries):
    pages = [add_index(home_page, f"Section {i}") for i in range(2)]
    navigation_of(home_page, *({"link_page": page} for page in pages), menu_pages=MenuPages.AFTER)
    small = _uncached_queries(client)

    pages += [add_index(home_page, f"Section {i}") for i in range(2, 12)]
    navigation_of(
        home_page,
        *({"link_page": page} for page in pages),
        *({"link_url": f"https://example.org/{i}/"} for i in range(10)),
        menu_pages=MenuPages.AFTER,
    )
    big = _uncached_queries(client)
    assert len(client.get(URL).json()["navigation"]) == 22

    assert big == small
    api_cache.invalidate("test: a full render")
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert client.get(URL).status_code == 200
    with django_assert_max_num_queries(1):  # cached: the generation only
        assert client.get(URL).status_code == 200


# --- Demo ------------------------------------------------------------------------------------


def test_demo_sets_up_a_menu_once(client, db):
    """The demo's site tree and menu (posts and pictures are left to test_demo_content)."""
    from news.demo import FOUNDATION_SITE, DemoLoader

    loader = DemoLoader()
    home, news_index = loader.site_tree()
    assert news_index.show_in_menus
    loader.navigation(home, news_index)
    payload = get_site(client)
    assert payload["name"] == "Open Lattice Foundation"
    assert payload["tagline"] == "News from the Open Lattice Foundation"
    assert [(item["label"], item["href"]) for item in payload["navigation"]] == [
        ("News", "/news/"),
        ("The foundation", FOUNDATION_SITE),
    ]

    again = DemoLoader()
    again.navigation(*again.site_tree())
    assert again.created == []  # idempotent
    assert NavigationMenuItem.objects.count() == 1


def test_demo_menu_on_a_database_loaded_before_menus_existed(client, db):
    from news.demo import DemoLoader

    loader = DemoLoader()
    home, news_index = loader.site_tree()
    NewsIndexPage.objects.filter(pk=news_index.pk).update(show_in_menus=False)
    news_index.refresh_from_db()

    loader.navigation(home, news_index)

    assert "page: news index shown in menus" in loader.created
    assert hrefs(get_site(client))[0] == "/news/"
