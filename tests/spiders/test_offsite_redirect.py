"""spiders/offsite_redirect.py: only the outlet's domains are fetched (and its CDN hosts, for page
requisites); any other request ends through its errback with `offsite_redirect` or `dropped_offsite`,
judged on the host Scrapy will request."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from spiders import failures
from spiders.drops import DroppedRequest
from spiders.news import NewsSpider
from spiders.offsite_redirect import OffsiteRedirectMiddleware
from spiders.warc import KIND_KEY


def _middleware(outlet: str) -> OffsiteRedirectMiddleware:
    crawler = get_crawler(NewsSpider, {"ROBOTSTXT_OBEY": False})
    crawler.spider = NewsSpider.from_crawler(crawler, outlet=outlet)
    return OffsiteRedirectMiddleware.from_crawler(crawler)


@pytest.fixture
def offsite():
    return _middleware("anapress")


def _redirect(url: str, ended: list) -> Request:
    return Request(
        url, errback=ended.append, meta={"redirect_urls": ["https://www.anapress.net/a/1"]}
    )


def test_the_offsite_check_reads_the_host_scrapy_requests(offsite):
    """urllib reads `www.anapress.net` in `http://127.0.0.2:P\\@www.anapress.net/`; w3lib (and so Scrapy)
    requests 127.0.0.2. The check must refuse it, and must not refuse what Scrapy requests on the outlet."""
    ended: list = []
    hostile = "http://127.0.0.2:8080\\@www.anapress.net/a/2"
    assert urlsplit(hostile).hostname == "www.anapress.net"
    with pytest.raises(IgnoreRequest):
        offsite.request_scheduled(_redirect(hostile, ended))
    assert [failures.reason(f) for f in ended] == ["offsite_redirect"]
    assert ended[0].request.url == "http://127.0.0.2:8080/@www.anapress.net/a/2"

    onsite = "https://www.anapress.net\\@elsewhere.example/a/3"  # urllib: elsewhere.example; Scrapy: the outlet
    offsite.request_scheduled(_redirect(onsite, ended))
    assert len(ended) == 1
    # a request of the spider's own (not a redirect) outside the outlet's domains ends as dropped_offsite,
    # and dont_filter does not let an offsite request through
    with pytest.raises(IgnoreRequest):
        offsite.request_scheduled(
            Request("https:\\\\elsewhere.example/a", errback=ended.append, dont_filter=True)
        )
    assert failures.reason(ended[1]) == "dropped_offsite" and not failures.retryable(
        "dropped_offsite"
    )


def test_a_refusal_names_the_url_its_host_and_the_outlets_domains_and_is_counted(offsite):
    ended: list = []
    with pytest.raises(IgnoreRequest, match="elsewhere.example"):
        offsite.request_scheduled(Request("https://elsewhere.example/x", errback=ended.append))
    [failure] = ended
    assert str(failure.value) == (
        "dropped_offsite: https://elsewhere.example/x is on host 'elsewhere.example', "
        "outside anapress.net, www.anapress.net"
    )
    stats = offsite.crawler.stats
    assert stats.get_value("offsite/filtered") == 1
    assert stats.get_value("newsarchive/dropped/dropped_offsite") == 1
    # a subdomain of the outlet's domain is the outlet's
    offsite.request_scheduled(Request("https://m.anapress.net/a/1", errback=ended.append))
    assert len(ended) == 1 and stats.get_value("offsite/filtered") == 1


def test_on_the_download_path_the_refusal_is_raised_for_scrapy_to_call_the_errback(offsite):
    """A request that reaches the downloader (one Scrapy did not schedule: a redirect followed at once)
    is refused by raising; the errback is not called twice."""
    ended: list = []
    request = _redirect("https://elsewhere.example/moved", ended)
    with pytest.raises(DroppedRequest) as refused:
        offsite.process_request(request)
    assert refused.value.reason == "offsite_redirect" and ended == []
    assert offsite.process_request(Request("https://www.anapress.net/a/1")) is None


def test_a_requisite_may_come_from_the_outlets_cdn_and_nothing_else_may():
    """euronews lists static.euronews.com as a CDN: a page requisite from there (and the robots.txt
    Scrapy asks that host for first) is fetched; an article there, or a requisite from another host
    of the CDN's parent domain, is not."""
    offsite = _middleware("euronews")
    ended: list = []
    cdn = "https://static.euronews.com/articles/stories/1.jpg"
    requisite = Request(cdn, errback=ended.append, meta={KIND_KEY: "requisite"})
    assert offsite.refusal(requisite) is None
    robots = Request(
        "https://static.euronews.com/robots.txt",
        errback=ended.append,
        meta={"dont_obey_robotstxt": True},
    )
    assert offsite.refusal(robots) is None
    article = offsite.refusal(Request(cdn, errback=ended.append))
    assert article is not None and article.reason == "dropped_offsite"
    other = Request(
        "https://video.euronews.com/a.mp4", errback=ended.append, meta={KIND_KEY: "requisite"}
    )
    refused = offsite.refusal(other)
    assert refused is not None and "outside arabic.euronews.com" in str(refused)
    # a redirect of an article to the CDN is a redirect offsite, whatever the CDN serves
    moved = offsite.refusal(_redirect(cdn, ended))
    assert moved is not None and moved.reason == "offsite_redirect"
