"""dedup/urls.py: one URL key for the same story under tracking, AMP/mobile, case, port, encoding and
canonical-link variants; a different story keeps a key of its own."""

from __future__ import annotations

from dedup.urls import canonical_url

KEY = "https://example.com/news/%D8%AE%D8%A8%D8%B1?id=7"


def test_variants_of_one_story_have_one_key():
    variants = [
        "https://example.com/news/خبر?id=7",
        "http://www.example.com/news/خبر/?id=7",
        "https://m.Example.COM:443/news/%d8%ae%d8%a8%d8%b1?utm_source=x&id=7&fbclid=abc#top",
        "https://amp.example.com/news/خبر/amp?id=7&amp=1",
        "https://example.com./news/%D8%AE%D8%A8%D8%B1?id=7&_ga=1&pk_campaign=z",
    ]
    assert {canonical_url(url) for url in variants} == {KEY}


def test_a_declared_canonical_link_wins_and_is_resolved_against_the_page():
    page = "https://m.example.com/amp/news/1?utm_medium=social"
    assert canonical_url(page, "/news/1") == "https://example.com/news/1"
    assert canonical_url(page, "  ") == "https://example.com/news/1"  # blank: the page's own URL
    assert canonical_url(page, None) == canonical_url(page)


def test_what_makes_another_story_is_kept():
    assert canonical_url("https://example.com/news?id=7") != canonical_url(
        "https://example.com/news?id=8"
    )
    assert canonical_url("https://example.com:8443/a") == "https://example.com:8443/a"
    assert canonical_url("https://example.com/a?b=2&a=1") == "https://example.com/a?a=1&b=2"
    assert canonical_url("https://www.com/") == "https://www.com/"  # a host, not a www. prefix
    assert canonical_url("mailto:desk@example.com ") == "mailto:desk@example.com"
