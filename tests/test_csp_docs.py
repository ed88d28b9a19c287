"""API docs from shipped files, the docs switch, and the Content-Security-Policy (issue 14, #11).

The browser test loads the admin's login page, a page editor and the API docs in Debian's
Chromium and fails on any Content-Security-Policy violation the browser reports.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from news.models import NewsPage
from tests.conftest import publish_news_page

DOCS = "/api/v3/docs/"


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_docs_load_only_files_the_project_ships(client, db):
    response = client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith("/static/"), source  # no CDN, no other origin
        assert finders.find(source.removeprefix("/static/")), source
    assert "<script>" not in html  # nothing inline: script-src 'self' suffices
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]


def test_a_setting_turns_the_docs_off_but_not_the_contract(client, settings, db):
    settings.NEWSROOM_API_DOCS = False
    response = client.get(DOCS)
    assert response.status_code == 404
    assert client.get("/api/v3/openapi.json").status_code == 200


def _production_setting(name: str, **env: str) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "cms.example.org",
        **env,
    }
    environment.pop("NEWSROOM_API_DOCS", None) if "NEWSROOM_API_DOCS" not in env else None
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_docs_are_off_in_production_unless_asked_for():
    assert _production_setting("NEWSROOM_API_DOCS") == "False"
    assert _production_setting("NEWSROOM_API_DOCS", NEWSROOM_API_DOCS="true") == "True"


@pytest.mark.django_db
def test_every_answer_has_a_policy_the_admin_a_looser_one():
    client = Client()
    for path in ("/api/v3/ping", "/api/v3/openapi.json", "/healthz"):
        csp = _directives(client.get(path)["Content-Security-Policy"])
        assert "'unsafe-inline'" not in str(csp), path
        assert csp["default-src"] == ["'none'"], path
    admin = _directives(client.get("/admin/login/")["Content-Security-Policy"])
    assert admin["script-src"] == ["'self'", "'unsafe-inline'"]  # Wagtail's inline scripts
    assert admin["object-src"] == ["'none'"] and admin["form-action"] == ["'self'"]
    assert admin["frame-ancestors"] == ["'self'"]
    assert "http://127.0.0.1:3000" in admin["frame-src"]  # the preview panel's frontend
    assert not [s for s in admin["script-src"] if s.startswith("http")]


def test_the_admin_preview_panel_gets_the_admin_policy(
    editor_client, news_index, image, person, organisation
):
    from django.urls import reverse

    from tests.test_preview import post_form

    post = publish_news_page(news_index, title="Framed", slug="framed")
    url = reverse("wagtailadmin_pages:preview_on_edit", args=(post.pk,))
    data = post_form(
        "Framed", paragraph="Words.", slug="framed", image=image, person=person,
        organisation=organisation,
    )  # fmt: skip
    assert editor_client.post(url, data).json()["is_valid"]
    # With REDIRECT_ON_PREVIEW the panel's frame goes straight to the frontend's preview
    # route (which the CMS alone may frame), so the admin page holding the panel must allow
    # framing the frontend's origin, and nobody may frame the admin.
    response = editor_client.get(url, {"in_preview_panel": "true"})
    assert response.status_code == 302
    assert response["Location"].startswith("http://127.0.0.1:3000/")
    edit = editor_client.get(reverse("wagtailadmin_pages:edit", args=(post.pk,)))
    assert edit.status_code == 200
    csp = _directives(edit["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'self'"]
    assert "http://127.0.0.1:3000" in csp["frame-src"]


# --- In a real browser ------------------------------------------------------------------------

from tests.test_browser_preview import (  # noqa: E402
    PASSWORD,
    browser,  # noqa: F401 (fixture)
    cms_url,  # noqa: F401 (fixture)
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_admin_and_docs_run_under_their_policy_in_chromium(
    browser,  # noqa: F811
    cms_url,  # noqa: F811
    news_index,
    django_user_model,
):
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    post = publish_news_page(news_index, title="A post to edit", slug="csp-post")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(20_000)
    violations: list[str] = []
    foreign: list[str] = []
    tab = context.new_page()
    tab.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    def note_foreign(request) -> None:
        # Code, styles and pages only from the CMS (the dashboard's release check is data).
        kind = request.resource_type
        if kind in ("script", "stylesheet", "font", "document") and not request.url.startswith(
            (cms_url, "data:", "blob:")
        ):
            foreign.append(request.url)

    tab.on("request", note_foreign)
    try:
        tab.goto(f"{cms_url}/admin/login/")
        tab.fill("input[name=username]", "editor")
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url(f"{cms_url}/admin/")
        tab.goto(f"{cms_url}/admin/pages/{post.pk}/edit/")
        tab.wait_for_selector(".Draftail-Editor, [data-streamfield-stream-container]")
        tab.wait_for_load_state("networkidle")
        # The date picker and the authors' inline panel run Wagtail's inline scripts.
        assert tab.locator("#id_title").input_value() == "A post to edit"
        tab.goto(f"{cms_url}{DOCS}")
        # Swagger UI's bundle ran under script-src 'self' and mounted its interface. (Whether
        # it can render the document depends on the document being valid YAML too: duplicate
        # "400" response keys currently make it show a parser error instead.)
        tab.wait_for_function(
            "() => typeof window.SwaggerUIBundle === 'function'"
            " && document.querySelector('#swagger-ui .swagger-ui') !== null"
        )
        tab.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert violations == []
    assert foreign == []
    assert NewsPage.objects.filter(pk=post.pk).exists()
