"""Host-to-loopback mapping at the transport layer, like an /etc/hosts entry with a port.

With NEWSARCHIVE_HOST_MAP = {"www.anapress.net": "127.0.0.1:8123", ...} a request for
https://www.anapress.net/a/1 is sent as plain HTTP to 127.0.0.1:8123 with `Host: www.anapress.net`,
and the response keeps the original URL. A mapped request also carries the run's day in
`X-Replica-Day` (NEWSARCHIVE_RUN_DAY), which the living replica plays (replica/days.py); a host that
is not mapped never gets it. Everything above the transport (robots.txt, redirects,
spiders, captures) sees the real outlet URLs, so the replica exercises the live code path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

from spiders.variables import crawl_setting

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class HostMapDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.host_map: dict[str, str] = crawl_setting(crawler.settings, "NEWSARCHIVE_HOST_MAP")
        day = crawl_setting(crawler.settings, "NEWSARCHIVE_RUN_DAY")
        self.run_day = day.isoformat() if day else ""

    async def download_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        target = self.host_map.get((parts.hostname or "").lower())
        if target is None:
            return await super().download_request(request)
        mapped_url = urlunsplit(("http", target, parts.path or "/", parts.query, ""))
        headers = request.headers.copy()
        headers["Host"] = parts.netloc
        if self.run_day:
            headers["X-Replica-Day"] = self.run_day
        mapped = request.replace(url=mapped_url, headers=headers)  # (its meta is a copy)
        response = await super().download_request(mapped)
        # what the handler measured goes back to the request the rest of Scrapy sees: AutoThrottle
        # adapts each host's delay to it, so a mapped host is crawled as politely as production's
        # (without it, every mapped host stayed at AUTOTHROTTLE_START_DELAY: 1.6 pages/s)
        if "download_latency" in mapped.meta:
            request.meta["download_latency"] = mapped.meta["download_latency"]
        return response.replace(url=request.url)
