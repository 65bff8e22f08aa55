"""One generic news spider driven by the outlet registry.

`scrapy crawl news -a outlet=anapress` or `scrapy crawl anapress` (one subclass per registry entry,
made here so `scrapy list` shows every outlet). Discovery: feeds, sitemaps (indexes followed),
section pages (rel=next followed); URLs matching the outlet's article_pattern are fetched and
handed on as raw captures.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsarchive.errors import ConfigError
from newsarchive.registry import Outlet, load_registry
from spiders.capture import CAPTURE_KEY
from spiders.discovery import DiscoveryError, parse_feed, parse_sitemap

logger = logging.getLogger(__name__)
HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class NewsSpider(scrapy.Spider):
    name = "news"
    outlet_id: str | None = None

    def __init__(self, outlet: str | None = None, registry: str | None = None, **kwargs):
        super().__init__(**kwargs)
        outlet = outlet or self.outlet_id
        if not outlet:
            raise ConfigError("no outlet given: use `scrapy crawl news -a outlet=<id>`")
        self.outlet: Outlet = load_registry(registry).get(outlet)
        self.allowed_domains = list(self.outlet.domains)
        self.max_articles = 0
        self.max_section_pages = 0
        self.scheduled_articles = 0
        self.seen_articles: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_articles = crawler.settings.getint("NEWSARCHIVE_MAX_ARTICLES")
        spider.max_section_pages = crawler.settings.getint("NEWSARCHIVE_MAX_SECTION_PAGES")
        return spider

    async def start(self):
        for url in self.outlet.feeds:
            yield self._discovery(url, self.parse_feed)
        for url in self.outlet.sitemaps:
            yield self._discovery(url, self.parse_sitemap)
        for url in self.outlet.sections:
            yield self._discovery(url, self.parse_section, page=1)

    def _discovery(self, url: str, callback, **kw) -> scrapy.Request:
        self.crawler.stats.inc_value("newsarchive/discovery_requests")
        return scrapy.Request(url, callback=callback, errback=self.discovery_failed,
                              cb_kwargs=kw, priority=10)

    # -- discovery --------------------------------------------------------------------------
    def parse_feed(self, response):
        try:
            links = parse_feed(response.body)
        except DiscoveryError as exc:
            return self._bad_discovery(response, exc)
        return self._articles(response, links)

    def parse_sitemap(self, response):
        try:
            kind, entries = parse_sitemap(response.body)
        except DiscoveryError as exc:
            return self._bad_discovery(response, exc)
        if kind == "index":
            return [self._discovery(loc, self.parse_sitemap) for loc, _ in entries if self.outlet.allows(loc)]
        return self._articles(response, [loc for loc, _ in entries])

    def parse_section(self, response, page: int):
        hrefs = response.css("a::attr(href)").getall()
        requests = self._articles(response, [urljoin(response.url, h) for h in hrefs])
        next_href = response.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        if next_href and page < self.max_section_pages:
            requests.append(self._discovery(urljoin(response.url, next_href), self.parse_section, page=page + 1))
        return requests

    def _articles(self, response, urls: list[str]) -> list[scrapy.Request]:
        stats = self.crawler.stats
        requests = []
        for url in dict.fromkeys(urls):
            if url in self.seen_articles or not (self.outlet.is_article(url) and self.outlet.allows(url)):
                continue
            self.seen_articles.add(url)
            stats.inc_value("newsarchive/discovered")
            if self.max_articles and self.scheduled_articles >= self.max_articles:
                stats.inc_value("newsarchive/skipped/page_cap")
                continue
            self.scheduled_articles += 1
            requests.append(scrapy.Request(url, callback=self.parse_article, errback=self.article_failed))
        return requests

    def _bad_discovery(self, response, exc: Exception) -> list:
        logger.warning("%s: unreadable discovery document %s: %s", self.outlet.id, response.url, exc)
        self.crawler.stats.inc_value("newsarchive/discovery_failed/unreadable")
        return []

    # -- articles ---------------------------------------------------------------------------
    def parse_article(self, response):
        stats = self.crawler.stats
        ctype = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
        if ctype and ctype not in HTML_TYPES:
            stats.inc_value("newsarchive/failed/not_html")
            return
        capture = response.meta.get(CAPTURE_KEY)
        if capture is None:
            stats.inc_value("newsarchive/failed/no_capture")
            return
        stats.inc_value("newsarchive/fetched")
        yield {"outlet": self.outlet.id, **capture}

    def article_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value(f"newsarchive/failed/{_reason(failure)}")
        logger.info("%s: article failed: %s (%s)", self.outlet.id, failure.request.url, _reason(failure))

    def discovery_failed(self, failure: Failure) -> None:
        self.crawler.stats.inc_value(f"newsarchive/discovery_failed/{_reason(failure)}")
        logger.warning("%s: discovery failed: %s (%s)", self.outlet.id, failure.request.url, _reason(failure))


def _reason(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return type(failure.value).__name__


def _outlet_spiders() -> dict[str, type[NewsSpider]]:
    try:
        registry = load_registry()
    except ConfigError as exc:
        logger.error("no per-outlet spiders: %s", exc)
        return {}
    return {
        f"{o.id.title().replace('_', '')}Spider": type(
            f"{o.id.title().replace('_', '')}Spider", (NewsSpider,), {"name": o.id, "outlet_id": o.id}
        )
        for o in registry.outlets
    }


globals().update(_outlet_spiders())
