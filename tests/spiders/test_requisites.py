"""Page requisites found in HTML and CSS as browsers resolve them, and the budgets that bound them
(spiders/requisites.py; the crawl itself: tests/spiders/test_capture.py)."""

from __future__ import annotations

import gzip
import random
from html.parser import HTMLParser

from replica.catalog import Catalog
from replica.sites import SITES
from spiders.requisites import MAX_LINKS, MIB, Budget, _Links, css_links, page_links
from tests.conftest import ROOT

PAGE = "https://www.anapress.net/a/1"


def test_every_kind_of_reference_is_found_once_resolved_against_the_base():
    markup = """<!DOCTYPE html><html><head>
<base href="https://www.anapress.net/news/">
<link rel="stylesheet" href="/assets/site.css"><link rel="Stylesheet alternate" href="alt.css">
<link rel="icon" href="/favicon.png"><link rel="preload" as="font" href="/f.woff2">
<link rel="preload" as="fetch" href="/api.json"><link rel="canonical" href="/a/1">
<link rel="alternate" type="application/rss+xml" href="/rss">
<script src="/js/app.js"></script><script>var inline = "url(/not-css.png)";</script>
<style>@font-face { src: url('fonts/k.woff') } .x { background: url(data:image/png;base64,AAA) }</style>
</head><body style="background-image: url(&quot;/bg.png&quot;)">
<img src="pic.png" srcset="pic-320.png 320w, pic.png 640w,https://static.example-cdn.net/p.png 2x">
<picture><source srcset="/p.webp"></picture><video poster="/poster.png"></video>
<a href="/a/2">another article</a><img src="javascript:alert(1)"><img src="#top">
<img src="/site.css#fragment"></body></html>"""
    assert page_links(markup.encode(), PAGE) == [
        "https://www.anapress.net/assets/site.css",
        "https://www.anapress.net/news/alt.css",
        "https://www.anapress.net/favicon.png",
        "https://www.anapress.net/f.woff2",
        "https://www.anapress.net/js/app.js",
        "https://www.anapress.net/news/fonts/k.woff",
        "https://www.anapress.net/bg.png",
        "https://www.anapress.net/news/pic.png",
        "https://www.anapress.net/news/pic-320.png",
        "https://static.example-cdn.net/p.png",
        "https://www.anapress.net/p.webp",
        "https://www.anapress.net/poster.png",
        "https://www.anapress.net/site.css",  # without its fragment
    ]


def test_a_stylesheet_gives_its_fonts_pictures_and_imports_relative_to_itself():
    css = """@import "reset.css"; @import url("print.css") print;
/* url(/commented-out.png) */
@font-face { font-family: K; src: url("../fonts/k.woff2") format("woff2"), url(../fonts/k.woff) }
.logo { background: url( 'img/logo.png' ) no-repeat } .none { background: url(data:x) }"""
    assert css_links(css, "https://static.euronews.com/css/site.css") == [
        "https://static.euronews.com/css/reset.css",
        "https://static.euronews.com/css/print.css",
        "https://static.euronews.com/fonts/k.woff2",
        "https://static.euronews.com/fonts/k.woff",
        "https://static.euronews.com/css/img/logo.png",
    ]


def test_a_hostile_page_cannot_make_the_crawl_parse_or_schedule_without_end():
    many = "".join(f'<img src="/i/{n}.png">' for n in range(5 * MAX_LINKS))
    assert len(page_links(f"<html><body>{many}</body></html>", PAGE)) == MAX_LINKS
    assert len(css_links("a{b:url(/x.png)}" * (5 * MAX_LINKS), PAGE)) == 1
    assert page_links(b"", PAGE) == [] and page_links(b"\xff\xfe\x00garbage", PAGE) == []
    broken = '<img src="http://[::1/x.png"><img src="https://ok.example/a.png">'
    assert page_links(broken, PAGE) == ["https://ok.example/a.png"]
    # the replica's slow_extract page: one element of 200,000 attributes (lxml's HTML parser, which
    # this used to be, took minutes on it; the tokenizer reads it once, and what follows it counts)
    wide = "<div " + " ".join(f"a{i}=v" for i in range(200_000)) + ' style="b:url(/w.png)"></div>'
    assert page_links(f'<body>{wide}<img src="/after.png"></body>', PAGE) == [
        "https://www.anapress.net/after.png"
    ]


