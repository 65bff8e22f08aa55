"""The spider's decisions in memory, Scrapy-style: a Response built around its Request, handed to the
spider's callback; no crawl, no network. The crawls themselves are in test_spider.py and test_limits.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from spiders import settings as project_settings
from spiders.capture import RawCaptureMiddleware
from spiders.news import NewsSpider
from spiders.state import CrawlState

FEED = "https://www.anapress.net/rss"
SECTION = "https://www.anapress.net/section/syria"


def _spider(tmp_path=None, state: CrawlState | None = None, **overrides) -> NewsSpider:
    """A spider built as `scrapy crawl anapress` builds it: the project's settings, then `overrides`."""
    settings = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    if state is not None:
        path = tmp_path / "state.json.gz"
        path.write_bytes(state.to_bytes())
        settings["NEWSARCHIVE_STATE_FILE"] = str(path)
    settings.update(overrides)
    crawler = get_crawler(NewsSpider, settings)
    crawler.spider = NewsSpider.from_crawler(crawler, outlet="anapress")
    return crawler.spider


def _stats(spider: NewsSpider) -> dict:
    return {
        k.removeprefix("newsarchive/"): v
        for k, v in spider.crawler.stats.get_stats().items()
        if k.startswith("newsarchive/")
    }


def _rss(*links: str) -> bytes:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def _urlset(*entries: tuple[str, str | None]) -> bytes:
    urls = "".join(
        f"<url><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</url>"
        for loc, mod in entries
    )
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def _answer(
    request: Request,
    body: bytes = b"",
    status: int = 200,
    headers: dict | None = None,
    cls=XmlResponse,
):
    """The response to `request`, passed to its callback as Scrapy's engine would."""
    response = cls(request.url, status=status, body=body, headers=headers or {}, request=request)
    return request.callback(response, **request.cb_kwargs)


def _article(n: int) -> str:
    return f"https://www.anapress.net/a/{n}"


def test_a_feed_yields_one_request_per_new_article_of_the_outlet():
    spider = _spider()
    request = spider._discovery(FEED, spider.parse_feed)
    links = [
        _article(1),
        _article(2),
        _article(1),
        "https://www.anapress.net/about",
        "https://other.example/a/3",
    ]
    requests = _answer(request, _rss(*links))
    assert [r.url for r in requests] == [_article(1), _article(2)]
    assert all(r.callback == spider.parse_article for r in requests)
    assert _stats(spider)["discovered"] == 2 and _stats(spider)["article_requests"] == 2


def test_the_page_cap_stops_article_requests_and_keeps_the_rest_pending():
    spider = _spider(NEWSARCHIVE_MAX_ARTICLES=2)
    requests = _answer(
        spider._discovery(FEED, spider.parse_feed), _rss(*map(_article, range(1, 6)))
    )
    assert [r.url for r in requests] == [_article(1), _article(2)]
    assert spider.run.pending == {_article(3): 0, _article(4): 0, _article(5): 0}
    assert _stats(spider)["skipped/page_cap"] == 3


def test_the_page_cap_counts_pending_retries_from_the_last_run(tmp_path):
    state = CrawlState("anapress", pending={_article(7): 2, _article(8): 1})

    async def started(spider):
        return [r async for r in spider.start()]

    spider = _spider(tmp_path, state, NEWSARCHIVE_MAX_ARTICLES=1)
    requests = asyncio.run(started(spider))
    articles = [r.url for r in requests if r.callback == spider.parse_article]
    assert articles == [_article(7)]  # a retry is an article request under the cap
    assert spider.run.pending == {_article(8): 1}  # kept with its attempts, not counted as one
    assert _stats(spider)["skipped/page_cap"] == 1 and _stats(spider)["retried_pending"] == 1


