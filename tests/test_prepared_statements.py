"""PostgreSQL runs the API's compiled statements as prepared statements (news.read.statements):
after a few runs on a connection a statement is planned once, not at every run. The answers
stay those of an unprepared run, and Django's query log still shows each statement's text.
On SQLite (no prepared statements there) the cursor is Django's own."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.settings.database import PREPARE_THRESHOLD
from news.read.selectors import visible_news_page_row
from news.read.statements import numbered, statement_cursor
from news.related import related_card_rows
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def prepared_statements(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [text for (text,) in cursor.fetchall() if fragment in text]


def run_often(sql_marker: str, page_id: int) -> None:
    """A statement of its own (a marker no other test uses), run past the threshold."""
    for _ in range(PREPARE_THRESHOLD + 2):
        with statement_cursor() as cursor:
            cursor.execute(
                f"SELECT id /* {sql_marker} */ FROM wagtailcore_page WHERE id = %s", [page_id]
            )
            assert cursor.fetchall() == [(page_id,)]


@postgres_only
def test_a_statement_run_often_is_prepared_and_answers_the_same(news_index):
    posts = [publish_news_page(news_index, title=f"Post {n}") for n in range(3)]
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == PREPARE_THRESHOLD
    marker = f"prepared-{uuid.uuid4().hex}"
    run_often(marker, posts[0].pk)
    assert len(prepared_statements(marker)) == 1
    # The API's statements: the same answers prepared as before, their text in the query log.
    first = {post.pk: visible_news_page_row(post.pk) for post in posts}
    related = {post.pk: related_card_rows(post) for post in posts}
    with CaptureQueriesContext(connection) as queries:
        for _ in range(PREPARE_THRESHOLD + 1):
            for post in posts:
                row = visible_news_page_row(post.pk)
                assert (row.pk, row.title) == (first[post.pk].pk, first[post.pk].title)
                assert related_card_rows(post) == related[post.pk]
    assert prepared_statements('"news_newspage"."page_ptr_id"')
    assert all(q["sql"] and "SELECT" in q["sql"] for q in queries.captured_queries)
    assert visible_news_page_row(10**9) is None  # a value never seen: still the right answer


@postgres_only
def test_without_a_threshold_nothing_is_prepared(news_index):
    post = publish_news_page(news_index, title="Post")
    options = connection.settings_dict["OPTIONS"]
    saved = options.pop("prepare_threshold")
    marker = f"unprepared-{uuid.uuid4().hex}"
    try:
        run_often(marker, post.pk)  # Django's own cursor: values bound on the client
    finally:
        options["prepare_threshold"] = saved
    assert prepared_statements(marker) == []


def test_the_statement_cursor_runs_plain_sql_on_every_database(news_index):
    post = publish_news_page(news_index, title="Plain")
    run_often(f"plain-{uuid.uuid4().hex}", post.pk)


def test_placeholders_are_numbered_as_postgresql_numbers_them():
    assert numbered("SELECT %s, '%%' || %s FROM t WHERE a IN (%s, %s)") == (
        "SELECT $1, '%' || $2 FROM t WHERE a IN ($3, $4)"
    )
    assert numbered("SELECT 1") == "SELECT 1"


def test_a_statement_with_many_values_and_a_percent_sign_answers_right(news_index):
    # Over psycopg's own cache of converted statements (50 values): numbered once per
    # process, on the raw cursor, for the same answer as Django's own cursor gives.
    posts = [publish_news_page(news_index, title=f"Many {n}") for n in range(3)]
    ids = [post.pk for post in posts] + [10**9 + n for n in range(60)]
    marks = ", ".join(["%s"] * len(ids))
    sql = f"SELECT id, '100%%' FROM wagtailcore_page WHERE id IN ({marks}) ORDER BY id"
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        expected = cursor.fetchall()
    assert expected == [(post.pk, "100%") for post in posts]
    for _ in range(PREPARE_THRESHOLD + 2):
        with statement_cursor() as cursor:
            cursor.execute(sql, ids)
            assert cursor.fetchall() == expected
