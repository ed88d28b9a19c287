"""Preview and the Next.js frontend in a real browser (Debian's Chromium via Playwright).

The CMS runs in a live server thread of this test process (same test database), the
built Next.js frontend (``next start``) on another free port; an editor works in the real Wagtail
admin. Screenshots of every step go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from news.models import NewsPage
from tests.conftest import make_image
from tests.frontend_server import next_server
from tests.live_cms import live_cms

# Real commits (a live server in another thread): committed_db puts back the rows migrations
# made (root page, categories…) that an earlier transactional test's flush removed.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("committed_db"),
]

BASE_DIR = Path(django_settings.BASE_DIR)
ARTIFACTS = BASE_DIR / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000
PASSWORD = "pw-browser-editor-1"


# --- Live servers -----------------------------------------------------------------------------


@pytest.fixture
def cms_url(committed_db, django_db_blocker):
    with live_cms(django_db_blocker) as url:
        yield url


@pytest.fixture
def frontend_url(cms_url):
    """The built Next.js frontend (``next start``) on a free port, pointed at the live CMS."""
    with next_server(cms_url) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own
    # database calls are still plain synchronous code, so let Django allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def newsroom(settings, cms_url, frontend_url, news_index, person, organisation, django_user_model):
    """Settings that tie the CMS to this run's frontend, and an editor account."""
    settings.NEWSROOM_FRONTEND_URL = frontend_url
    settings.NEWSROOM_CORS_ORIGINS = [frontend_url]
    settings.WAGTAILADMIN_BASE_URL = cms_url
    settings.WAGTAIL_HEADLESS_PREVIEW = {
        **settings.WAGTAIL_HEADLESS_PREVIEW,
        "CLIENT_URLS": {"default": f"{frontend_url}/preview"},
        "SERVE_BASE_URL": frontend_url,
    }
    cache.clear()
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    photo = make_image("Editor photo", 1200, 800, description="A red rectangle")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return {
        "cms": cms_url,
        "frontend": frontend_url,
        "index": news_index,
        "person": person,
        "organisation": organisation,
        "photo": photo,
    }


# Wagtail's content checker runs axe when the preview panel loads a new preview; axe also runs
# inside the preview's frame for the user bar there. On a busy machine a reload arrives before
# the previous run ended, and axe refuses the overlapping run with this (uncaught) error in
# Wagtail's own scripts. The next preview runs the checks again; the editor sees no difference.
WAGTAIL_CHECKER_OVERLAP = "Axe is already running"