def test_sitemap_entries_older_than_the_last_crawl_minus_the_margin_are_skipped(tmp_path):
    last = datetime(2026, 11, 20, 3, tzinfo=UTC)
    state = CrawlState("anapress", crawls={"2026-11-20": last.isoformat()})
    spider = _spider(
        tmp_path, state, NEWSARCHIVE_RUN_DAY="2026-11-21", NEWSARCHIVE_LASTMOD_MARGIN_HOURS=48
    )
    assert spider.lastmod_cutoff == last - timedelta(hours=48)
    request = spider._discovery(
        "https://www.anapress.net/sitemap.xml", spider.parse_sitemap, depth=0
    )
    requests = _answer(
        request,
        _urlset(
            (_article(1), "2026-11-20T10:00:00+00:00"),  # after the cutoff
            (_article(2), "2026-11-01T10:00:00+00:00"),  # before it: nothing new there
            (_article(3), "2026-11-18T04:00:00"),  # no zone: read as UTC, after the cutoff
            (_article(4), None),  # no lastmod: kept
            (_article(5), "yesterday"),  # unreadable: kept
        ),
    )
    assert [r.url for r in requests] == [_article(1), _article(3), _article(4), _article(5)]
    assert _stats(spider)["skipped/lastmod"] == 1


def test_a_first_crawl_has_no_lastmod_cutoff_unless_a_maximum_age_is_set():
    assert _spider().lastmod_cutoff is None
    spider = _spider(NEWSARCHIVE_SITEMAP_MAX_AGE_DAYS=7)
    assert abs(spider.lastmod_cutoff - (datetime.now(UTC) - timedelta(days=7))) < timedelta(
        minutes=1
    )


def test_a_sitemap_index_is_followed_to_the_depth_limit():
    spider = _spider(NEWSARCHIVE_MAX_SITEMAP_DEPTH=1)
    index = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://www.anapress.net/s1.xml</loc></sitemap>"
        b"<sitemap><loc>https://elsewhere.example/s2.xml</loc></sitemap></sitemapindex>"
    )
    first = _answer(
        spider._discovery("https://www.anapress.net/sitemap.xml", spider.parse_sitemap, depth=0),
        index,
    )
    assert [r.url for r in first] == [
        "https://www.anapress.net/s1.xml"
    ]  # the outlet's own sitemaps only
    assert first[0].cb_kwargs["depth"] == 1
    assert _answer(first[0], index) == []  # one level deeper than allowed: not requested, counted
    assert _stats(spider)["truncated_discovery/sitemap_depth"] == 1


def test_a_document_with_stored_validators_is_asked_conditionally_and_a_304_keeps_them(tmp_path):
    known = {"etag": '"v1"', "last_modified": "Thu, 19 Nov 2026 10:00:00 GMT"}
    state = CrawlState("anapress", validators={FEED: known}, validators_day="2026-11-20")
    spider = _spider(tmp_path, state, NEWSARCHIVE_RUN_DAY="2026-11-21")
    request = spider._discovery(FEED, spider.parse_feed)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == known["last_modified"].encode()
    assert 304 in request.meta["handle_httpstatus_list"]
    assert _answer(request, status=304) == []
    assert spider.run.validators == {FEED: known}  # carried to the next run
    assert _stats(spider)["not_modified"] == 1 and "discovered" not in _stats(spider)


def test_a_document_read_remembers_its_new_validators():
    spider = _spider()
    request = spider._discovery(FEED, spider.parse_feed)
    assert b"If-None-Match" not in request.headers
    _answer(
        request,
        _rss(_article(1)),
        headers={"ETag": '"v2"', "Last-Modified": "Fri, 20 Nov 2026 10:00:00 GMT"},
    )
    assert spider.run.validators == {
        FEED: {"etag": '"v2"', "last_modified": "Fri, 20 Nov 2026 10:00:00 GMT"}
    }


def test_validators_of_the_same_day_are_not_used_by_its_rerun(tmp_path):
    state = CrawlState("anapress", validators={FEED: {"etag": '"v1"'}}, validators_day="2026-11-21")
    spider = _spider(tmp_path, state, NEWSARCHIVE_RUN_DAY="2026-11-21")
    assert b"If-None-Match" not in spider._discovery(FEED, spider.parse_feed).headers


def test_a_section_page_follows_rel_next_up_to_the_limit():
    spider = _spider(NEWSARCHIVE_MAX_SECTION_PAGES=2)
    page = (
        f'<html><head><link rel="next" href="{SECTION}?page=2"></head><body>'
        '<a href="/a/1">one</a><a href="/about">about</a></body></html>'
    ).encode()
    first = _answer(
        spider._discovery(SECTION, spider.parse_section, page=1),
        page,
        cls=HtmlResponse,
        headers={"Content-Type": "text/html"},
    )
    assert [r.url for r in first] == [_article(1), f"{SECTION}?page=2"]
    assert _answer(first[1], page, cls=HtmlResponse, headers={"Content-Type": "text/html"}) == []
    assert _stats(spider)["truncated_discovery/section_pages"] == 1


