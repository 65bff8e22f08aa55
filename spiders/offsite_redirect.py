"""A redirect out of the outlet's domains fails the request with a reason, instead of vanishing.

Scrapy's OffsiteMiddleware drops such a redirected request when it is scheduled, without calling the
request's errback, so the spider would never learn that the page failed. Placed before
RedirectMiddleware (600), this turns it into an ordinary failure ("offsite_redirect").
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest

REDIRECTS = (301, 302, 303, 307, 308)


class OffsiteRedirectMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        location = response.headers.get(b"Location")
        if response.status not in REDIRECTS or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        outlet = self.crawler.spider.outlet  # registry.Outlet: its `domains` decide, as for every URL we fetch
        if not outlet.allows(target):
            self.crawler.stats.inc_value("newsarchive/offsite_redirects")
            raise IgnoreRequest(f"offsite redirect to {target} (outside {', '.join(outlet.domains)})")
        return response
