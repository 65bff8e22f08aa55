"""Page metadata: which declaration wins, and where each date came from."""

import json

from trafilatura.utils import load_html

from extract.metadata import read_metadata

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
