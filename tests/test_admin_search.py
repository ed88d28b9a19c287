"""Wagtail's admin search finds posts by the words of their body (``NewsPage``'s
``body_search_content``, computed once per body value however often the backend asks)."""

from __future__ import annotations

from wagtail.models import Page

from news.models import NewsPage
from tests.conftest import publish_news_page


def _body(text: str) -> list[dict]:
    return [{"type": "paragraph", "value": f"<p>{text}</p>"}]


def _found(word: str) -> list[int]:
    return [page.pk for page in Page.objects.search(word)]


def test_the_admin_search_finds_a_post_by_a_body_word(news_index) -> None:
    page = publish_news_page(news_index, title="Plain title", body=_body("A zephyrquill report."))
    assert _found("zephyrquill") == [page.pk]
    assert _found("marmotlantern") == []


def test_an_edited_body_is_searched_by_its_new_words(news_index) -> None:
    page = publish_news_page(news_index, title="Plain title", body=_body("Old zephyrquill words."))
    page = NewsPage.objects.get(pk=page.pk)
    assert "zephyrquill" in " ".join(page.body_search_content())
    page.body = _body("New marmotlantern words.")
    page.save_revision().publish()
    assert _found("marmotlantern") == [page.pk]
    assert _found("zephyrquill") == []


def test_the_body_text_is_computed_once_per_body_value(news_index, monkeypatch) -> None:
    page = publish_news_page(news_index, title="Plain title", body=_body("Some zephyrquill."))
    page = NewsPage.objects.get(pk=page.pk)
    block = page.body.stream_block
    calls = []
    original = type(block).get_searchable_content

    def counted(self, value):
        calls.append(value)
        return original(self, value)

    monkeypatch.setattr(type(block), "get_searchable_content", counted)
    first = page.body_search_content()
    assert page.body_search_content() == first and len(calls) == 1
    page.body = _body("Another marmotlantern.")
    assert "marmotlantern" in " ".join(page.body_search_content()) and len(calls) == 2
