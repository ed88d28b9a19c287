"""Hardening (issue 14): bounded search log, request ids, capped error answers, production
e-mail settings and ``check --deploy``."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits, SearchPromotion

from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

# --- Finding 12: search log bounded, pruned -----------------------------------------------------


@override_settings(NEWSROOM_SEARCH_LOG_MAX_QUERIES_PER_DAY=3)
def test_search_log_takes_a_bounded_number_of_query_strings_a_day(client, news_index):
    publish_news_page(news_index, title="Nebula")
    for word in ("nebula", "alpha", "beta"):
        assert client.get("/api/v3/search/", {"q": word}).status_code == 200
    # The day's cap is reached: made-up queries are answered but not logged …
    for n in range(10):
        assert client.get("/api/v3/search/", {"q": f"madeup{n}"}).status_code == 200
    assert Query.objects.count() == 3
    assert QueryDailyHits.objects.count() == 3
    # … while the searches of queries already logged today still count.
    client.get("/api/v3/search/", {"q": "Nebula"})
    assert Query.objects.get(query_string="nebula").hits == 2


def test_prune_search_log_keeps_recent_days_and_promoted_queries(client, news_index):
    page = publish_news_page(news_index, title="Nebula")
    today = timezone.localdate()
    old = Query.objects.create(query_string="old and forgotten")
    QueryDailyHits.objects.create(query=old, date=today - dt.timedelta(days=40), hits=5)
    promoted = Query.objects.create(query_string="promoted")
    QueryDailyHits.objects.create(query=promoted, date=today - dt.timedelta(days=40), hits=1)
    SearchPromotion.objects.create(query=promoted, page=page, sort_order=0)
    client.get("/api/v3/search/", {"q": "recent"})

    out = io.StringIO()
    call_command("prune_search_log", stdout=out)
    assert "Deleted 2 daily search counts and 1 query strings" in out.getvalue()
    assert set(Query.objects.values_list("query_string", flat=True)) == {"promoted", "recent"}
    call_command("prune_search_log", days=0, stdout=out)
    assert QueryDailyHits.objects.filter(date__lt=today).count() == 0


# --- Finding 12: request ids --------------------------------------------------------------------


@pytest.mark.parametrize(
    "incoming",
    ["x" * 65, "a" * 8192, "abc def", "id\u00e9", "<script>", "a;b", ""],
)
def test_a_bad_request_id_is_replaced_not_echoed(client, incoming):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert answered != incoming
    assert len(answered) == 32 and answered.isalnum()


@pytest.mark.parametrize(
    "incoming", ["abc123", "3f2b9c1e-7a4d-4e1f-9a0b-1234567890ab", "trace.span:1_2", "x" * 64]
)
def test_a_valid_request_id_is_echoed(client, incoming):
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


# --- Finding 12: oversized error answers --------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v3/news/", "/api/v3/search/?q=x&", "/api/v2/pages/"])
def test_thousands_of_unknown_parameters_get_a_small_answer(client, news_index, path):
    query = "&".join(f"unknown{n}=1" for n in range(2000))
    separator = "" if path.endswith("&") else "?"
    response = client.get(f"{path}{separator}{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert len(response.content) <= 8192
    body = response.json()
    assert body["status"] == 400
    assert len(body.get("errors") or []) <= 20


def test_a_few_unknown_parameters_are_all_named(client, news_index):
    body = client.get("/api/v3/news/?one=1&two=2").json()
    assert [error["loc"] for error in body["errors"]] == [["query", "one"], ["query", "two"]]


# --- Finding 14: production e-mail, check --deploy ----------------------------------------------


def _production(extra: dict[str, str], code: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EMAIL_", "DEFAULT_FROM", "SERVER_EMAIL", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        SECRET_KEY="k3y-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ" * 2,
        ALLOWED_HOSTS="news.example.org",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


PRINT_MAIL = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(*[s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
    "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL, "
    "s.SERVER_EMAIL], sep='|')"
)


def test_production_reads_mail_settings_from_the_environment():
    result = _production(
        {
            "EMAIL_URL": "submission://mailer%40example.org:s3cr%2Ft@smtp.example.org",
            "DEFAULT_FROM_EMAIL": "Newsroom <news@example.org>",
            "SERVER_EMAIL": "alerts@example.org",
        },
        PRINT_MAIL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split("|") == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "mailer@example.org",
        "s3cr/t",
        "True",
        "False",
        "Newsroom <news@example.org>",
        "alerts@example.org",
    ]


def test_production_mail_defaults_and_a_bad_url():
    result = _production({"EMAIL_URL": "smtp://mail.internal:465?ssl=true"}, PRINT_MAIL)
    assert result.returncode == 0, result.stderr
    words = result.stdout.strip().splitlines()[-1].split("|")
    assert words[1:7] == ["mail.internal", "465", "", "", "False", "True"]
    assert words[-2:] == ["newsroom@news.example.org", "newsroom@news.example.org"]
    refused = _production({"EMAIL_URL": "carrier-pigeon://coop"}, PRINT_MAIL)
    assert refused.returncode != 0
    assert "EMAIL_URL" in refused.stderr


CHECK_DEPLOY = (
    "import sys; from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
)


def test_check_deploy_has_no_warning_with_mail_configured():
    result = _production({"EMAIL_URL": "smtp://smtp.example.org:25"}, CHECK_DEPLOY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_mail_cannot_be_sent():
    result = _production({}, CHECK_DEPLOY)
    assert result.returncode != 0
    assert "newsroom.W001" in result.stderr + result.stdout
