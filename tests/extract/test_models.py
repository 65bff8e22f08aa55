"""extract/models.py: an article's id is stable for the same capture and its own for a revision or a
copy under another URL."""

from __future__ import annotations

from extract.models import Article, article_id

URL, CANONICAL = "https://example.com/news/1?utm_source=x", "https://example.com/news/1"


def test_an_articles_id_is_its_url_canonical_url_and_text_and_nothing_else():
    first = article_id(URL, CANONICAL, "النص")
    assert first == article_id(URL, CANONICAL, "النص") and len(first) == 16
    assert set(first) <= set("0123456789abcdef")
    assert first != article_id(URL, CANONICAL, "النص المعدل")  # a revision
    assert first != article_id("https://example.com/copy/1", CANONICAL, "النص")  # a copy
    assert first != article_id(URL, "https://example.com/news/2", "النص")


def test_an_article_is_a_frozen_record_and_its_dict_has_every_field():
    article = Article(
        article_id(URL, CANONICAL, "t"),
        URL,
        CANONICAL,
        "anapress",
        "عنوان",
        None,
        None,
        None,
        None,
        "ar",
        "t",
    )
    assert article.to_dict()["canonical_url"] == CANONICAL and len(article.to_dict()) == 11
