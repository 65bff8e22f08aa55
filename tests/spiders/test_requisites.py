"""Page requisites found in HTML and CSS as browsers resolve them, and the budgets that bound them
(spiders/requisites.py; the crawl itself: tests/spiders/test_capture.py)."""

from __future__ import annotations

from spiders.requisites import MAX_LINKS, MIB, Budget, css_links, page_links

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
