"""The publishing pipeline end to end: editor action → ChangeEvent → signed webhook POST.

A real HTTP server on 127.0.0.1 (a free port, a thread) receives the webhooks; each test
checks the signature, the payload and the paths. Deliveries run on the real background
thread backend after commit, so these tests use real transactions (``transaction=True``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from news.models import NewsIndexPage, NewsPage, NewsPageAuthor
from news.snippets import Organisation, Person
from news.webhooks.models import DeliveryLog
from news.webhooks.signing import SIGNATURE_HEADER, verify_signature
from tasks.pool import wait_for_background_tasks
from tests.conftest import make_image, publish_news_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_db")]

SECRET = "test-webhook-secret"
FEEDS = {"/feed.xml", "/atom.xml"}


# --- A local webhook receiver -----------------------------------------------------------------


class Receiver:
    """Records every POST; answers with queued status codes (200 when the queue is empty)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answers: list[int] = []
        self.hold: threading.Event | None = None
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.arrived:
                    receiver.received.append(
                        {"headers": dict(self.headers), "body": body, "at": time.monotonic()}
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.arrived.notify_all()
                if receiver.hold is not None:
                    receiver.hold.wait(10)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/revalidate"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)

    def events(self) -> list[dict]:
        """The verified payloads received so far (fails on a bad signature)."""
        payloads = []
        for request in self.received:
            header = request["headers"][SIGNATURE_HEADER]
            assert verify_signature(header, request["body"], SECRET), header
            payloads.append(json.loads(request["body"]))
        return payloads

    def settle(self) -> None:
        """Wait for every queued delivery, then forget what arrived (and its log) so far."""
        assert wait_for_background_tasks(10)
        with self.arrived:
            self.received.clear()
        DeliveryLog.objects.all().delete()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    server = Receiver()
    settings.NEWSROOM_WEBHOOK_URLS = [server.url]
    settings.NEWSROOM_WEBHOOK_SECRET = SECRET
    settings.NEWSROOM_WEBHOOK_BACKOFF = 0.01
    settings.NEWSROOM_WEBHOOK_MAX_ATTEMPTS = 3
    settings.NEWSROOM_WEBHOOK_TIMEOUT = 3
    yield server
    if server.hold is not None:
        server.hold.set()
    wait_for_background_tasks(15)
    server.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def only_event(receiver: Receiver) -> dict:
    assert wait_for_background_tasks(10)
    events = receiver.events()
    assert len(events) == 1, [e["event"] for e in events]
    return events[0]


@pytest.fixture
def site(news_index, receiver):
    """A home page and a news index, with the webhooks their creation caused forgotten."""
    receiver.settle()
    return news_index


def boilerplate_body(organisation: Organisation) -> str:
    return json.dumps(
        [
            {
                "type": "boilerplate",
                "value": {"organisation": organisation.pk, "boilerplate_override": ""},
            }
        ]
    )


def page_form(page: NewsPage, **changes) -> dict:
    data = {
        "title": page.title,
        "slug": page.slug,
        "subtitle": page.subtitle,
        "date": "2026-11-01 10:00",
        "byline": "",
        "summary": page.summary,
        "feature_image": "",
        "feature_image_alt": "",
        "category": "",
        "tags": "",
        "canonical_url": "",
        "seo_title": "",
        "search_description": "",
        "authors": inline_formset([]),
        "body": streamfield([]),
        **changes,
    }
    return nested_form_data(data)


# --- Pages --------------------------------------------------------------------------------------


def test_admin_publish_sends_one_signed_event_with_every_affected_path(
    site, editor_client, receiver
):
    page = publish_news_page(site, title="First draft", slug="first")
    receiver.settle()

    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = editor_client.post(
        url, page_form(page, title="Final words", **{"action-publish": "publish"})
    )
    assert response.status_code == 302

    event = only_event(receiver)
    request = receiver.received[0]
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Newsroom-Event"] == "page.published"
    assert event["event"] == "page.published"
    assert event["object"] == {"type": "page", "id": page.pk}
    assert {"type": "page", "id": page.pk} in event["objects"]
    assert set(event["paths"]) == {"/news/first/", "/news/", "/"} | FEEDS
    assert len(event["id"]) == 32
    assert event["timestamp"].endswith("Z")
    # the signature covers the exact body: one changed byte and it no longer verifies
    header = request["headers"][SIGNATURE_HEADER]
    assert not verify_signature(header, request["body"].replace(b"first", b"firsT"), SECRET)
    assert not verify_signature(header, request["body"], "another secret")
    # and an old signature is a replay
    assert not verify_signature(header, request["body"], SECRET, now=time.time() + 600)
    log = DeliveryLog.objects.get()
    assert (log.status, log.attempts, log.last_response_code) == ("delivered", 1, 200)
    assert log.event_id == event["id"]


def test_unpublish_and_delete_send_the_pages_path(site, receiver):
    page = publish_news_page(site, title="Short-lived", slug="short-lived")
    receiver.settle()

    page.unpublish()
    event = only_event(receiver)
    assert event["event"] == "page.unpublished"
    assert set(event["paths"]) == {"/news/short-lived/", "/news/", "/"} | FEEDS
    receiver.settle()

    page.save_revision().publish()
    receiver.settle()
    Page.objects.get(pk=page.pk).delete()
    event = only_event(receiver)  # unpublish-before-delete and delete: one event
    assert event["event"] == "page.deleted"
    assert set(event["actions"]) == {"page.deleted", "page.unpublished"}
    assert {"/news/short-lived/", "/news/", "/"} <= set(event["paths"])


def test_deleting_a_section_is_one_event_with_every_post(site, receiver, editor_client):
    publish_news_page(site, title="One", slug="one")
    publish_news_page(site, title="Two", slug="two")
    receiver.settle()

    response = editor_client.post(reverse("wagtailadmin_pages:delete", args=(site.pk,)))
    assert response.status_code == 302
    event = only_event(receiver)
    assert event["event"] == "page.deleted"
    assert {"/news/", "/news/one/", "/news/two/", "/"} <= set(event["paths"])


def test_slug_change_sends_old_and_new_paths(site, receiver, editor_client):
    page = publish_news_page(site, title="Renamed", slug="old-name")
    receiver.settle()

    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = editor_client.post(
        url, page_form(page, slug="new-name", **{"action-publish": "publish"})
    )
    assert response.status_code == 302
    event = only_event(receiver)  # slug change + publish in one request: one event
    assert event["event"] == "page.slug_changed"
    assert set(event["actions"]) == {"page.slug_changed", "page.published"}
    assert {"/news/old-name/", "/news/new-name/", "/news/", "/"} <= set(event["paths"])


def test_moving_a_section_sends_every_old_and_new_path(site, home_page, receiver):
    page = publish_news_page(site, title="Moved", slug="moved")
    other = NewsIndexPage(title="Press", slug="press")
    home_page.add_child(instance=other)
    other.save_revision().publish()
    receiver.settle()

    Page.objects.get(pk=page.pk).move(other, pos="last-child")
    event = only_event(receiver)
    assert event["event"] == "page.moved"
    assert {"/news/moved/", "/press/moved/", "/news/", "/press/", "/"} <= set(event["paths"])


def test_a_page_linking_to_a_renamed_page_is_revalidated(site, receiver):
    target = publish_news_page(site, title="Target", slug="target")
    body = json.dumps(
        [
            {
                "type": "paragraph",
                "value": f'<p>See <a linktype="page" id="{target.pk}">this</a>.</p>',
            }
        ]
    )
    linking = publish_news_page(site, title="Linking", slug="linking", body=body)
    receiver.settle()

    target.slug = "target-renamed"
    target.save_revision().publish()
    assert wait_for_background_tasks(10)
    paths = set().union(*(set(e["paths"]) for e in receiver.events()))
    assert {"/news/target/", "/news/target-renamed/", "/news/linking/"} <= paths
    objects = [o for e in receiver.events() for o in e["objects"]]
    assert {"type": "page", "id": linking.pk} in objects


def test_saving_a_draft_sends_nothing(site, receiver, editor_client, organisation):
    page = publish_news_page(site, title="Stable", slug="stable")
    receiver.settle()

    page.title = "Draft title"
    page.save_revision()
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    assert editor_client.post(url, page_form(page, title="Admin draft")).status_code == 302
    organisation.boilerplate = "<p>Draft boilerplate.</p>"
    organisation.save_revision()
    assert wait_for_background_tasks(10)
    time.sleep(0.2)
    assert receiver.received == []
    assert not DeliveryLog.objects.exists()


def test_publish_scheduled_sends_the_go_live_and_the_expiry(site, receiver):
    page = publish_news_page(site, title="Live now", slug="expiring")
    page.expire_at = timezone.now() - timedelta(minutes=1)
    page.save()
    scheduled = NewsPage(title="Embargoed", slug="embargoed")
    site.add_child(instance=scheduled)
    scheduled.go_live_at = timezone.now() + timedelta(hours=1)
    scheduled.save_revision().publish()
    scheduled.refresh_from_db()
    assert not scheduled.live
    scheduled.latest_revision.__class__.objects.filter(pk=scheduled.latest_revision_id).update(
        approved_go_live_at=timezone.now() - timedelta(seconds=1)
    )
    receiver.settle()

    call_command("publish_scheduled")
    assert wait_for_background_tasks(10)
    events = {e["event"]: e for e in receiver.events()}
    assert set(events) == {"page.published", "page.expired"}
    assert events["page.published"]["object"] == {"type": "page", "id": scheduled.pk}
    assert "/news/embargoed/" in events["page.published"]["paths"]
    assert "/news/expiring/" in events["page.expired"]["paths"]


# --- Snippets and images: fan-out through the reference index -----------------------------------


def test_publishing_an_organisation_revalidates_every_post_that_carries_it(
    site, receiver, organisation, person, editor_client
):
    with_boilerplate = publish_news_page(
        site, title="Release", slug="release", body=boilerplate_body(organisation)
    )
    authored = NewsPage(title="By Ada", slug="by-ada")
    authored.authors.add(NewsPageAuthor(person=person))
    site.add_child(instance=authored)
    authored.save_revision().publish()
    unrelated = publish_news_page(site, title="Unrelated", slug="unrelated")
    receiver.settle()

    url = reverse("wagtailsnippets_news_organisation:edit", args=(organisation.pk,))
    data = {
        "name": organisation.name,
        "slug": organisation.slug,
        "website": organisation.website,
        "logo": organisation.logo_id,
        "membership_level": "premier",
        "boilerplate": rich_text("<p>Example Corp now builds better things.</p>"),
        "legal_notice": rich_text(""),
        "action-publish": "publish",
    }
    assert editor_client.post(url, data).status_code == 302

    event = only_event(receiver)
    assert event["event"] == "organisation.published"
    assert event["object"] == {"type": "organisation", "id": organisation.pk}
    paths = set(event["paths"])
    # directly (boilerplate block) and through a person of the organisation (author)
    assert {"/news/release/", "/news/by-ada/", "/news/", "/"} | FEEDS <= paths
    assert "/news/unrelated/" not in paths
    objects = event["objects"]
    assert {"type": "page", "id": with_boilerplate.pk} in objects
    assert {"type": "person", "id": person.pk} in objects
    assert {"type": "page", "id": unrelated.pk} not in objects


def test_unpublishing_and_deleting_a_person(site, receiver, person):
    page = NewsPage(title="Quoted", slug="quoted")
    page.authors.add(NewsPageAuthor(person=person))
    site.add_child(instance=page)
    page.save_revision().publish()
    receiver.settle()

    person.unpublish()
    event = only_event(receiver)
    assert event["event"] == "person.unpublished"
    assert "/news/quoted/" in event["paths"]
    receiver.settle()

    person.save_revision().publish()
    receiver.settle()
    Person.objects.get(pk=person.pk).delete()
    event = only_event(receiver)
    assert event["event"] == "person.deleted"
    assert "/news/quoted/" in event["paths"]


def test_replacing_an_image_revalidates_pages_and_logos_that_show_it(site, receiver, organisation):
    photo = make_image("Photo")
    featured = publish_news_page(site, title="Featured", slug="featured", feature_image=photo)
    logo_user = publish_news_page(
        site, title="Logo", slug="logo", body=boilerplate_body(organisation)
    )
    receiver.settle()

    replacement = make_image("Replacement")
    photo.file = replacement.file
    photo.save()
    event = only_event(receiver)
    assert event["event"] == "image.replaced"
    assert "/news/featured/" in event["paths"]
    receiver.settle()

    # the organisation's logo: posts carrying the organisation show it
    logo = organisation.logo
    logo.description = "A new description"
    logo.save()
    event = only_event(receiver)
    assert event["event"] == "image.updated"
    assert "/news/logo/" in event["paths"]
    assert {"type": "page", "id": logo_user.pk} in event["objects"]
    receiver.settle()

    photo.delete()
    event = only_event(receiver)
    assert event["event"] == "image.deleted"
    assert {"type": "page", "id": featured.pk} in event["objects"]


def test_image_saves_that_change_nothing_visible_send_nothing(site, receiver, image):
    image.get_file_size()  # may store the size: a bookkeeping save
    image.save(update_fields=["file_size"])
    image.save()
    assert wait_for_background_tasks(10)
    assert receiver.received == []


# --- Delivery: retries, failures, never in the editor's way -------------------------------------


def test_a_5xx_is_retried_exactly_once_before_the_200(site, receiver):
    receiver.answers = [500]
    publish_news_page(site, title="Retry", slug="retry")
    requests = receiver.wait_for(2)
    assert wait_for_background_tasks(10)
    assert len(receiver.received) == 2
    assert requests[0]["body"] == requests[1]["body"]
    log = DeliveryLog.objects.get()
    assert (log.status, log.attempts, log.last_response_code) == ("delivered", 2, 200)


def test_a_4xx_is_not_retried(site, receiver):
    receiver.answers = [404]
    publish_news_page(site, title="Gone", slug="gone")
    assert wait_for_background_tasks(10)
    time.sleep(0.1)
    assert len(receiver.received) == 1
    log = DeliveryLog.objects.get()
    assert (log.status, log.attempts, log.last_response_code) == ("failed", 1, 404)


def test_a_receiver_that_is_down_neither_breaks_nor_slows_publishing(site, settings, editor_client):
    settings.NEWSROOM_WEBHOOK_URLS = [f"http://127.0.0.1:{free_port()}/down"]
    page = publish_news_page(site, title="Down", slug="down")
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = editor_client.post(
        url, page_form(page, title="Still publishes", **{"action-publish": "publish"})
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live and page.title == "Still publishes"
    assert wait_for_background_tasks(10)
    logs = DeliveryLog.objects.all()
    assert logs and all(
        log.status == "failed" and log.attempts == 3 and log.last_response_code is None
        for log in logs
    )


def test_a_slow_receiver_does_not_hold_up_the_publish_request(site, receiver, editor_client):
    page = publish_news_page(site, title="Slow", slug="slow")
    receiver.settle()
    receiver.hold = threading.Event()  # the receiver answers only when the test says so

    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = editor_client.post(url, page_form(page, **{"action-publish": "publish"}))
    assert response.status_code == 302
    # the request has returned although the receiver has not answered
    assert receiver.wait_for(1)
    assert DeliveryLog.objects.get().status == "pending"
    receiver.hold.set()
    assert wait_for_background_tasks(10)
    assert DeliveryLog.objects.get().status == "delivered"


# --- The delivery log in the admin ----------------------------------------------------------------


def test_delivery_log_lists_inspects_and_resends(site, receiver, editor_client):
    receiver.answers = [400]
    publish_news_page(site, title="Logged", slug="logged")
    assert wait_for_background_tasks(10)
    log = DeliveryLog.objects.get()
    assert log.status == "failed"

    listing = editor_client.get(reverse("webhook_deliveries:index"))
    assert listing.status_code == 200
    assert b"page.published" in listing.content and b"Resend" in listing.content
    inspect = editor_client.get(reverse("webhook_deliveries:inspect", args=(log.pk,)))
    assert inspect.status_code == 200 and b"/news/logged/" in inspect.content
    resend_url = reverse("webhook_deliveries:resend", args=(log.pk,))
    assert editor_client.get(resend_url).status_code == 405

    response = editor_client.post(resend_url)
    assert response.status_code == 302
    assert wait_for_background_tasks(10)
    assert len(receiver.received) == 2
    assert receiver.received[0]["body"] == receiver.received[1]["body"]
    log.refresh_from_db()
    assert (log.status, log.last_response_code) == ("delivered", 200)


def test_the_delivery_log_is_for_admins_only(client, django_user_model, site):
    user = django_user_model.objects.create_user("reader", password="pw")
    client.force_login(user)
    response = client.get(reverse("webhook_deliveries:index"))
    assert response.status_code in (302, 403)


def test_prune_deliveries_removes_old_entries(db):
    old = DeliveryLog.objects.create(
        event="page.published",
        endpoint="http://x.test/",
        payload="{}",
        event_id="a",
        created_at=timezone.now() - timedelta(days=40),
    )
    recent = DeliveryLog.objects.create(
        event="page.published", endpoint="http://x.test/", payload="{}", event_id="b"
    )
    call_command("prune_deliveries")
    assert list(DeliveryLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not DeliveryLog.objects.filter(pk=old.pk).exists()
    call_command("prune_deliveries", days=0)
    assert not DeliveryLog.objects.exists()


# --- The API cache hears of exactly the same changes ----------------------------------------------


def test_api_cache_generation_follows_the_change_events(site, receiver, organisation):
    from news import api_cache

    page = publish_news_page(
        site, title="Cached", slug="cached", body=boilerplate_body(organisation)
    )
    receiver.settle()
    before = api_cache.current_generation()
    page.title = "Draft only"
    page.save_revision()
    organisation.save_revision()
    assert api_cache.current_generation() == before  # drafts: nothing readers can see

    organisation.save_revision().publish()
    after_snippet = api_cache.current_generation()
    assert after_snippet > before
    page.unpublish()
    assert api_cache.current_generation() > after_snippet
    assert wait_for_background_tasks(10)
    # Delivered by a pool of background threads: in either order.
    assert sorted(e["event"] for e in receiver.events()) == [
        "organisation.published",
        "page.unpublished",
    ]
