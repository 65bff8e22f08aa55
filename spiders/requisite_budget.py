"""Downloader middleware: a page requisite's byte budgets, checked when it is about to be downloaded.

The spider checks the counts when it schedules a requisite (spiders/news.py); the bytes received are
known only as responses arrive, after every requisite of the first pages has been scheduled. So each
requisite (request meta KIND_KEY "requisite") is looked at again here, just before its download: over a
byte budget it ends, through its errback, as `budget_run_bytes` or `budget_page_bytes` (counted under
`requisites.skipped`); otherwise the bytes still allowed become its `download_maxsize`
(spiders/requisites.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spiders.drops import DroppedRequest
from spiders.news import news_spider
from spiders.requisites import PAGE_KEY
from spiders.warc import KIND_KEY

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler


class RequisiteBudgetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequisiteBudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.meta.get(KIND_KEY) != "requisite" or PAGE_KEY not in request.meta:
            return
        news = news_spider(self.crawler.spider)
        page: str = request.meta[PAGE_KEY]
        if refusal := news.budget.bytes_refusal(page):
            raise DroppedRequest(refusal, f"{request.url}: the requisite budget {refusal} is spent")
        room = news.budget.room(page)
        request.meta["download_maxsize"] = min(room, news.max_download or room)
