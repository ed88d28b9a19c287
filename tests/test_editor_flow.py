"""The editor's admin without surprises: help texts, choosers, avatars, serialised saves.

The browser side (create, Save draft, Preview, Publish ten times without a false conflict) is
tests/test_browser_editor_flow.py; docs/editing.md explains the choices.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from bs4 import BeautifulSoup
from django.db import connection, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from news.editing import edited_object, object_save_lock
from news.snippets import Organisation, Person
from tests.conftest import make_image


def _publish(obj):
    obj.save()
    obj.save_revision().publish()
    return obj


# --- Help texts -------------------------------------------------------------------------------


def _help_texts_as_shown(html: bytes) -> list[str]:
    """Every StreamField help text of an admin form, as the admin's JavaScript shows it.

    Wagtail sends block definitions to the browser as JSON and inserts each ``helpText`` with
    ``innerHTML``: parsing it as HTML gives the text the editor reads.
    """
    soup = BeautifulSoup(html, "html.parser")
    data = [
        json.loads(e["data-w-block-data-value"]) for e in soup.select("[data-w-block-data-value]")
    ]
    # Telepath sends a repeated value once ({"_val": …, "_id": n}), then as {"_ref": n}.
    shared: dict[int, object] = {}
    help_texts: list[object] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if "_id" in node and "_val" in node:
                shared[node["_id"]] = node["_val"]
            for key, value in node.items():
                if key == "helpText":
                    help_texts.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    shown = []
    for value in help_texts:
        if isinstance(value, dict):
            value = shared[value["_ref"]] if "_ref" in value else value["_val"]
        shown.append(BeautifulSoup(value, "html.parser").get_text())
    return shown


def test_boilerplate_help_texts_show_their_placeholders(editor_client, news_index):
    response = editor_client.get(f"/admin/pages/add/news/newspage/{news_index.pk}/")
    assert response.status_code == 200
    shown = _help_texts_as_shown(response.content)
    assert 'An "About <organisation>" section, edited once in Organisations.' in shown
    assert any(text.startswith('Shows "About <name>" with the organisation') for text in shown)
    assert not any('"About "' in text for text in shown), shown


# --- Choosers ---------------------------------------------------------------------------------


def _chooser_rows(editor_client, url_name: str, query: str = "") -> list[BeautifulSoup]:
    response = editor_client.get(reverse(url_name) + query)
    assert response.status_code == 200
    if response["Content-Type"].startswith("application/json"):
        html = json.loads(response.content)["html"]  # the modal (first opening)
    else:
        html = response.content.decode()  # the results panel (search, pages)
    return BeautifulSoup(html, "html.parser").select("table tbody tr")


@pytest.fixture
def namesakes(db, organisation, person):
    """Two people called "Ada Example": one at Example Corp (``person``), one elsewhere."""
    other_org = _publish(
        Organisation(
            name="Northwind Labs",
            logo=make_image("Northwind logo", 300, 100),
            membership_level="associate",
        )
    )
    other = _publish(
        Person(
            name="Ada Example",
            slug="ada-example-northwind",
            role="Researcher",
            organisation=other_org,
            headshot=make_image("Other Ada", 200, 200),
        )
    )
    return person, other


def test_person_chooser_shows_organisation_and_headshot(editor_client, namesakes):
    rows = _chooser_rows(editor_client, "wagtailsnippetchoosers_news_person:choose")
    by_organisation = {}
    for row in rows:
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        by_organisation[cells[3]] = (row, cells)
    assert set(by_organisation) == {"Example Corp", "Northwind Labs"}
    for person in namesakes:
        row, cells = by_organisation[person.organisation.name]
        assert cells[1] == "Ada Example" and cells[2] == person.role
        choice = row.select_one("a[data-chooser-modal-choice]")
        assert choice["href"].endswith(f"/chosen/{person.pk}/")
        thumbnail = row.select_one("td img")
        rendition = person.headshot.get_rendition("fill-48x48")
        assert thumbnail["src"] == rendition.url and thumbnail["alt"] == ""
        assert (thumbnail["width"], thumbnail["height"]) == ("48", "48")


def test_person_chooser_search_results_have_the_same_columns(editor_client, namesakes):
    rows = _chooser_rows(
        editor_client, "wagtailsnippetchoosers_news_person:choose_results", "?q=Ada"
    )
    organisations = sorted(row.find_all("td")[3].get_text(strip=True) for row in rows)
    assert organisations == ["Example Corp", "Northwind Labs"]
    assert all(row.select_one("td img") for row in rows)


def test_organisation_chooser_shows_logo_and_membership_level(editor_client, namesakes):
    rows = _chooser_rows(editor_client, "wagtailsnippetchoosers_news_organisation:choose")
    cells = {row.find_all("td")[1].get_text(strip=True): (row, row.find_all("td")) for row in rows}
    assert cells["Example Corp"][1][2].get_text(strip=True) == "Premier member"
    assert cells["Northwind Labs"][1][2].get_text(strip=True) == "Associate member"
    logo = cells["Northwind Labs"][0].select_one("td img")
    # A wide logo keeps its proportions (max-96x48: 300x100 → 96x32).
    assert (logo["width"], logo["height"]) == ("96", "32")
    assert logo["src"].endswith(".max-96x48.png")


def test_person_without_headshot_or_organisation_is_listed(editor_client, db):
    _publish(Person(name="Solo Writer"))
    (row,) = _chooser_rows(editor_client, "wagtailsnippetchoosers_news_person:choose")
    cells = [cell.get_text(strip=True) for cell in row.find_all("td")]
    assert cells[:4] == ["", "Solo Writer", "", ""]
    assert row.select_one("img") is None


def test_chooser_columns_add_no_query_per_row(editor_client, namesakes):
    """Organisations, headshots and their renditions are loaded for all rows at once.

    (Wagtail's own status column still reads each row's scheduled revision: those queries,
    stock behaviour of every snippet chooser, are left out of the count.)
    """
    url = reverse("wagtailsnippetchoosers_news_person:choose")

    def queries() -> list[str]:
        editor_client.get(url)  # renditions are made on the first view
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(url).status_code == 200
        return [q["sql"] for q in captured if "wagtailcore_revision" not in q["sql"]]

    few = queries()
    organisation = namesakes[0].organisation
    for number in range(4):
        headshot = make_image(f"Extra {number}", 100, 100)
        _publish(Person(name=f"Extra {number}", organisation=organisation, headshot=headshot))
    many = queries()
    assert len(many) == len(few), many


# --- Avatars ----------------------------------------------------------------------------------


def test_admin_has_no_gravatar_by_default(editor_client, settings):
    editor_client.user.email = "editor@example.org"
    editor_client.user.save()
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    html = editor_client.get("/admin/").content.decode()
    assert "gravatar" not in html.lower()
    # The avatar is Wagtail's own default picture, served by this site.
    assert "wagtailadmin/images/default-user-avatar" in html


def test_gravatar_can_be_turned_on(editor_client, settings):
    settings.WAGTAIL_GRAVATAR_PROVIDER_URL = "https://www.gravatar.com/avatar"
    editor_client.user.email = "editor@example.org"
    editor_client.user.save()
    assert "https://www.gravatar.com/avatar/" in editor_client.get("/admin/").content.decode()


def test_gravatar_setting_is_read_from_the_environment():
    # The documented variable must reach the setting (it was once overwritten further down).
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.WAGTAIL_GRAVATAR_PROVIDER_URL)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"}
    env["WAGTAIL_GRAVATAR_PROVIDER_URL"] = "https://avatars.example.org/avatar"
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    del env["WAGTAIL_GRAVATAR_PROVIDER_URL"]
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert on.stdout.strip() == "https://avatars.example.org/avatar", on.stderr
    assert off.stdout.strip() == "None", off.stderr


# --- One save at a time per object ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("post", "/admin/pages/42/edit/", ("wagtailcore.page", "42")),
        ("post", "/admin/snippets/news/person/edit/7/", ("news.person", "7")),
        ("post", "/admin/snippets/news/organisation/edit/3/", ("news.organisation", "3")),
        ("get", "/admin/pages/42/edit/", None),
        ("post", "/admin/pages/add/news/newspage/4/", None),
        ("post", "/admin/pages/42/edit/preview/", None),
        ("post", "/api/v3/news/", None),
        ("post", "/no/such/address/", None),
    ],
)
def test_edited_object_is_found_for_admin_saves_only(method, path, expected):
    request = getattr(RequestFactory(), method)(path)
    assert edited_object(request) == expected


@pytest.mark.django_db(transaction=True)
def test_a_second_save_of_the_same_object_waits_for_the_first(committed_db):
    """While one request holds an object's save lock, another save of it cannot start."""
    order: list[str] = []
    first_has_lock = threading.Event()
    second_started = threading.Event()

    def first() -> None:
        with object_save_lock("wagtailcore.page", "5"):
            order.append("first in")
            first_has_lock.set()
            # Give the second thread every chance to get in (it must not).
            second_started.wait(timeout=10)
            threading.Event().wait(0.3)
            order.append("first out")
        connection.close()

    def second() -> None:
        first_has_lock.wait(timeout=10)
        second_started.set()
        with object_save_lock("wagtailcore.page", "5"):
            order.append("second in")
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    connections.close_all()
    assert order == ["first in", "first out", "second in"]
