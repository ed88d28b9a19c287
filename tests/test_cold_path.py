"""The cold render path's per-process shortcuts give what the ORM and Wagtail give, and never
go stale: statements compiled once per process (``news.read.statements``; lists of ids at a few
lengths) and the sites with
their root paths kept under the ``site`` and ``pages`` versions (``news.read.sites``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction, Site

from news import api_cache
from news.cards import CARD_LINKS
from news.models import NewsPageAuthor
from news.read import sites
from news.read.selectors import card_links, news_queryset, visible_news_page_row
from news.read.statements import Statement, padded
from news.snippets import NewsCategory
from tests.conftest import publish_news_page

pytestmark = pytest.mark.django_db


def _fields(page) -> dict:
    return {field.attname: getattr(page, field.attname) for field in page._meta.concrete_fields}


def test_compiled_visible_post_is_the_orm_row(news_index):
    category = NewsCategory.objects.get(slug="release")
    visible = publish_news_page(news_index, title="Visible", category=category)
    bare = publish_news_page(news_index, title="No category")
    expired = publish_news_page(news_index, title="Expired")
    type(expired).objects.filter(pk=expired.pk).update(
        expire_at=timezone.now() - dt.timedelta(seconds=1)
    )
    private = publish_news_page(news_index, title="Private")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    draft = publish_news_page(news_index, title="Draft")
    draft.unpublish()

    for page in (visible, bare):
        compiled = visible_news_page_row(page.pk)
        orm = news_queryset().get(pk=page.pk)
        assert _fields(compiled) == {**_fields(orm), "body": compiled.body}
        assert list(compiled.body.raw_data) == list(orm.body.raw_data)
        assert compiled.category == orm.category and compiled.locale == orm.locale
    assert visible_news_page_row(visible.pk).category.name == category.name
    assert visible_news_page_row(bare.pk).category is None
    # The clock is the database's at each run, not the moment the statement was compiled.
    for page in (expired, private, draft):
        assert visible_news_page_row(page.pk) is None
    type(visible).objects.filter(pk=visible.pk).update(
        expire_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert visible_news_page_row(visible.pk) is None


def test_a_list_of_ids_is_compiled_at_a_few_lengths_with_the_same_answers(news_index, person):
    posts = [
        publish_news_page(
            news_index, title=f"Post {n}", authors=[NewsPageAuthor(person=person)] if n % 2 else []
        )
        for n in range(11)
    ]
    ids = [post.pk for post in posts]
    assert [len(padded(ids[:n])) for n in range(12)] == [0, 1, 2, 4, 4, 8, 8, 8, 8, 16, 16, 16]
    assert padded(ids[:3]) == [*ids[:3], ids[2]] and len(padded(list(range(70)))) == 128
    statement = Statement(CARD_LINKS.build)  # compiled shapes of its own, counted below
    for count in range(1, 12):
        # The statement (ids padded) and the ORM (ids as given) list the same links.
        orm = [tuple(row.values()) for row in card_links(ids[:count])]
        assert statement.run(ids=ids[:count]) == orm, count
    assert any(kind == "a" for kind, *_ in statement.run(ids=ids))
    # 11 lengths, 5 statements (1, 2, 4, 8, 16): each prepared and planned once per connection.
    assert statement._compile.cache_info().currsize == 5


def test_versions_are_read_with_a_few_statement_shapes(home_page):
    tags = [f"page:{n}" for n in range(1, 10)]
    api_cache.bump(tags[::2], "test: some tags have versions")
    _row, everything = api_cache._select_versions(tags)
    assert sum(1 for version in everything.values() if version) == 5
    lengths: set[int] = set()
    for count in range(1, len(tags) + 1):
        with CaptureQueriesContext(connection) as queries:
            _row, versions = api_cache._select_versions(tags[:count])
        assert versions == {tag: everything[tag] for tag in tags[:count]}
        listed = queries.captured_queries[0]["sql"].rsplit(" IN (", 1)[1]
        lengths.add(len(listed.split(", ")))
    assert lengths == {1, 2, 4, 8, 16}  # the lengths of the tag lists sent


def _request(versions: tuple[int, int], host: str = "localhost"):
    request = RequestFactory().get("/api/v3/news/", HTTP_HOST=host)
    request._newsroom_site_versions = versions
    return request


def test_sites_are_kept_under_their_versions(home_page, settings, monkeypatch):
    settings.ALLOWED_HOSTS = ["*"]
    monkeypatch.setattr(sites, "_current", None)
    site = Site.objects.get(root_page=home_page)
    first = _request((1, 1))
    sites.attach(first)
    assert first._wagtail_site.pk == site.pk
    assert first._wagtail_cached_site_root_paths[0].root_url == "http://localhost"

    # A change the process has not been told about (no new versions) is not read…
    Site.objects.filter(pk=site.pk).update(port=8080)
    same = _request((1, 1))
    sites.attach(same)
    assert same._wagtail_cached_site_root_paths[0].root_url == "http://localhost"
    # …and new versions, whichever process bumped them, read it again.
    bumped = _request((2, 1))
    sites.attach(bumped)
    assert bumped._wagtail_cached_site_root_paths[0].root_url == "http://localhost:8080"
    assert bumped._wagtail_site.port == 8080


def test_a_site_or_root_page_change_gives_new_versions(home_page, news_index):
    request = RequestFactory().get("/")
    api_cache.read_versions(request, ())
    before = request._newsroom_site_versions
    site = Site.objects.get(root_page=home_page)
    site.site_name = "Renamed"
    site.save()  # the bus bumps ``site``
    api_cache.read_versions(request, ())
    after_site = request._newsroom_site_versions
    assert after_site[0] != before[0]
    home_page.slug = "home-renamed"
    home_page.save_revision().publish()  # a page event bumps ``pages``
    api_cache.read_versions(request, ())
    assert request._newsroom_site_versions[1] != after_site[1]


def test_wagtail_site_matching_rules(home_page):
    default = Site.objects.get(root_page=home_page)
    other = Site.objects.create(hostname="other.example", port=80, root_page=home_page)
    found = sites._read((0, 0))
    assert found.find("other.example", "80") == other
    assert found.find("other.example", "8080") == other  # the one site of this hostname
    assert found.find("unknown.example", "80") == default
    Site.objects.create(hostname="other.example", port=8080, root_page=home_page)
    found = sites._read((0, 0))
    assert found.find("other.example", "8080").port == 8080
    assert found.find("other.example", "9090") == default  # several: the default wins


def test_compiled_page_by_path_is_the_orm_row(news_index):
    """v2's parent of a reader's post: the visible page at a tree path, with its locale."""
    from wagtail.models import Page

    from news.read.selectors import reader_visible, visible_page_by_path

    post = publish_news_page(news_index, title="A post")
    orm = reader_visible(Page.objects.select_related("locale")).get(path=news_index.path)
    compiled = visible_page_by_path(news_index.path)
    assert type(compiled) is Page and _fields(compiled) == _fields(orm)
    assert compiled.locale == orm.locale
    assert visible_page_by_path(post.path[: -post.steplen]).pk == news_index.pk
    Page.objects.filter(pk=news_index.pk).update(expire_at=timezone.now() - dt.timedelta(seconds=1))
    assert visible_page_by_path(news_index.path) is None


def _parent(client, url: str):
    answer = client.get(url)
    assert answer.status_code == 200, answer.content[:300]
    return answer.json()["meta"]["parent"]


def test_v2_parent_of_a_post_as_wagtails_way(client, news_index, settings):
    """The default v2 detail of a reader's post reads its parent with the compiled statement;
    ``?fields=*`` still goes Wagtail's way (the request's visible pages): same parent."""
    from wagtail.models import Page

    settings.NEWSROOM_API_RESPONSE_CACHE = False
    post = publish_news_page(news_index, title="A post")
    url = f"/api/v2/pages/{post.pk}/"
    shown = _parent(client, url)
    assert shown["id"] == news_index.pk and shown["title"] == "News"
    assert shown == _parent(client, url + "?fields=*")
    # A parent readers may no longer see (expired; the post itself still live) is not shown.
    Page.objects.filter(pk=news_index.pk).update(expire_at=timezone.now() - dt.timedelta(seconds=1))
    assert _parent(client, url) is None
    assert _parent(client, url + "?fields=*") is None


def test_v2_serializer_classes_are_built_once_per_fields(news_index):
    """Wagtail's v2 builds a serializer class per request; Newsroom keeps one per endpoint,
    model and fields asked for, and each serializer still gets fields of its own."""
    from wagtail.api.v2.utils import BadRequestError

    from cms.api.v2 import NewsroomPagesAPIViewSet, api_router
    from news.models import NewsPage

    build = NewsroomPagesAPIViewSet._get_serializer_class
    detail = build(api_router, NewsPage, [], show_details=True)
    assert detail is build(api_router, NewsPage, [], show_details=True)
    assert detail is not build(api_router, NewsPage, [], show_details=False)
    some = [("title", False, None), ("tags", False, None)]
    assert build(api_router, NewsPage, some) is build(api_router, NewsPage, list(some))
    for _ in range(2):  # an error is raised every time, never cached
        with pytest.raises(BadRequestError):
            build(api_router, NewsPage, [("no_such_field", False, None)])
    first, second = detail(), detail()
    assert list(first.fields) == list(second.fields)
    assert first.fields["title"] is not second.fields["title"]
    assert first.fields["title"].parent is first and second.fields["title"].parent is second


@pytest.mark.parametrize("door", ["/api/v3/pages/{id}/", "/api/v2/pages/{id}/"])
def test_a_reader_sees_the_parent_only_when_readers_may(
    client, home_page, news_index, settings, door
):
    """Wagtail's page details show the parent; a live page under a page that is no longer
    published shows none (null) and nothing of it, on both doors, for a post (Newsroom's
    reading) and for another page (Wagtail's)."""
    from news.models import NewsIndexPage

    settings.NEWSROOM_API_RESPONSE_CACHE = False
    post = publish_news_page(news_index, title="A post")
    press = NewsIndexPage(title="Press", slug="press")
    home_page.add_child(instance=press)
    press.save_revision().publish()
    for page, parent in ((post, news_index), (press, home_page)):
        shown = client.get(door.format(id=page.pk)).json()["meta"]["parent"]
        assert shown["id"] == parent.pk and shown["title"] == parent.title
    for page, parent in ((post, news_index), (press, home_page)):
        parent.title = "Secret section"  # a draft title, never published
        parent.save_revision()
        parent.unpublish()
        answer = client.get(door.format(id=page.pk))
        assert answer.status_code == 200, answer.content
        assert answer.json()["meta"]["parent"] is None
        assert b"Secret section" not in answer.content
