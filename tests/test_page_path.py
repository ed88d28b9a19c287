"""A page's frontend path (``news.read.resolver.page_path``) is what Wagtail's
``Page.get_url_parts`` gives, for every kind of page and site set-up: the fast path (the serve
prefix reversed once per render) and Wagtail's own way agree, and the API shows it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import set_script_prefix
from wagtail.models import Page, Site
from wagtail.models import pages as wagtail_pages

from news.cards import _Routable
from news.read.resolver import Resolver, page_path, resolving
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(home_page, news_index) -> list[Page]:
    """Home, the news index, an ASCII post, a post with a Unicode slug, a page under no
    site (a second tree beside the home page)."""
    plain = publish_news_page(news_index, title="Plain", slug="plain-post_2")
    accented = publish_news_page(news_index, title="Café", slug="café-nouvelles")
    elsewhere = Page(title="Elsewhere", slug="elsewhere")
    Page.get_first_root_node().add_child(instance=elsewhere)
    return [home_page, news_index, plain, accented, elsewhere]


def _paths(pages: list[Page], request=None) -> list[tuple[str, str]]:
    """(page_path in a render, Wagtail's path) for each page and its card-row stand-in."""
    found = []
    with resolving(Resolver(request=request)):
        for page in pages:
            parts = page.get_url_parts(request=request)
            wagtail = parts[2] if parts else ""
            found.append((page_path(page), wagtail))
            found.append((page_path(_Routable(page.pk, page.url_path)), wagtail))
    return found


def _request():
    return RequestFactory().get("/api/v3/news/", HTTP_HOST="localhost")


def test_paths_are_wagtails(pages) -> None:
    found = _paths(pages, _request())
    assert [ours for ours, _ in found] == [wagtail for _, wagtail in found]
    assert ("/news/plain-post_2/", "/news/plain-post_2/") in found
    assert ("", "") in found  # the page under no site
    assert any("caf%C3%A9" in ours for ours, _ in found)  # quoted as reverse() quotes


def test_paths_without_a_render_and_without_a_request(pages) -> None:
    for page in pages:
        parts = page.get_url_parts()
        assert page_path(page) == (parts[2] if parts else "")
    assert [ours for ours, _ in _paths(pages)] == [wagtail for _, wagtail in _paths(pages)]


def test_paths_without_the_trailing_slash(pages, monkeypatch) -> None:
    monkeypatch.setattr(wagtail_pages, "WAGTAIL_APPEND_SLASH", False)
    found = _paths(pages, _request())
    assert [ours for ours, _ in found] == [wagtail for _, wagtail in found]
    assert ("/news/plain-post_2", "/news/plain-post_2") in found
    assert ("/", "/") in found  # the home page keeps its slash


def test_paths_under_a_script_prefix(pages) -> None:
    set_script_prefix("/cms/")
    try:
        found = _paths(pages, _request())
    finally:
        set_script_prefix("/")
    assert [ours for ours, _ in found] == [wagtail for _, wagtail in found]
    assert ("/cms/news/plain-post_2/", "/cms/news/plain-post_2/") in found


def test_paths_of_a_page_in_two_sites(pages, news_index) -> None:
    """A post under two sites' roots: the request's site decides, as Wagtail decides."""
    Site.objects.create(hostname="news.example.org", root_page=news_index)
    for host in ("localhost", "news.example.org"):
        request = RequestFactory().get("/api/v3/news/", HTTP_HOST=host)
        found = _paths(pages, request)
        assert [ours for ours, _ in found] == [wagtail for _, wagtail in found], host
    request = RequestFactory().get("/api/v3/news/", HTTP_HOST="news.example.org")
    assert ("/plain-post_2/", "/plain-post_2/") in _paths(pages, request)


def test_the_listing_shows_wagtails_paths(client, pages) -> None:
    items = client.get("/api/v3/news/").json()["items"]
    expected = {page.pk: page.get_url_parts()[2] for page in pages[2:4]}
    assert {item["id"]: item["path"] for item in items} == expected


def test_a_render_reverses_the_serve_prefix_once(pages, monkeypatch) -> None:
    """Plain paths take the prefix reversed once per render; only the Unicode slug goes
    through Wagtail's reverse() (each page and its card row: twice)."""
    from news.read import resolver as resolver_module

    calls = {"ours": 0, "wagtail": 0}

    def counting(name, original):
        def reverse(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return reverse

    monkeypatch.setattr(resolver_module, "reverse", counting("ours", resolver_module.reverse))
    monkeypatch.setattr(wagtail_pages, "reverse", counting("wagtail", wagtail_pages.reverse))
    request = _request()
    with resolving(Resolver(request=request)):
        for page in pages * 3:
            page_path(page)
    assert calls == {"ours": 1, "wagtail": 3}
