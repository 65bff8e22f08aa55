"""429/503 with Retry-After: the host gets no request before the time the server asked for.

Scrapy's RetryMiddleware retries at once and ignores the header (scrapy/scrapy#3849). This middleware
sits in front of it: it records "not before" for the host, every request to that host waits in
`process_request` (before it takes a download slot), and the refused request is tried again, at most
RETRY_TIMES times. A wait longer than NEWSARCHIVE_MAX_RETRY_AFTER seconds is not honoured by waiting:
the page fails as http_429/http_503 and the next run retries it (spiders/state.py).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from spiders.variables import crawl_setting

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

STATUSES = (429, 503)
TIMES = "newsarchive_retry_after_times"


def parse_retry_after(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_wait: float = crawl_setting(crawler.settings, "NEWSARCHIVE_MAX_RETRY_AFTER")
        self.max_times = crawler.settings.getint("RETRY_TIMES")
        self.not_before: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        wait = self.not_before.get(urlsplit(request.url).hostname or "", 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if response.status not in STATUSES:
            return response
        delay = parse_retry_after(response.headers.get(b"Retry-After"))
        if delay is None:
            return response  # RetryMiddleware's ordinary retries
        stats = self.crawler.stats
        times: int = request.meta.get(TIMES, 0)
        if delay > self.max_wait or times >= self.max_times:
            stats.inc_value("newsarchive/retry_after/not_waited")
            request.meta["dont_retry"] = True
            return response
        host = urlsplit(request.url).hostname or ""
        self.not_before[host] = max(self.not_before.get(host, 0.0), time.monotonic() + delay)
        stats.inc_value("newsarchive/retry_after/waited")
        retry = request.replace(dont_filter=True)
        retry.meta[TIMES] = times + 1
        return retry
