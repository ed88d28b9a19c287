"""The Next.js frontend (frontend/): its own checks, its server-rendered HTML (no JavaScript
involved: plain HTTP, as a search engine or a link preview sees it) and revalidation by the
CMS's signed webhooks — against a live CMS on the test database and the built app
(``next start``)."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from wagtail.contrib.redirects.models import Redirect

from news.webhooks.signing import signature_header
from tasks.pool import wait_for_background_tasks
from tests.conftest import publish_news_page
from tests.frontend_server import FRONTEND, build_frontend, next_server
from tests.live_cms import live_cms
from tests.test_api_support import publish_rich_post

SECRET = "frontend-test-secret"


# --- The frontend's own checks (no CMS needed) ------------------------------------------------


@pytest.mark.parametrize(
    "script",
    ["typecheck", "lint", "test", "check:types"],
    ids=["tsc --noEmit", "eslint", "vitest (signature, blocks, timeout)", "types not stale"],
)
def test_frontend_checks(script):
    """tsc (strict), eslint, the unit tests, and the committed API types match the served
    OpenAPI document (``npm run gen:types`` regenerates them)."""
    build_frontend()
    result = subprocess.run(
        ["npm", "run", "--silent", script],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "PYTHON": sys.executable},
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


# --- A live CMS and the built frontend ---------------------------------------------------------


@pytest.fixture
def cms_url(committed_db, django_db_blocker):
    with live_cms(django_db_blocker) as url:
        yield url


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str, *, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, text) — never follows redirects, never raises on 4xx/5xx."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def api(cms: str, path: str) -> dict:
    with urllib.request.urlopen(f"{cms}/api/v3{path}", timeout=30) as response:
        return json.loads(response.read())


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def meta(page: str, attribute: str, name: str) -> str:
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', page)
    assert match, f"no <meta {attribute}={name!r}>"
    return html.unescape(match.group(1))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_pages_are_server_rendered_and_work_without_javascript(cms_url, news_index):
    post = publish_rich_post(news_index, repeats=1, distinct=1, title="Rich")
    for number in range(12):  # a second page of the list
        publish_news_page(news_index, title=f"Filler {number}", summary="Filler")
    Redirect.objects.create(old_path="/old-rich", redirect_page=post, is_permanent=True)
    Redirect.objects.create(old_path="/moved-for-now", redirect_page=post, is_permanent=False)
    data = api(cms_url, f"/news/{post.pk}/")
    body = {block["type"]: block["value"] for block in data["body"]}
    # The menu editors manage (GET /api/v3/site/), not a hard-coded one.
    from wagtail.models import Site

    from home.models import NavigationMenuItem, NavigationSettings

    navigation = NavigationSettings.for_site(Site.objects.get(is_default_site=True))
    navigation.save()
    NavigationMenuItem.objects.create(
        setting=navigation, link_url="https://foundation.example/", label="Foundation site"
    )

    with next_server(cms_url) as frontend:
        # A post: everything readers and crawlers need is in the HTML itself.
        status, headers, page = get(frontend + post.url)
        assert status == 200
        assert f'<h1 class="post__title">{data["title"]}</h1>' in page
        assert re.search(r"<title>Rich · [^<]+</title>", page)
        assert meta(page, "name", "description") == data["summary"]
        assert f'<link rel="canonical" href="{frontend}{post.url}"/>' in page
        assert meta(page, "property", "og:title") == "Rich"
        assert meta(page, "property", "og:type") == "article"
        if data["seo"]["social_image"]:
            assert meta(page, "property", "og:image").startswith(cms_url + "/media/")
            assert meta(page, "name", "twitter:card") == "summary_large_image"
        assert 'type="application/rss+xml"' in page and 'href="/feed.xml"' in page
        assert 'type="application/atom+xml"' in page
        ld = json.loads(
            re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1)
        )
        assert ld["@type"] == "NewsArticle" and ld["headline"] == "Rich"
        assert ld["author"][0]["name"] == data["authors"][0]["name"]
        assert ld["datePublished"] and ld["publisher"]["name"] and ld["image"]
        # Quotes, bios and boilerplates are in the HTML.
        assert html.escape(body["quote"]["text"], quote=False) in page
        assert text_of(body["bio"]["person"]["bio_html"]) in text_of(page)
        assert text_of(body["boilerplate"]["html"]) in text_of(page)
        assert html.escape(body["code"]["code"], quote=False) in page
        # Images: srcset/sizes, WebP, width and height; the feature image eager, the rest lazy.
        images = re.findall(r"<img [^>]*>", page)
        assert images and all('width="' in i and 'height="' in i for i in images)
        assert 'fetchPriority="high"' in images[0] and 'loading="eager"' in images[0]
        assert all('loading="lazy"' in i for i in images[1:])
        assert 'type="image/webp"' in page and " 480w" in page and 'sizes="' in page
        assert headers["Content-Security-Policy"] == f"frame-ancestors 'self' {cms_url}"

        # Home and the list, with filters and pages in the URL.
        status, _, home = get(frontend + "/")
        assert status == 200 and 'href="/news/filler-11/"' in home and "Latest news" in home
        nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', home, re.S).group(1)
        assert 'href="https://foundation.example/"' in nav and "Foundation site" in nav
        status, _, listing = get(frontend + "/news/")
        assert status == 200 and "Page 1 of 2" in listing and 'href="/news/?page=2"' in listing
        _, _, second = get(frontend + "/news/?page=2")
        assert "Page 2 of 2" in second
        _, _, tagged = get(frontend + "/news/?tag=lattice")
        assert 'href="/news/rich/"' in tagged and "Filler 3" not in tagged
        assert "Showing 1 post" in tagged
        _, _, by_org = get(frontend + f"/news/?organisation={data['organisations'][0]['slug']}")
        assert 'href="/news/rich/"' in by_org and "Filler 3" not in by_org
        _, _, nothing = get(frontend + "/news/?year=1999")
        assert "No news matches these filters." in nothing

        # Search: highlighted results and suggestions.
        status, _, found = get(frontend + "/search/?q=Rich")
        assert status == 200 and "<mark>Rich</mark>" in found
        assert 'id="suggestions-heading"' in found

        # Organisation and person pages.
        organisation = body["boilerplate"]["organisation"]
        status, _, org_page = get(frontend + f"/organisations/{organisation['slug']}/")
        assert status == 200 and f"<h1>{organisation['name']}</h1>" in org_page
        person = body["bio"]["person"]
        status, _, person_page = get(frontend + f"/people/{person['slug']}/")
        assert status == 200 and f"<h1>{person['name']}</h1>" in person_page
        assert get(frontend + "/people/nobody/")[0] == 404

        # 404 and the CMS's redirects as real 301/302 (absolute Location; Next.js writes a
        # 127.0.0.1 host as "localhost").
        port = urlsplit(frontend).port
        status, _, missing = get(frontend + "/no/such/page/")
        assert status == 404 and "Page not found" in missing
        status, headers, _ = get(frontend + "/old-rich/")
        location = urlsplit(headers["Location"])
        assert (status, location.path, location.port) == (301, "/news/rich/", port)
        status, headers, _ = get(frontend + "/moved-for-now/")
        location = urlsplit(headers["Location"])
        assert (status, location.path, location.port) == (302, "/news/rich/", port)

        # sitemap.xml, robots.txt and the feeds.
        status, _, sitemap = get(frontend + "/sitemap.xml")
        assert status == 200 and f"<loc>{frontend}/news/rich/</loc>" in sitemap
        _, _, robots = get(frontend + "/robots.txt")
        assert f"Sitemap: {frontend}/sitemap.xml" in robots
        status, headers, rss = get(frontend + "/feed.xml")
        assert status == 200 and "<rss" in rss and "Rich" in rss
        assert headers["Content-Type"].startswith("application/rss+xml")


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict:
    return {
        "Content-Type": "application/json",
        "X-Newsroom-Signature": signature_header(body, secret, int(at or time.time())),
    }


def event(*paths: str, objects=()) -> bytes:
    return json.dumps(
        {
            "event": "page.published",
            "id": f"ev-{time.monotonic_ns()}",
            "paths": list(paths),
            "objects": list(objects),
        }  # fmt: skip
    ).encode()


def title_on(frontend: str, path: str) -> str:
    status, _, page = get(frontend + path)
    assert status == 200, status
    return text_of(re.search(r"<h1[^>]*>(.*?)</h1>", page).group(1))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_db")
def test_publish_revalidates_the_page_and_bad_signatures_revalidate_nothing(
    cms_url, news_index, settings
):
    settings.NEWSROOM_WEBHOOK_SECRET = SECRET
    settings.NEWSROOM_WEBHOOK_URLS = []
    post = publish_news_page(news_index, title="Version 1", summary="S")
    other = publish_news_page(news_index, title="Other post", summary="S")
    with next_server(cms_url, NEWSROOM_WEBHOOK_SECRET=SECRET) as frontend:
        revalidate_url = f"{frontend}/api/revalidate/"
        assert title_on(frontend, post.url) == "Version 1"

        # Published without telling the frontend: it keeps serving its cached page.
        post.title = "Version 2"
        post.save_revision().publish()
        assert api(cms_url, f"/news/{post.pk}/")["title"] == "Version 2"
        assert title_on(frontend, post.url) == "Version 1"

        # Forged, unsigned, expired/replayed: 401 and nothing revalidated.
        payload = event(post.url)
        forged = signed(payload, secret="not-the-secret")
        assert get(revalidate_url, data=payload, headers=forged)[0] == 401
        assert (
            get(revalidate_url, data=payload, headers={"Content-Type": "application/json"})[0]
            == 401
        )
        old = signed(payload, at=int(time.time()) - 3600)
        assert get(revalidate_url, data=payload, headers=old)[0] == 401
        tampered = signed(payload)
        assert get(revalidate_url, data=payload.replace(b"published", b"publishex"),
                   headers=tampered)[0] == 401  # fmt: skip
        assert title_on(frontend, post.url) == "Version 1"

        # A valid event for another path revalidates that path only.
        other_event = event(other.url)
        status, _, answer = get(revalidate_url, data=other_event, headers=signed(other_event))
        assert status == 200, answer
        assert title_on(frontend, post.url) == "Version 1"

        # The same delivery sent twice: the second is a replay.
        headers = signed(payload)
        status, _, answer = get(revalidate_url, data=payload, headers=headers)
        assert status == 200 and json.loads(answer)["paths"] == [post.url]
        assert get(revalidate_url, data=payload, headers=headers)[0] == 401
        assert title_on(frontend, post.url) == "Version 2"

        # The real pipeline: publish in the CMS → signed webhook → the new HTML is served.
        settings.NEWSROOM_WEBHOOK_URLS = [revalidate_url]
        post.title = "Version 3"
        post.save_revision().publish()
        assert wait_for_background_tasks(15)
        assert title_on(frontend, post.url) == "Version 3"
        _, _, listing = get(frontend + "/news/")
        assert "Version 3" in listing
        settings.NEWSROOM_WEBHOOK_URLS = []


def test_signature_matches_the_cms_formula():
    """The frontend's unit tests sign with their own HMAC code; this pins the CMS's side."""
    body = b'{"paths": ["/"]}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature_header(body, SECRET, 1_700_000_000) == f"t=1700000000,v1={expected}"
