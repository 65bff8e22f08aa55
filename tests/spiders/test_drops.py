"""Every request ends with a reason: what Scrapy drops without calling the errback is caught, counted as an
attempt, and given up (at once when permanent, after MAX_ATTEMPTS runs otherwise)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from replica.faults import LONG_URL
from replica.server import ReplicaServer
from spiders import failures
from spiders.news import NewsSpider
from spiders.offsite_redirect import OffsiteRedirectMiddleware
from spiders.state import MAX_ATTEMPTS
from tests.spiders.runs import crawl_days

DROPS = {
    "meta_refresh_offsite": "offsite_redirect",
    "backslash_redirect": "offsite_redirect",
    "redirect_self": "dropped_duplicate",
}


@pytest.mark.slow  # crawl subprocesses, several days
def test_dropped_requests_end_with_a_reason_and_reach_gave_up_over_runs(tmp_path):
    with ReplicaServer(per_outlet=20) as server:
        site = server.replica.sites["www.anapress.net"]
        url_of = {mode: site.url(a) for mode, a in zip(DROPS, site.articles[1:], strict=False)}
        for mode, url in url_of.items():
            server.replica.faults.set("anapress", mode, [urlsplit(url).path])
        server.replica.faults.set("anapress", "long_link", ["/rss"])
        reports, state = crawl_days(server, "anapress", tmp_path, MAX_ATTEMPTS + 1)

    first = reports[0]
    # nothing else: no `not_finished`, and no `dns` failure (elsewhere.example was never requested)
    assert first.failed == {
        "offsite_redirect": 2,
        "dropped_duplicate": 1,
        "dropped_url_length": 1,
    }
    assert first.fetched == 17 and first.gave_up == 3 and first.pending == 1
    # the duplicate is retried (a passing accident) and counts an attempt every run, until it is given up
    assert [r.failed for r in reports[1:MAX_ATTEMPTS]] == [{"dropped_duplicate": 1}] * (
        MAX_ATTEMPTS - 1
    )
    assert reports[MAX_ATTEMPTS].article_requests == 0 and reports[MAX_ATTEMPTS].failed == {}
    long_url = next(u for u in state.gave_up if len(u) > LONG_URL)
    assert state.gave_up == {
        **{url_of[m]: r for m, r in DROPS.items()},
        long_url: "dropped_url_length",
    }
    assert state.pending == {}


@pytest.fixture
def offsite():
    crawler = get_crawler(NewsSpider, {"ROBOTSTXT_OBEY": False})
    crawler.spider = NewsSpider.from_crawler(crawler, outlet="anapress")
    return OffsiteRedirectMiddleware.from_crawler(crawler)


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
