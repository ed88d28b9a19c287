"""The editor's quick sequence in a real browser: create a post, Save draft, Preview, Publish.

Wagtail 8 autosaves while the editor types. An autosave still on its way to the server when
the editor clicks "Save draft" used to overwrite its own revision *after* the explicit save
had created a newer one: two revisions with inverted ``created_at``, and the publish answered
with "You saved a new version in another window". The sequence runs 10 times, with the click
landing at different moments of the autosave cycle, against the threaded live server (the
requests of one browser tab really overlap, as under gunicorn). See docs/editing.md.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from wagtail.models import Revision

from news.models import NewsPage
from tests import test_browser_preview as preview_tests
from tests.test_browser_preview import (
    TIMEOUT_MS,
    add_block,
    expect_text,
    open_preview,
    shot,
    sign_in,
)

# The live CMS and frontend, the browser and the editor of the preview tests (pytest finds
# fixtures by their name in this module).
browser = preview_tests.browser
cms_url = preview_tests.cms_url
frontend_url = preview_tests.frontend_url
newsroom = preview_tests.newsroom
page = preview_tests.page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("committed_db"),
]

RUNS = 10
CONFLICT_TEXT = "saved a new version"
# Counts Wagtail's autosave events (``w-autosave:save`` fires when an autosave is scheduled, about
# half a second before its request leaves; ``w-autosave:success`` when one has been applied).
COUNT_AUTOSAVES = """
window.newsroomAutosaves = {scheduled: 0, done: 0};
document.addEventListener("w-autosave:save", () => { window.newsroomAutosaves.scheduled += 1; });
document.addEventListener("w-autosave:success", () => { window.newsroomAutosaves.done += 1; });
"""
# Wagtail's unsaved-changes watcher takes the form's initial state 2 s after the page loads;
# edits before that are not seen (nor autosaved).
WATCH_DELAY_MS = 2200
LOADED = "img => img.complete && img.naturalWidth > 0"


def wait_until_loaded(page, image) -> None:
    for _ in range(400):
        if image.evaluate(LOADED):
            return
        page.wait_for_timeout(50)
    raise PlaywrightTimeoutError("the image did not load")


def wait_until(page, expression: str, timeout_ms: int = 20_000) -> None:
    """Poll ``expression`` with ``page.evaluate``: the admin's Content-Security-Policy has no
    'unsafe-eval', which Playwright's ``wait_for_function`` needs (it builds a Function)."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise PlaywrightTimeoutError(f"{expression} not true within {timeout_ms} ms")


def revision_stamps(post: NewsPage) -> list[tuple[int, object]]:
    return list(
        Revision.page_revisions.filter(object_id=str(post.pk))
        .order_by("pk")
        .values_list("pk", "created_at")
    )


def test_create_save_preview_publish_ten_times_without_a_false_conflict(page, newsroom):
    cms = newsroom["cms"]
    index = newsroom["index"]
    sign_in(page, cms)
    page.add_init_script(COUNT_AUTOSAVES)
    for run in range(RUNS):
        title = f"Quick post number {run}"
        page.goto(f"{cms}/admin/pages/add/news/newspage/{index.pk}/")
        page.wait_for_timeout(WATCH_DELAY_MS)
        page.locator("#id_title").press_sequentially(title)
        # Autosave creates the page; the form now edits it (the address becomes the edit view's).
        wait_until(page, "window.newsroomAutosaves.done > 0")
        assert re.search(r"/admin/pages/\d+/edit/$", page.url), page.url
        page.locator("#id_summary").press_sequentially(f"Summary of post {run}.")
        wait_until(page, "window.newsroomAutosaves.scheduled > 1")
        # "Save draft" lands before, while and after the autosave of the summary is sent:
        # its request and the autosave's overlap on the (threaded) server.
        page.wait_for_timeout(100 * run)
        page.get_by_role("button", name="Save draft").click()
        page.locator(".messages .success, [data-w-messages] .success").first.wait_for()
        post = NewsPage.objects.get(title=title)
        assert page.url.endswith(f"/admin/pages/{post.pk}/edit/")

        preview = open_preview(page)
        expect_text(preview.locator("h1"), title)

        page.get_by_role("button", name="More actions").click()
        page.locator("button[name='action-publish']").click()
        # A false conflict shows Wagtail's "saved a new version" dialog instead of publishing.
        try:
            page.wait_for_url(re.compile(rf".*/admin/pages/{index.pk}/$"), timeout=TIMEOUT_MS)
        except PlaywrightTimeoutError:
            shot(page, f"editor-flow-{run}-not-published")
            dialog = page.locator("#w-save-confirmation-dialog")
            shown = dialog.inner_text() if dialog.is_visible() else "no dialog"
            raise AssertionError(f"run {run}: the publish did not go through ({shown})") from None
        shot(page, f"editor-flow-{run}")
        assert CONFLICT_TEXT not in page.content()
        post.refresh_from_db()
        assert post.live and not post.has_unpublished_changes, f"run {run}: not published"
        assert post.summary == f"Summary of post {run}."
        stamps = revision_stamps(post)
        # Every later revision (by id) was also created later: no autosave overwrote its own
        # revision after the explicit save, and the page's latest revision is the newest one.
        assert [stamp for _pk, stamp in stamps] == sorted(stamp for _pk, stamp in stamps), stamps
        assert post.live_revision_id == stamps[-1][0]
    assert NewsPage.objects.filter(title__startswith="Quick post number").count() == RUNS
    assert not page.js_errors, page.js_errors


def test_boilerplate_help_and_choosers_as_the_editor_sees_them(page, newsroom):
    """The help texts show their placeholders; the choosers show who is who."""
    cms = newsroom["cms"]
    sign_in(page, cms)
    page.goto(f"{cms}/admin/pages/add/news/newspage/{newsroom['index'].pk}/")
    boilerplate = add_block(page, "About boilerplate")
    expect_text(boilerplate, 'An "About <organisation>" section, edited once in Organisations.')
    expect_text(boilerplate, 'Shows "About <name>" with the organisation')

    boilerplate.get_by_role("button", name="Choose organisation").click()
    modal = page.locator(".modal-dialog")
    row = modal.locator("tbody tr").filter(has_text="Example Corp")
    expect_text(row, "Premier member")
    wait_until_loaded(page, row.locator("img"))
    shot(page, "editor-flow-organisation-chooser")
    modal.get_by_role("button", name="Close").click()

    bio = add_block(page, "Bio")
    bio.get_by_role("button", name="Choose person").click()
    row = modal.locator("tbody tr").filter(has_text="Ada Example")
    expect_text(row, "Example Corp")
    expect_text(row, "Chief Example Officer")
    wait_until_loaded(page, row.locator("img"))
    shot(page, "editor-flow-person-chooser")
    assert not page.js_errors, page.js_errors
