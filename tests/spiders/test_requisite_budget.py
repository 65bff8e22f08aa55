"""spiders/requisite_budget.py: a page requisite about to be downloaded is checked against the byte
budgets again; over one it ends as `budget_page_bytes` or `budget_run_bytes`, otherwise the bytes still
allowed become its `download_maxsize`."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from spiders.drops import DroppedRequest
from spiders.news import NewsSpider
from spiders.requisite_budget import RequisiteBudgetMiddleware
from spiders.requisites import MIB, PAGE_KEY
from spiders.warc import KIND_KEY

PAGE = "https://www.anapress.net/a/1"


def _middleware(**settings: object) -> RequisiteBudgetMiddleware:
    crawler = get_crawler(NewsSpider, {"ROBOTSTXT_OBEY": False, **settings})
    crawler.spider = NewsSpider.from_crawler(crawler, outlet="anapress")
    return RequisiteBudgetMiddleware.from_crawler(crawler)


def _requisite(url: str = "https://www.anapress.net/style.css", page: str = PAGE) -> Request:
    return Request(url, meta={KIND_KEY: "requisite", PAGE_KEY: page})


def test_a_requisite_may_receive_what_both_byte_budgets_still_allow():
    budgets = _middleware(NEWSARCHIVE_REQUISITE_MIB_PER_PAGE=2, NEWSARCHIVE_REQUISITE_MIB_PER_RUN=3)
    budget = budgets.crawler.spider.budget
    first = _requisite()
    assert budgets.process_request(first) is None
    assert first.meta["download_maxsize"] == 2 * MIB  # the page's budget, under the run's
    budget.received(PAGE, MIB + 100)
    second = _requisite("https://www.anapress.net/logo.png")
    budgets.process_request(second)
    assert second.meta["download_maxsize"] == MIB - 100
    budget.received("https://www.anapress.net/a/2", MIB + 400)  # another page spends the run's
    third = _requisite("https://www.anapress.net/font.woff2")
    budgets.process_request(third)
    assert third.meta["download_maxsize"] == MIB - 500  # now the run's is the smaller


def test_no_response_may_pass_the_crawls_download_maxsize():
    budgets = _middleware(DOWNLOAD_MAXSIZE=1000, NEWSARCHIVE_REQUISITE_MIB_PER_PAGE=2)
    request = _requisite()
    budgets.process_request(request)
    assert request.meta["download_maxsize"] == 1000


@pytest.mark.parametrize(
    ("spent_on", "refusal"),
    [(PAGE, "budget_page_bytes"), ("https://www.anapress.net/a/2", "budget_run_bytes")],
)
def test_a_requisite_over_a_byte_budget_is_dropped_naming_the_budget(spent_on, refusal):
    budgets = _middleware(
        NEWSARCHIVE_REQUISITE_MIB_PER_PAGE=1, NEWSARCHIVE_REQUISITE_MIB_PER_RUN=1.5
    )
    budgets.crawler.spider.budget.received(spent_on, MIB if spent_on == PAGE else int(1.5 * MIB))
    request = _requisite()
    with pytest.raises(DroppedRequest) as dropped:
        budgets.process_request(request)
    assert dropped.value.reason == refusal
    assert str(dropped.value) == (
        f"{refusal}: https://www.anapress.net/style.css: the requisite budget {refusal} is spent"
    )
    assert "download_maxsize" not in request.meta


def test_articles_discovery_and_requisites_without_a_page_are_left_alone():
    budgets = _middleware(NEWSARCHIVE_REQUISITE_MIB_PER_PAGE=1, NEWSARCHIVE_REQUISITE_MIB_PER_RUN=1)
    budgets.crawler.spider.budget.received(PAGE, 2 * MIB)  # every byte budget spent
    for request in (
        Request(PAGE),
        Request("https://www.anapress.net/rss", meta={KIND_KEY: "discovery"}),
        Request("https://www.anapress.net/x.css", meta={KIND_KEY: "requisite"}),
    ):
        assert budgets.process_request(request) is None
        assert "download_maxsize" not in request.meta
