"""Values taken from a page never reach a key, a path or a column unchecked (issue 20)."""

import json
import re
import unicodedata

import pytest

from common.langtag import language_tag
from extract.engine import ArticleExtractor, OutletContext
from extract.language import detect_language
from extract.sanitize import (
    _CONTROLS,
    _NOT_IN_URL,
    MAX_AUTHOR_CHARS,
    MAX_TITLE_CHARS,
    clean_line,
    safe_url,
)

HOSTILE_LANGS = [
    "ar/eg",
    "../../x",
    "a" * 10240,
    "ar\x00",
    "",
    " ",
    "x-klingon",
    "i-klingon",
    "ar-",
    "-ar",
    "ar--eg",
    "ar eg",
    "ar\neg",
    "عربي",
    "ar-EG-",
    "a",
    "ar-e",
    "123",
    "ar.eg",
    "ar%2Feg",
    "ar-EG;rm -rf",
    "c:\\x",
    "ar\u200feg",
    "und",
]
WELL_FORMED = {
    "ar": "ar",
    "AR": "ar",
    "ar-eg": "ar-EG",
    "ar_EG": "ar-EG",
    " ar-EG ": "ar-EG",
    "zh-cn": "zh-CN",
    "zh-hant-tw": "zh-Hant-TW",
    "sr-Latn-RS": "sr-Latn-RS",
    "es-419": "es-419",
    "de-CH-1901": "de-CH-1901",
    "en-US-x-twain": "en-US-x-twain",
    "apc": "apc",
    "und": "und",
}
# A body long enough to be an article, but with too few letters for langdetect: the page's lang decides
NUMBERS = "\n".join(
    f"<p>{i * 1111:,} - {i * 2222:,} - {i * 3333:,} - {i * 4444:,} / {i * 5555:,} ({i})</p>"
    for i in range(1, 30)
)
TAG = r"[a-z]{2,8}(-[A-Za-z0-9]{1,8})*"


def _page(
    lang: str,
    canonical: str = "https://x.test/a/1",
    title: str = "عنوان الخبر",
    author: str = "كاتب",
) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><title>{title}</title><meta name="author" content="{author}">'
        f'<link rel="canonical" href="{canonical}"></head><body><article><h1>{title[:50]}</h1>{NUMBERS}</article>'
        "</body></html>"
    )


@pytest.mark.parametrize("value, expected", WELL_FORMED.items())
def test_well_formed_tags_come_out_in_canonical_case(value, expected):
    assert language_tag(value) == expected


@pytest.mark.parametrize("value", HOSTILE_LANGS[:-1], ids=range(len(HOSTILE_LANGS) - 1))
def test_hostile_tags_are_refused(value):
    assert language_tag(value) is None


@pytest.mark.parametrize("lang", HOSTILE_LANGS, ids=range(len(HOSTILE_LANGS)))
@pytest.mark.parametrize("outlet_language, expected", [("ar", "ar"), (None, None)])
def test_a_hostile_page_lang_gives_the_outlets_language_or_a_valid_tag(
    lang, outlet_language, expected
):
    """Golden: the body is too short to judge, so the declared language used to be returned as it was."""
    article = ArticleExtractor(OutletContext(outlet="x", language=outlet_language)).extract(
        _page(lang), "https://x.test/a/1"
    )
    assert article.language.isascii() and re.fullmatch(TAG, article.language)
    if expected:
        assert article.language == expected


@pytest.mark.parametrize("prior", HOSTILE_LANGS, ids=range(len(HOSTILE_LANGS)))
def test_detect_language_never_returns_a_hostile_prior(prior):
    assert detect_language("12345 678", prior=prior) == "und"


def test_a_declared_region_counts_as_its_language():
    article = ArticleExtractor(OutletContext(language="en")).extract(
        _page("ar-EG"), "https://x.test/a/1"
    )
    assert article.language == "ar"


@pytest.mark.parametrize(
    "canonical",
    [
        "http://[::1",
        "javascript:alert(1)",
        "https://x.test/a b",
        "//",
        "https://x.test/" + "a" * 5000,
        "https://x.test:99999/a",
        "file:///etc/passwd",
    ],
)
def test_a_bad_canonical_url_falls_back_to_the_url_fetched(canonical):
    article = ArticleExtractor(OutletContext(language="ar")).extract(
        _page("ar", canonical=canonical.replace('"', "")), "https://x.test/a/1"
    )
    assert article.canonical_url == "https://x.test/a/1"


def test_relative_canonical_url_is_resolved_and_control_characters_refused():
    assert safe_url("https://x.test/a/1", "/a/2?x=1") == "https://x.test/a/2?x=1"
    assert safe_url("https://x.test/a/1", "https://x.test/\x01") is None
    assert safe_url("https://x.test/a/1", "https://x.test/a\u0085b") is None


def test_titles_and_authors_are_bounded_and_free_of_control_characters():
    """JSON-LD escapes put any character into a headline or an author's name."""
    ld = json.dumps(
        {
            "@type": "NewsArticle",
            "headline": "عنوان\u0000\u0007 " + "ب" * 20000,
            "author": {"name": "اسم\u000b" + "ج" * 5000},
        }
    )
    page = _page("ar").replace(
        "</head>", f'<script type="application/ld+json">{ld}</script></head>'
    )
    article = ArticleExtractor(OutletContext(language="ar")).extract(page, "https://x.test/a/1")
    assert len(article.title) <= MAX_TITLE_CHARS and article.title.startswith("عنوان ب")
    assert len(article.author) <= MAX_AUTHOR_CHARS and article.author.startswith("اسم ج")
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in article.title + article.author)


def test_clean_line():
    assert clean_line("  a\x00b\tc\n d ", 100) == "a b c d"
    assert clean_line("\x00\x01", 100) is None
    assert clean_line(42, 100) is None
    assert clean_line("a\x85b\x9fc\u00a0d", 100) == "a b c d"  # C1 controls and NBSP too


def test_every_control_and_space_character_is_what_unicode_says():
    """The regexes stand for Unicode's control characters (category Cc) and for str.isspace: every
    code point is checked, so a future Unicode version cannot drift from them unseen."""
    controls = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"]
    assert [ch for ch in map(chr, range(0x110000)) if _CONTROLS.fullmatch(ch)] == controls
    not_in_url = [ch for ch in map(chr, range(0x110000)) if ch.isspace() or ch in controls]
    assert [ch for ch in map(chr, range(0x110000)) if _NOT_IN_URL.fullmatch(ch)] == not_in_url


@pytest.mark.parametrize(
    "ld",
    [
        '{"@type": {"a": 1}, "headline": "t"}',
        "[" * 100_000,
        '{"@type": "NewsArticle", "headline": "t", "datePublished": 1' + "0" * 5000 + "}",
        '{"@type": "NewsArticle", "headline": ["a"], "author": '
        + "[" * 500
        + '{"name": "x"}'
        + "]" * 500
        + "}",
        '{"@type": "NewsArticle", "datePublished": {"x": 1}, "dateModified": 12, "publisher": "x", "@graph": "x"}',
    ],
    ids=["type-object", "deep-array", "huge-number", "deep-author", "wrong-types"],
)
def test_hostile_json_ld_is_ignored_not_a_crash(ld):
    page = _page("ar").replace(
        "</head>", f'<script type="application/ld+json">{ld}</script></head>'
    )
    article = ArticleExtractor(OutletContext(language="ar")).extract(page, "https://x.test/a/1")
    assert article.title and article.language == "ar"
