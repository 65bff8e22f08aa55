"""Requests Scrapy drops without calling their errback end with a reason, like any other failure.

Scrapy drops a request silently in three places: the dupefilter (the scheduler refuses it; only the
`request_dropped` signal says so), UrlLengthMiddleware (a spider-output request over URLLENGTH_LIMIT)
and OffsiteMiddleware (spiders/offsite_redirect.py). The spider would never learn that such a page
failed: it stayed `not_finished` with 0 attempts and was requested again every run, forever. Here the
request's errback is called with a `DroppedRequest` naming the reason (spiders/failures.py decides
whether a later run tries again), so the page counts an attempt and eventually reaches `gave_up`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from twisted.python.failure import Failure

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
STAT = "newsarchive/dropped/"


class DroppedRequest(IgnoreRequest):
    """A request Scrapy will not send; `reason` is what the coverage report counts."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def end_dropped(crawler: Crawler, request: Request, reason: str, detail: str) -> None:
    """Tell the request's errback (as Scrapy does for a download error) that it was dropped."""
    crawler.stats.inc_value(STAT + reason)
    dropped = DroppedRequest(reason, detail)
    failure = Failure(dropped)  # type: ignore[no-untyped-call]  # twisted's __init__ is unannotated
    failure.request = request  # type: ignore[attr-defined]  # as scrapy.core.scraper sets it
    if request.errback is None:
        logger.warning("dropped %s (%s): %s", request.url, reason, detail)
        return
    output = request.errback(failure)
    if output:  # ours return nothing; anything else would be lost here, so say so
        logger.warning("errback output for dropped %s ignored", request.url)


class DupeFilterDrops:
    """Extension: a request the scheduler refuses (Scrapy's dupefilter) ends as `dropped_duplicate`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DupeFilterDrops:
        ext = cls(crawler)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        return ext

    def request_dropped(self, request: Request, spider: Spider | None = None) -> None:
        end_dropped(
            self.crawler,
            request,
            "dropped_duplicate",
            "the scheduler's dupefilter has seen this request already in this crawl",
        )


class UrlLengthDropMiddleware(UrlLengthMiddleware):
    """Spider middleware: Scrapy's URLLENGTH_LIMIT, but an over-long URL ends as `dropped_url_length`."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if super().get_processed_request(request, response) is None:
            end_dropped(
                self.crawler,
                request,
                "dropped_url_length",
                f"URL of {len(request.url)} characters, over URLLENGTH_LIMIT ({self.maxlength})",
            )
            return None
        return request
