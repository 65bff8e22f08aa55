"""Only the outlet's domains are fetched; a request for any other host fails with a reason.

Scrapy's OffsiteMiddleware drops an offsite request when it is scheduled, without calling its errback,
so the spider never learnt that the page failed. This subclass replaces it (same place, 50) and ends
such a request through spiders/drops.py: `offsite_redirect` when a redirect (HTTP 3xx or a
`<meta http-equiv="refresh">`, which Scrapy's MetaRefreshMiddleware follows) led there, else
`dropped_offsite`.

The host judged is the one Scrapy requests: the check runs on the Request that RedirectMiddleware or
MetaRefreshMiddleware built (its URL made by w3lib's `safe_url_string`) and reads its host with
`urlparse_cached`, as the download handler does. Parsing the Location header with urllib instead let
`http://127.0.0.2:P\\@www.outlet.net/` pass as the outlet while Scrapy requested 127.0.0.2. Neither
`dont_filter` (inherited by redirects of retried requests) nor `allow_offsite` lets a request through.

A page requisite (request meta KIND_KEY "requisite") may also come from the CDN hosts the outlet lists
(`Outlet.serves_requisites`), and so may the robots.txt Scrapy asks those hosts for first; an article,
a discovery document or a redirect of one never may.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from spiders.drops import DroppedRequest, end_dropped
from spiders.news import news_spider
from spiders.warc import KIND_KEY

if TYPE_CHECKING:
    from scrapy import Request, Spider


class OffsiteRedirectMiddleware(OffsiteMiddleware):
    def request_scheduled(self, request: Request, spider: Spider | None = None) -> None:
        if (dropped := self.refusal(request)) is not None:
            end_dropped(self.crawler, request, dropped.reason, dropped.detail)
            raise IgnoreRequest(
                str(dropped)
            )  # Scrapy stops scheduling it; the errback has been told

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if (dropped := self.refusal(request)) is not None:
            raise dropped  # on the download path Scrapy calls the errback itself

    def refusal(self, request: Request) -> DroppedRequest | None:
        """None if the request's host (as Scrapy will request it) is one of the outlet's domains."""
        spider = news_spider(self.crawler.spider)
        if self.should_follow(request, spider):
            return None
        parts = urlparse_cached(request)
        requisite = request.meta.get(KIND_KEY) == "requisite" or (
            request.meta.get("dont_obey_robotstxt") and parts.path == "/robots.txt"
        )
        if requisite and spider.outlet.serves_requisites(parts.hostname or ""):
            return None
        reason = "offsite_redirect" if request.meta.get("redirect_urls") else "dropped_offsite"
        host = urlparse_cached(request).hostname
        self.stats.inc_value("offsite/filtered")
        allowed = spider.allowed_domains or ()
        return DroppedRequest(
            reason, f"{request.url} is on host {host!r}, outside {', '.join(allowed)}"
        )
