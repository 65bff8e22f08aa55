"""Page metadata: which declaration wins, and where each date came from."""

import json

import pytest
from lxml.etree import XPath
from trafilatura.utils import load_html

from extract.metadata import (
    _AUTHOR_ATTRIBUTES,
    _MODIFIED_ATTRIBUTES,
    _PUBLISHED_ATTRIBUTES,
    _Head,
    read_metadata,
)
from replica.server import Replica

TZ = "Asia/Damascus"


def _page(head: str = "", body: str = "") -> str:
    return f"<!DOCTYPE html><html lang='ar'><head>{head}</head><body>{body}<p>نص الخبر</p></body></html>"


def _ld(**fields) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def _meta(html: str, url: str = "https://example.org/a/1"):
    return read_metadata(load_html(html), TZ, url)


def test_jsonld_wins_over_meta_and_text():
    html = _page(
        _ld(datePublished="2020-01-12T10:49:00+02:00", headline="العنوان")
        + '<meta property="article:published_time" content="2020-01-13T00:00:00+02:00">',
        "<h1>العنوان</h1><span>14 كانون الثاني 2020</span>",
    )
    meta = _meta(html)
    assert (meta.published, meta.date_source) == ("2020-01-12T10:49:00+02:00", "jsonld")


def test_each_source_in_turn():
    assert (
        _meta(
            _page('<meta property="article:published_time" content="2020-01-12T10:49:00">')
        ).date_source
        == "meta"
    )
    meta = _meta(_page(body='<h1>ع</h1><time datetime="2020-01-12T08:49:00Z">أمس</time>'))
    assert (meta.published, meta.date_source) == ("2020-01-12T08:49:00+00:00", "time")
    meta = _meta(_page(body="<h1>ع</h1><time>٣٠ مارس، ٢٠١٨</time>"))
    assert (meta.published, meta.date_source) == ("2018-03-30", "time")
    meta = _meta(
        _page(body="<h1>عنوان الخبر</h1><div class='meta'>الأحد 12 كانون الثاني 2020 - 10:49</div>")
    )
    assert (meta.published, meta.date_source) == ("2020-01-12T10:49:00+02:00", "text")
    meta = _meta(_page(body="<h1>عنوان الخبر</h1>"), "https://example.org/2019/11/18/story")
    assert (meta.published, meta.date_source) == ("2019-11-18", "url")
    meta = _meta(_page(body="<h1>عنوان الخبر</h1>"))
    assert (meta.published, meta.date_source) == (None, None)


def test_a_date_inside_the_story_is_not_the_publication_date():
    story = (
        "<p>"
        + "قال المتحدث إن الاتفاق الذي وُقّع في 5 آذار 2016 انهار بعد أشهر من المفاوضات الطويلة. " * 3
        + "</p>"
    )
    meta = _meta(_page(body=f"<h1>عنوان</h1>{story}"))
    assert meta.published is None


def test_title_is_the_headline_not_the_site_name():
    assert (
        _meta(
            _page("<title>الخبر | يورونيوز</title><meta property='og:title' content='الخبر'>")
        ).title
        == "الخبر"
    )
    assert (
        _meta(_page("<title>الخبر | يورونيوز</title>", "<h1> الخبر\n كاملاً </h1>")).title
        == "الخبر كاملاً"
    )
    site = "<meta property='og:site_name' content='يورونيوز'>"
    assert (
        _meta(_page(f"{site}<meta property='og:title' content='الخبر | يورونيوز'>")).title
        == "الخبر"
    )
    assert _meta(_page(f"{site}<title>يورونيوز - الخبر</title>")).title == "الخبر"
    assert (
        _meta(_page(f"{site}<title>يورونيوز</title>")).title == "يورونيوز"
    )  # nothing else to go on
    # CMSes HTML-escape JSON-LD strings; the entity is never meant literally
    assert _meta(_page(_ld(headline="قال &#8220;لا&#8221; &amp; مضى"))).title == "قال “لا” & مضى"


def test_author_from_jsonld_meta_or_byline():
    assert _meta(_page(_ld(author=[{"name": "أ"}, {"name": "ب"}]))).author == "أ, ب"
    assert _meta(_page('<meta name="author" content="فريق التحرير">')).author == "فريق التحرير"
    assert _meta(_page(body="<div>بقلم:  <a href='/p/1'>سارة</a></div>")).author == "سارة"
    assert (
        _meta(_page('<meta property="article:author" content="https://facebook.com/x">')).author
        is None
    )
    assert (
        _meta(
            _page(
                '<meta property="article:author" content="https://facebook.com/x">',
                "<p>كتب: عمر</p>",
            )
        ).author
        == "عمر"
    )