def test_an_unreadable_feed_is_counted_by_its_reason():
    spider = _spider()
    assert _answer(spider._discovery(FEED, spider.parse_feed), b"\x00\x01 not xml") == []
    assert _stats(spider)["discovery_failed/not_xml"] == 1


@pytest.mark.parametrize("ctype, reason", [(b"application/pdf", "not_html")])
def test_an_article_answered_with_something_else_than_html_fails_with_a_reason(ctype, reason):
    spider = _spider()
    request = spider._articles([_article(1)], FEED)[0]
    assert _answer(request, b"%PDF", headers={"Content-Type": ctype}, cls=HtmlResponse) == []
    assert _stats(spider)[f"failed/{reason}"] == 1
    assert spider.run.gave_up == {_article(1): reason}


def test_an_article_without_content_type_that_scrapy_takes_for_binary_is_kept_with_its_requisites():
    """Scrapy makes such a page a plain Response, which has no `.text`: reading it raised in the
    callback, so the page was counted fetched but its capture never reached the WARC."""
    spider = _spider()
    request = spider._articles([_article(1)], FEED)[0]
    body = b'\x00\x01<html><link rel="stylesheet" href="/s.css"><p>\xd9\x86\xd8\xb5</p></html>'
    cls = responsetypes.from_args(url=request.url, body=body)
    response = cls(request.url, body=body, request=request)
    RawCaptureMiddleware().process_response(request, response)
    item, requisite = request.callback(response)
    assert (item["url"], item["body"]) == (_article(1), body)
    assert requisite.url == "https://www.anapress.net/s.css"
    assert _stats(spider)["fetched"] == 1


def _iso_utc(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    assert when.utcoffset() == timedelta(0), value
    return when


def test_an_article_found_on_a_feed_carries_the_feed_and_when_into_its_capture():
    spider = _spider()
    feed = spider._discovery(FEED, spider.parse_feed)
    assert feed.meta["newsarchive_kind"] == "discovery"
    request = _answer(feed, _rss(_article(1)))[0]
    request.meta["newsarchive_capture"] = {
        "url": _article(1),
        "status": 200,
        "body": b"<html></html>",
    }
    [item] = _answer(
        request, b"<html></html>", headers={"Content-Type": "text/html"}, cls=HtmlResponse
    )
    assert item["via"] == FEED
    assert abs(_iso_utc(item["discovered_at"]) - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_child_sitemap_and_the_next_section_page_name_the_document_they_were_found_on():
    spider = _spider()
    index = "https://www.anapress.net/sitemap.xml"
    body = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://www.anapress.net/s1.xml</loc></sitemap></sitemapindex>"
    )
    [child] = _answer(spider._discovery(index, spider.parse_sitemap, depth=0), body)
    assert child.meta["newsarchive_via"][0] == index
    page = b'<html><body><a href="/a/1">x</a><a rel="next" href="/section/syria?page=2">next</a></body></html>'
    requests = _answer(
        spider._discovery(SECTION, spider.parse_section, page=1), page, cls=HtmlResponse
    )
    assert requests[0].meta["newsarchive_via"][0] == SECTION
    assert requests[-1].meta["newsarchive_via"][0] == SECTION and requests[-1].url.endswith(
        "page=2"
    )


def test_where_a_pending_page_was_found_is_kept_until_a_later_run_fetches_it(tmp_path):
    spider = _spider(NEWSARCHIVE_MAX_ARTICLES=1)
    _answer(spider._discovery(FEED, spider.parse_feed), _rss(_article(1), _article(2)))
    assert (
        spider.run.discovery[_article(2)][0] == FEED
    )  # over the cap: pending, with its provenance
    state = CrawlState("anapress").after(spider.run)
    assert state.discovery == {_article(2): spider.run.discovery[_article(2)]}
    state = CrawlState.from_bytes(state.to_bytes(), "anapress")

    async def started(spider):
        return [r async for r in spider.start()]

    later = _spider(tmp_path, state)
    [retry] = [r for r in asyncio.run(started(later)) if r.callback == later.parse_article]
    assert list(retry.meta["newsarchive_via"]) == state.discovery[_article(2)]