@pytest.fixture
def page(browser, newsroom):
    # Depends on ``newsroom`` so the tabs close before the servers stop and the database is
    # flushed: an admin tab still polling would otherwise race the flush.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    # JavaScript errors in any tab of this context (the admin's and the frontend's).
    errors: list[str] = []

    def record(exc) -> None:
        if not str(exc).startswith(WAGTAIL_CHECKER_OVERLAP):
            errors.append(str(exc))

    context.on("page", lambda tab: tab.on("pageerror", record))
    tab = context.new_page()
    tab.js_errors = errors
    yield tab
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def api_status(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# --- The editor in the admin ------------------------------------------------------------------


def sign_in(page, cms: str) -> None:
    page.goto(f"{cms}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{cms}/admin/")


def add_block(page, label: str):
    body = page.locator("#panel-child-content-body-content")
    body.locator("button.c-sf-add-button").last.click()
    page.get_by_role("option", name=label, exact=True).click()
    return (
        body.locator("[data-contentpath]")
        .filter(has=page.locator(".c-sf-block__type", has_text=label))
        .last
    )


def choose_in_modal(page, block, button: str, choice: str) -> None:
    block.get_by_role("button", name=button).click()
    modal = page.locator(".modal-dialog")
    choices = modal.locator("a[data-chooser-modal-choice]")
    choices.filter(has_text=choice).or_(
        choices.and_(modal.locator(f'[title="{choice}"]'))
    ).first.click()
    modal.wait_for(state="hidden")


def type_rich_text(page, block, text: str) -> None:
    block.locator("[contenteditable=true]").first.click()
    page.keyboard.type(text)


PANEL = "iframe.w-preview__iframe, [data-w-preview-target='iframe']"


def open_preview(page):
    """Open the admin's preview panel: the frontend's document is the panel's frame itself
    (REDIRECT_ON_PREVIEW sends the panel straight to the frontend's preview route)."""
    toggle = page.get_by_role("button", name="Toggle preview")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.frame_locator(PANEL).first


def show_side_panel(page, toggle_name: str) -> None:
    """Open one of the editor's side panels (a toggle that is already open would close it)."""
    toggle = page.get_by_role("button", name=toggle_name)
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def preview_src(page, frontend: str) -> str:
    """The URL the panel shows (after the CMS's and the frontend's redirects)."""
    page.locator(PANEL).first.wait_for()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        urls = [frame.url for frame in page.frames if frame.url.startswith(frontend)]
        if urls:
            return urls[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame on {frontend}: {[f.url for f in page.frames]}")


# --- The scenarios ----------------------------------------------------------------------------


def check_expired_and_forged_tokens(page, newsroom, post) -> None:
    """4. An expired or forged token: the frontend's expiry message, and a 4xx from the API."""
    cms, frontend = newsroom["cms"], newsroom["frontend"]
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 7200):
        expired = post.create_page_preview().token
    fresh = post.create_page_preview().token
    forged = fresh[:-4] + ("AAAA" if not fresh.endswith("AAAA") else "BBBB")

    for name, token, status in (("expired", expired, 410), ("forged", forged, 403)):
        query = f"content_type=news.newspage&token={token}"
        code, problem = api_status(f"{cms}/api/v3/preview/?{query}")
        assert code == status and problem["status"] == status
        page.goto(f"{frontend}/preview/?{query}")
        expect_text(page.locator("h1"), "This preview link has expired")
        expect_text(page.locator("main"), "click Preview again")
        expect_text(page.locator(".preview-banner"), "Preview")
        shot(page, f"4-{name}-token")

    # The same frontend shows a good token's draft: the message is about the token.
    page.goto(f"{frontend}/preview/?content_type=news.newspage&token={fresh}")
    expect_text(page.locator("h1"), post.title)


def test_editor_previews_publishes_and_edits_a_post(page, newsroom):
    cms, frontend = newsroom["cms"], newsroom["frontend"]
    sign_in(page, cms)

    # 1. A new post through the real editing UI, then Preview.
    page.goto(f"{cms}/admin/pages/add/news/newspage/{newsroom['index'].pk}/")
    page.fill("#id_title", "Example Corp joins the Foundation")
    page.fill("#id_summary", "Example Corp becomes a premier member.")
    paragraph = add_block(page, "Paragraph")
    type_rich_text(page, paragraph, "Draft words written in the browser.")
    image = add_block(page, "Image")
    choose_in_modal(page, image, "Choose an image", "Editor photo")
    image.locator("input[name$='-caption']").fill("The new member's office")
    quote = add_block(page, "Quote")
    quote.locator("textarea[name$='-text']").fill("Open collaboration makes us all better.")
    choose_in_modal(page, quote, "Choose person", "Ada Example")
    bio = add_block(page, "Bio")
    choose_in_modal(page, bio, "Choose person", "Ada Example")
    boilerplate = add_block(page, "About boilerplate")
    choose_in_modal(page, boilerplate, "Choose organisation", "Example Corp")

    preview = open_preview(page)
    expect_text(preview.locator(".block--paragraph"), "Draft words written in the browser.")
    expect_text(preview.locator(".attribution__name"), "Ada Example")
    expect_text(preview.locator(".boilerplate h2"), "About Example Corp")
    expect_text(preview.locator(".preview-banner"), "Preview")
    shot(page, "1-admin-preview-panel")
    draft_url = preview_src(page, frontend)
    assert draft_url.startswith(f"{frontend}/preview/view/?content_type=news.newspage&token=")
    reader = page.context.new_page()
    reader.goto(draft_url)
    expect_text(reader.locator("h1"), "Example Corp joins the Foundation")
    expect_text(reader.locator(".bio-card h2"), "About Ada Example")
    shot(reader, "1-frontend-preview")

    # 2. Publish: the list shows the post and its page renders every block.
    page.get_by_role("button", name="More actions").click()
    page.locator("button[name='action-publish']").click()
    page.wait_for_url(re.compile(r".*/admin/pages/\d+/"))
    post = NewsPage.objects.get(title="Example Corp joins the Foundation")
    assert post.live

    reader.goto(f"{frontend}/news/")
    card = reader.locator(".card").filter(has_text="Example Corp joins the Foundation")
    card.wait_for()
    shot(reader, "2-frontend-list")
    card.locator(".card__title a").click()
    reader.wait_for_url(f"{frontend}/news/{post.slug}/")
    expect_text(reader.locator("h1"), "Example Corp joins the Foundation")
    expect_text(reader.locator(".block--paragraph"), "Draft words written in the browser.")
    figure = reader.locator(".block--image figure")
    expect_text(figure.locator("figcaption"), "The new member's office")
    img = figure.locator("img")
    assert "480w" in img.get_attribute("srcset")
    assert img.get_attribute("alt") == "A red rectangle"
    reader.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=img.element_handle()
    )
    quote_text = reader.locator(".block--quote blockquote")
    expect_text(quote_text, "Open collaboration makes us all better.")
    expect_text(reader.locator(".block--quote .attribution"), "Chief Example Officer")
    expect_text(reader.locator(".bio-card"), "Ada has worked on examples for years.")
    expect_text(reader.locator(".boilerplate"), "Example Corp builds example things.")
    assert reader.locator(".preview-banner").count() == 0
    shot(reader, "2-frontend-post")

    # 3. A new title saved as a draft: the public page keeps the old one, preview the new.
    page.goto(f"{cms}/admin/pages/{post.pk}/edit/")
    page.fill("#id_title", "Example Corp joins the Foundation (updated)")
    page.get_by_role("button", name="Save draft").click()
    page.locator(".messages .success, [data-w-messages] .success").first.wait_for()
    post.refresh_from_db()
    assert post.has_unpublished_changes and post.title == "Example Corp joins the Foundation"

    cache.clear()
    reader.goto(f"{frontend}/news/{post.slug}/")
    expect_text(reader.locator("h1"), "Example Corp joins the Foundation")
    assert "(updated)" not in reader.locator("h1").inner_text()
    shot(reader, "3-frontend-public-old-title")
    preview = open_preview(page)
    expect_text(preview.locator("h1"), "Example Corp joins the Foundation (updated)")
    shot(page, "3-admin-preview-new-title")

    # 4. (One test, not two: every browser scenario shares the live servers' database.)
    check_expired_and_forged_tokens(reader, newsroom, post)
    assert not page.js_errors, page.js_errors