def test_modified_and_canonical():
    meta = _meta(
        _page(
            _ld(datePublished="2020-01-12T10:00:00+02:00", dateModified="2020-01-12T12:00:00+02:00")
            + '<link rel="canonical" href="/a/1">'
        )
    )
    assert (meta.modified, meta.canonical_url) == ("2020-01-12T12:00:00+02:00", "/a/1")
    assert (
        _meta(
            _page('<meta property="article:modified_time" content="2020-01-12T12:00:00">')
        ).modified
        == "2020-01-12T12:00:00+02:00"
    )


REPLICA_PAGES = [
    site.article_html(article)
    for site in Replica(per_outlet=3).sites.values()
    for article in site.articles
]
HEAD_PAGES = [
    '<html><head><meta property="og:url" content="https://a.example/1">'
    '<link rel="canonical" href="https://a.example/2"><title>أ<b>x</b>ب</title>'
    '<meta name="date" content="2024-01-02"><meta itemprop="datePublished">'
    '<script type="application/ld+json">{"@type": "NewsArticle"}</script>'
    '<script type="application/ld+json"></script></head>'
    "<body><time datetime='2024-01-03'>3 <b>يناير</b> <time>2024</time> م</time>"
    '<h1>  عنوان\t الخبر </h1><h1>ثان</h1><meta property="article:author" content="كاتب">'
    '<link rel="canonical" href="https://a.example/3"></body></html>',
    "<div>أ</div><div>ب <time datetime='x'>أمس</time></div>",  # a fragment: tree is not the root
    "<html><body><p>لا شيء هنا</p></body></html>",
]


@pytest.mark.parametrize("html", HEAD_PAGES + REPLICA_PAGES)
def test_one_walk_finds_what_each_xpath_search_found(html):
    """extract/metadata.py reads the head in one walk: the values each XPath search gave."""
    tree = load_html(html)
    head = _Head.of(tree)
    published = (
        '//meta[@property="article:published_time" or @itemprop="datePublished" or @name="pubdate"'
        ' or @name="publishdate" or @name="date" or @name="DC.date.issued"'
        ' or @property="og:published_time"]/@content'
    )
    modified = (
        '//meta[@property="article:modified_time" or @itemprop="dateModified"'
        ' or @property="og:updated_time" or @name="lastmod"]/@content'
    )
    assert head.meta_contents(_PUBLISHED_ATTRIBUTES) == XPath(published)(tree)
    assert head.meta_contents(_MODIFIED_ATTRIBUTES) == XPath(modified)(tree)
    author = '//meta[@name="author" or @property="article:author"]/@content'
    assert head.meta_contents(_AUTHOR_ATTRIBUTES) == XPath(author)(tree)
    assert head.jsonld == XPath('//script[@type="application/ld+json"]/text()')(tree)
    assert [t.get("datetime") for t in head.times if t.get("datetime") is not None] == XPath(
        "//time/@datetime"
    )(tree)
    assert head.time_texts() == XPath("//time//text()")(tree)
    assert ([] if head.h1 is None else [head.h1]) == XPath("(//h1)[1]")(tree)
    assert head.titles == XPath("//title/text()")(tree)
    canonical = '//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content'
    assert head.canonical == XPath(canonical)(tree)
    assert head.bodies == XPath("//body")(tree)


@pytest.mark.parametrize(
    ("body", "author"),
    [
        (
            "<p>كتب الروائي ثلاثة كتب عن المدينة</p><div>إعداد ：  هدى</div>",
            "هدى",
        ),  # fullwidth colon
        ("<p>كتب الروائي ثلاثة كتب عن المدينة: حلب ودمشق وحمص</p>", None),  # a word, then a colon
        ("<p>تحرير\n : <b>رامي</b></p>", "رامي"),  # white space, then the colon
        ("<p>كتبت هذه الرسالة في الصباح</p><p>رأي: اعداد الجيش</p>", None),  # no label at the start
        ("<p>نص: بقلم أحمد</p>", None),
        ("<ul><li>كتبه: نادر</li></ul><p>بقلم: سامي</p>", "نادر"),  # the first in the page
    ],
)
def test_a_byline_is_a_label_and_a_colon_at_the_start_of_a_text(body, author):
    assert _meta(_page(body=body)).author == author
