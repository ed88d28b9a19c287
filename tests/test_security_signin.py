"""Hardening (issue 14, finding 4): sign-in throttling on every password form — Wagtail's admin
login, Django's admin login, and the password forms of restricted pages and documents — with
django-axes, counted in the database (so shared by every process)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from cms.signin import client_ip
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db
LIMIT = 5  # NEWSROOM_SIGNIN_FAILURE_LIMIT's default


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("ed", "ed@example.org", "right-password")


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("login_url", ["/admin/login/", "/django-admin/login/"])
def test_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, staff, login_url):
    for _ in range(LIMIT - 1):
        response = client.post(login_url, {"username": "ed", "password": "guess"})
        assert response.status_code == 200  # the form again, with an error
        assert not _signed_in(client)
    # The last failure allowed locks the account out from this address.
    assert client.post(login_url, {"username": "ed", "password": "guess"}).status_code == 429
    response = client.post(login_url, {"username": "ed", "password": "right-password"})
    assert response.status_code == 429
    assert not _signed_in(client)
    # The count lives in the database: another process (a new client, same address) sees it.
    attempt = AccessAttempt.objects.get(username="ed")
    assert attempt.failures_since_start >= LIMIT
    other_process = Client()
    refused = other_process.post(login_url, {"username": "ed", "password": "right-password"})
    assert refused.status_code == 429 and not _signed_in(other_process)


def test_a_few_mistakes_do_not_lock_anyone_out(client, staff):
    for _ in range(LIMIT - 1):
        client.post("/admin/login/", {"username": "ed", "password": "typo"})
    response = client.post("/admin/login/", {"username": "ed", "password": "right-password"})
    assert response.status_code == 302
    assert _signed_in(client)
    # A success starts the count again.
    assert not AccessAttempt.objects.filter(username="ed").exists()


def test_lockout_is_per_address(client, staff):
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "ed", "password": "guess"})
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    response = elsewhere.post("/admin/login/", {"username": "ed", "password": "right-password"})
    assert response.status_code == 302


def test_page_password_form_is_throttled(client, news_index):
    page = publish_news_page(news_index, title="Members only")
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type="password", password="open-sesame"
    )
    url = f"/_util/authenticate_with_password/{restriction.pk}/{page.pk}/"
    for _ in range(LIMIT - 1):
        response = client.post(url, {"password": "guess", "return_url": "/"})
        assert response.status_code == 200
    assert client.post(url, {"password": "guess", "return_url": "/"}).status_code == 429
    response = client.post(url, {"password": "open-sesame", "return_url": "/"})
    assert response.status_code == 429
    assert str(restriction.pk) not in str(client.session.get("passed_page_view_restrictions"))
    assert AccessAttempt.objects.filter(username=f"page-restriction:{restriction.pk}").exists()
    # The right password from elsewhere still works.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(url, {"password": "open-sesame", "return_url": "/"}).status_code == 302


def test_document_password_form_is_throttled(client):
    root = Collection.get_first_root_node()
    collection = root.add_child(name="Press kit")
    restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type="password", password="kit-password"
    )
    document = get_document_model()(title="Kit", collection=collection)
    document.file.save("kit.txt", ContentFile(b"kit"), save=True)
    url = f"/documents/authenticate_with_password/{restriction.pk}/"
    for _ in range(LIMIT - 1):
        assert client.post(url, {"password": "guess", "return_url": "/"}).status_code == 200
    assert client.post(url, {"password": "guess", "return_url": "/"}).status_code == 429
    response = client.post(url, {"password": "kit-password", "return_url": "/"})
    assert response.status_code == 429


@override_settings(NEWSROOM_TRUSTED_PROXIES=1)
def test_client_address_behind_a_trusted_proxy(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "198.51.100.7"  # what the proxy saw, not what the client wrote


def test_client_address_without_proxies_is_the_peer(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "10.0.0.1"