def test_budgets_stop_by_count_and_bytes_per_page_then_per_run():
    budget = Budget.of(per_page=3, page_mib=1, per_run=6, run_mib=1.5)
    budget.requested("p1")
    assert budget.room("p1") == MIB  # the bytes a single response may have
    budget.received("p1", MIB // 2)
    budget.requested("p1")
    assert budget.room("p1") == MIB // 2 and budget.refusal("p1") is None
    budget.received("p1", MIB // 2)
    assert budget.refusal("p1") == "budget_page_bytes"
    assert budget.refusal("p2") is None
    for _ in range(3):
        budget.requested("p2")
    assert budget.refusal("p2") == "budget_page_count" and budget.refusal("p3") is None
    budget.requested("p3")
    assert budget.refusal("p3") == "budget_run_count"
    budget = Budget.of(per_page=10, page_mib=10, per_run=10, run_mib=1)
    budget.requested("p1")
    budget.received("p1", MIB)
    assert budget.refusal("p2") == budget.bytes_refusal("p2") == "budget_run_bytes"
    assert Budget.of(0, 8, 100, 8).refusal("p") == "budget_page_count"  # 0 per page: none at all


class _EveryTagParsed(_Links):
    """The tokenizer without the step over tags that cannot refer to anything: what `_Links` must find."""

    parse_starttag = HTMLParser.parse_starttag


def _found(parser_class: type[_Links], markup: str) -> tuple[str | None, list[str]]:
    parser = parser_class()
    try:
        parser.feed(markup)
        parser.close()
    except Exception as error:  # noqa: BLE001 - both must stop the same way
        return type(error).__name__, parser.found
    return parser.base, parser.found


def _pages() -> list[str]:
    catalog = Catalog(per_outlet=6)
    pages = [site(catalog).article_html(a) for site in SITES for a in catalog.articles[site.outlet]]
    corpus = ROOT.parent / "shared/corpora/article-extraction-benchmark/html"
    pages += [
        gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
        for p in sorted(corpus.glob("*.html.gz"))[:12]
    ]
    return pages


TRICKY = [
    '<div style="background:url(/a.png)"><p STYLE="x:url(/b.png)">',  # style on any tag
    "<div data-x='style'><img src=/c.png>",  # "style" in a value: parsed in full
    "<textarea><img src=/in-textarea.png></textarea><title><img src=/t.png></title>",
    "<noscript><img src=/noscript.png></noscript><iframe><img src=/if.png></iframe>",
    "<div a='>'<img src=/q.png>'><img src=/after-quote.png>",
    "<div\n<img src=/unclosed.png>",
    "<p/><br/><img/src=/slash.png>",
    "<div><!-- <img src=/comment.png> --><img src=/real.png>",
    "<script>document.write('<img src=/js.png>')</script><img src=/x.png>",
    "<Style>b{c:url(/upper.png)}</STYLE><SPAN>",
    "<div class=x",  # cut short
    "<a href=/l>text &amp; <b>more</b></a><img src='&#47;ent.png'>",
    "<div junk=1 / x><img src=/j.png>",
    "<1div><img src=/digit.png>",
    '<div a="unterminated><img src=/u.png>',
    '<video poster="/poster.png"><source srcset="/s.webp 1x"></video><base href="/b/"><link rel=icon href=i>',
]


def test_tags_stepped_over_change_nothing_the_page_refers_to():
    """Each replica page (every outlet's templates), 12 of the benchmark's real pages, the tricky
    tokens above and 800 seeded mutations of parts of them: the same references, base and stop as
    the tokenizer that parses every tag."""
    rng = random.Random(31)
    pages = _pages()
    samples = pages + TRICKY
    for _ in range(800):
        text = rng.choice(samples)
        start = rng.randrange(max(1, len(text) - 3000))
        text = text[start : start + 3000]
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            piece = rng.choice(TRICKY + ["<", ">", "'", '"', "style", "=", "/", "<!--", "</div>"])
            text = text[:at] + piece + text[at + rng.randint(0, 8) :]
        samples.append(text)
    for markup in samples:
        assert _found(_Links, markup) == _found(_EveryTagParsed, markup), markup[:300]
    assert sum(len(_found(_Links, p)[1]) for p in pages) > 10 * len(pages)  # real pages refer a lot