def expect_text(locator, text: str) -> None:
    from playwright.sync_api import expect

    expect(locator.first).to_contain_text(text, timeout=TIMEOUT_MS)


# --- Wagtail's preview tools on the frontend, and axe-core on every kind of page ---------------


def test_admin_checks_panel_reports_the_frontends_accessibility_issues(page, newsroom):
    """The preview panel shows the frontend; Wagtail's user bar there runs the checker and the
    admin's Checks panel lists the issue: a draft with an image missing its alt text (none in
    the block, no description on the image), which the preview renders without ``alt``."""
    cms, frontend = newsroom["cms"], newsroom["frontend"]
    undescribed = make_image("Harbour", 800, 600)
    assert undescribed.description == ""
    draft = NewsPage(
        live=False,
        title="A draft with an image missing its alt text",
        summary="Summary",
        body=json.dumps(
            [
                {"type": "paragraph", "value": "<p>Words to count in the preview.</p>"},
                {"type": "image", "value": {"image": undescribed.pk, "alt_text": ""}},
            ]
        ),
    )
    newsroom["index"].add_child(instance=draft)
    draft.save_revision()
    sign_in(page, cms)
    page.goto(f"{cms}/admin/pages/{draft.pk}/edit/")
    preview = open_preview(page)
    expect_text(preview.locator("h1"), "A draft with an image missing its alt text")
    expect_text(preview.locator(".preview-banner"), "Preview")
    assert preview_src(page, frontend).startswith(f"{frontend}/preview/view/?")
    image = preview.locator(".block--image img")
    image.wait_for(state="attached")
    assert image.get_attribute("alt") is None
    # Wagtail's user bar (from the CMS) is in the frontend's document: once it is ready it
    # posts "axe-ready" to the admin, which then runs the checker across the frame. On a busy
    # machine that can take a while; if no report comes, load the edit view again (the
    # preview panel has no Refresh button while it updates itself) and wait once more.
    checks = page.locator("[data-checks-panel]")
    report = checks.filter(has_text="Image is missing alt text")
    for attempt in range(3):
        preview.locator("wagtail-userbar").wait_for(state="attached")
        show_side_panel(page, "Toggle checks")
        try:
            report.wait_for(timeout=30_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.reload()
            show_side_panel(page, "Toggle preview")
            preview = page.frame_locator(PANEL).first
    expect_text(checks, "Image is missing alt text")
    count = page.locator("[data-content-checker-count]").first
    page.wait_for_function("el => Number(el.textContent) >= 1", arg=count.element_handle())
    # Content metrics come from the frontend's document too.
    words = page.locator("[data-content-word-count]").first
    page.wait_for_function("el => /\\d/.test(el.textContent)", arg=words.element_handle())
    shot(page, "5-admin-checks-panel")


AXE = BASE_DIR / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


def serious_violations(tab) -> list[str]:
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`))"
    )
    return result


def test_no_serious_accessibility_violations_at_phone_and_desktop_width(browser, newsroom):
    from tests.test_api_support import publish_rich_post

    frontend = newsroom["frontend"]
    post = publish_rich_post(newsroom["index"], repeats=1, distinct=1, title="Axe post")
    token = post.create_page_preview().token
    pages = {
        "home": "/",
        "list": "/news/",
        "post": post.url,
        "search": "/search/?q=Axe",
        "preview": f"/preview/?content_type=news.newspage&token={token}",
    }
    found = {}
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        tab = context.new_page()
        for name, path in pages.items():
            tab.goto(frontend + path)
            tab.locator("h1").first.wait_for()
            found[f"{name} @ {width_name}"] = serious_violations(tab)
        context.close()
    assert all(not v for v in found.values()), found
    assert len(found) == 10
