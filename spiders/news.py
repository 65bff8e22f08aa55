"""One generic news spider driven by the outlet registry.

`scrapy crawl news -a outlet=anapress` or `scrapy crawl anapress` (one subclass per registry entry,
made here so `scrapy list` shows every outlet). Discovery: feeds, sitemaps (indexes followed),
section pages (rel=next followed); URLs matching the outlet's article_pattern are fetched and
handed on as raw captures.

Limits (spiders/settings.py) hold where requests are made, and what they stop is counted: article
requests, pending retries included, stop at NEWSARCHIVE_MAX_ARTICLES (the rest stay pending,
`skipped/page_cap`); discovery stops at NEWSARCHIVE_MAX_SECTION_PAGES per section,
NEWSARCHIVE_MAX_SITEMAP_DEPTH nested sitemap indexes and NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS documents
(`truncated_discovery/<limit>`: the documents not requested).

Page requisites (spiders/requisites.py): an article page judged HTML is followed by its stylesheets,
images, fonts and scripts on the outlet's domains and CDN hosts, each URL once per crawl, within the
budgets per page and per crawl (NEWSARCHIVE_REQUISITES_PER_PAGE, _REQUISITE_MIB_PER_PAGE, _PER_RUN,
_MIB_PER_RUN); a stylesheet's own `url(...)` and `@import` count for the page that loaded it. What is not
requested says why (`requisites/skipped/<reason>`), what failed too (`requisites/failed/<reason>`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, TypedDict
from urllib.parse import unquote, urljoin, urlsplit

import scrapy
from scrapy.http import TextResponse
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from common.errors import ConfigError
from outlets.model import Outlet
from outlets.registry import load_registry
from spiders import failures
from spiders.capture import CAPTURE_KEY, ArticleItem, Capture
from spiders.discovery import DiscoveryError, parse_feed, parse_sitemap
from spiders.requisites import PAGE_KEY, Budget, css_links, page_links
from spiders.revisits import Revisits, http_date
from spiders.state import MAX_ATTEMPTS, CrawlRun, CrawlState, seen_key
from spiders.variables import check_crawl_settings
from spiders.warc import KIND_KEY, VIA_KEY

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
STAT = "newsarchive/"
REQUISITE = STAT + "requisites/"
# a discovery document's parser (parse_feed, parse_sitemap, parse_section), called with its own keywords
# (depth, page); None: the document could not be read
DiscoveryParser = Callable[..., list[scrapy.Request] | None]


class _Place(TypedDict, total=False):
    """Where a discovery document sits: `depth` of a nested sitemap, `page` of a section."""

    depth: int
    page: int


class NewsSpider(scrapy.Spider):
    name = "news"
    outlet_id: str | None = None

    def __init__(
        self, outlet: str | None = None, registry: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        outlet = outlet or self.outlet_id
        if not outlet:
            raise ConfigError("no outlet given: use `scrapy crawl news -a outlet=<id>`")
        self.outlet: Outlet = load_registry(registry).get(outlet)
        self.allowed_domains = list(self.outlet.domains)
        self.max_articles = 0
        self.max_section_pages = 0
        self.max_sitemap_depth = 0
        self.max_discovery_documents = 0
        self.discovery_documents = 0
        self.discovery_truncated = False  # the document limit is logged once, then only counted
        self.scheduled_articles = 0
        self.seen_articles: set[str] = set()  # article URLs scheduled in this run
        self.in_flight: dict[
            str, int
        ] = {}  # scheduled, not yet answered: url -> earlier failed attempts
        self.found: dict[
            str, tuple[str, str]
        ] = {}  # article url -> (discovery URL it was listed on, when)
        self.state = CrawlState(outlet=self.outlet.id)
        self.run = CrawlRun(
            outlet=self.outlet.id,
            day=datetime.now(UTC).date().isoformat(),
            started=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.validators: dict[str, dict[str, str]] = {}
        self.lastmod_cutoff: datetime | None = None
        self.budget = Budget.of(0, 0, 0, 0)
        self.requisites_requested: set[str] = set()  # requisite URLs requested in this crawl
        self.budgets_reached: set[str] = set()  # run budgets logged once
        self.max_download = 0
        self.revisits = Revisits()  # archived articles to fetch again (spiders/revisits.py)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = check_crawl_settings(
            crawler.settings
        )  # every NEWSARCHIVE_* one, before any request
        spider.max_articles = settings["NEWSARCHIVE_MAX_ARTICLES"]
        spider.max_section_pages = settings["NEWSARCHIVE_MAX_SECTION_PAGES"]
        spider.max_sitemap_depth = settings["NEWSARCHIVE_MAX_SITEMAP_DEPTH"]
        spider.max_discovery_documents = settings["NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS"]
        spider.budget = Budget.of(
            settings["NEWSARCHIVE_REQUISITES_PER_PAGE"],
            settings["NEWSARCHIVE_REQUISITE_MIB_PER_PAGE"],
            settings["NEWSARCHIVE_REQUISITES_PER_RUN"],
            settings["NEWSARCHIVE_REQUISITE_MIB_PER_RUN"],
        )
        spider.max_download = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        if day := settings["NEWSARCHIVE_RUN_DAY"]:
            spider.run.day = day.isoformat()
        if path := settings["NEWSARCHIVE_STATE_FILE"]:
            spider.state = CrawlState.read(path, spider.outlet.id)
        if path := settings["NEWSARCHIVE_REVISIT_FILE"]:
            spider.revisits = Revisits.read(path)
        spider.validators = spider.state.validators_for(spider.run.day)
        cutoffs = []
        if last := spider.state.last_crawl_before(spider.run.day):
            cutoffs.append(last - timedelta(hours=settings["NEWSARCHIVE_LASTMOD_MARGIN_HOURS"]))
        if max_age := settings["NEWSARCHIVE_SITEMAP_MAX_AGE_DAYS"]:
            cutoffs.append(datetime.now(UTC) - timedelta(days=max_age))
        spider.lastmod_cutoff = max(cutoffs) if cutoffs else None
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # what the last run could not fetch, first
        for pending, attempts in self.state.pending.items():
            url = _request_url(pending)
            if not url or not self._wanted(url) or url in self.seen_articles:
                continue
            if (
                self._capped()
            ):  # stays pending, with the attempts it had: not an attempt of this run
                self.seen_articles.add(url)
                self.run.pending[url] = attempts
                if url in self.state.discovery:
                    self.run.discovery[url] = self.state.discovery[url]
                self.crawler.stats.inc_value(STAT + "skipped/page_cap")
                continue
            self.crawler.stats.inc_value(STAT + "retried_pending")
            yield self._article(url, attempts, self.state.discovery.get(url))
        for url, since in self.revisits.due:  # the schedule's revisits, inside the article limit
            url = _request_url(url)
            if not url or not self._wanted(url) or url in self.seen_articles:
                continue
            if self._capped():
                self.crawler.stats.inc_value(STAT + "skipped/revisit_cap")
                continue
            yield self._revisit(url, since, "scheduled")
        starts: list[tuple[str, DiscoveryParser, _Place]]
        starts = [(u, self.parse_feed, {}) for u in self.outlet.feeds]
        starts += [(u, self.parse_sitemap, {"depth": 0}) for u in self.outlet.sitemaps]
        starts += [(u, self.parse_section, {"page": 1}) for u in self.outlet.sections]
        for url, parse, kw in starts:
            if request := self._discovery(url, parse, **kw):
                yield request

    def _discovery(
        self, url: str, callback: DiscoveryParser, via: str | None = None, **kw: int
    ) -> scrapy.Request | None:
        """A conditional GET when an earlier run stored the document's validators; None over the limit.
        `via`: the document it was found on (a sitemap index, the previous section page)."""
        if (
            self.max_discovery_documents
            and self.discovery_documents >= self.max_discovery_documents
        ):
            if not self.discovery_truncated:
                logger.warning(
                    "%s: discovery truncated by the discovery_documents limit (%d) at %s; later "
                    "documents are counted, not requested",
                    self.outlet.id,
                    self.discovery_documents,
                    url,
                )
            self.discovery_truncated = True
            self._truncated("discovery_documents", url, 1, log=False)
            return None
        self.discovery_documents += 1
        self.crawler.stats.inc_value(STAT + "discovery_requests")
        headers: dict[str, str] = {}
        if known := self.validators.get(url):
            if etag := known.get("etag"):
                headers["If-None-Match"] = etag
            if modified := known.get("last_modified"):
                headers["If-Modified-Since"] = modified
        meta: dict[str, Any] = {"handle_httpstatus_list": [304], KIND_KEY: "discovery"}
        if via:
            meta[VIA_KEY] = (via, _now())
        return scrapy.Request(
            url,
            callback=self._discovered,
            errback=self.discovery_failed,
            headers=headers,
            cb_kwargs={"parse": callback, **kw},
            priority=10,
            meta=meta,
        )

    def _discovered(
        self, response: Response, parse: DiscoveryParser, **kw: int
    ) -> list[scrapy.Request]:
        url = _origin(response.request)
        if response.status == 304:
            self.crawler.stats.inc_value(STAT + "not_modified")
            self.run.validators[url] = self.validators.get(url, {})
            return []
        requests = parse(response, **kw)
        if requests is not None:  # read: remember its validators for the next run's conditional GET
            validators = {
                name: value.decode("latin-1")
                for name, header in (("etag", b"ETag"), ("last_modified", b"Last-Modified"))
                if (value := response.headers.get(header))
            }
            if validators:
                self.run.validators[url] = validators
        return requests or []

    # -- discovery --------------------------------------------------------------------------
    def parse_feed(self, response: Response) -> list[scrapy.Request] | None:
        try:
            links, damaged = parse_feed(response.body)
        except DiscoveryError as exc:
            self._bad_discovery(response, exc)
            return None
        self._salvaged(response, damaged)
        return self._articles(links, response.url)

    def parse_sitemap(self, response: Response, depth: int = 0) -> list[scrapy.Request] | None:
        try:
            kind, entries, damaged = parse_sitemap(response.body)
        except DiscoveryError as exc:
            self._bad_discovery(response, exc)
            return None
        self._salvaged(response, damaged)
        fresh = [loc for loc, lastmod in entries if not self._too_old(lastmod)]
        if kind == "urlset":
            return self._articles(fresh, response.url)
        children = [
            url
            for url in dict.fromkeys(map(_request_url, fresh))
            if url and self.outlet.allows(url)
        ]
        if depth >= self.max_sitemap_depth:
            self._truncated("sitemap_depth", response.url, len(children))
            return []
        requests = (
            self._discovery(url, self.parse_sitemap, via=response.url, depth=depth + 1)
            for url in children
        )
        return [r for r in requests if r is not None]

    def _too_old(self, lastmod: str | None) -> bool:
        """A sitemap entry last modified before the previous crawl (minus a margin) holds nothing new."""
        if not (lastmod and self.lastmod_cutoff):
            return False
        try:
            when = datetime.fromisoformat(lastmod.strip())
        except ValueError:
            return False
        old = (when if when.tzinfo else when.replace(tzinfo=UTC)) < self.lastmod_cutoff
        if old:
            self.crawler.stats.inc_value(STAT + "skipped/lastmod")
        return old

    def parse_section(self, response: Response, page: int) -> list[scrapy.Request]:
        hrefs = response.css("a::attr(href)").getall()
        requests = self._articles([urljoin(response.url, h) for h in hrefs], response.url)
        next_href = response.css('link[rel="next"]::attr(href), a[rel="next"]::attr(href)').get()
        if not next_href:
            return requests
        if page >= self.max_section_pages:
            self._truncated("section_pages", _origin(response.request), 1)
        elif request := self._discovery(
            urljoin(response.url, next_href), self.parse_section, via=response.url, page=page + 1
        ):
            requests.append(request)
        return requests

    def _truncated(self, limit: str, url: str, documents: int, log: bool = True) -> None:
        """A discovery limit stopped `documents` documents from being requested: counted and named."""
        if documents <= 0:
            return
        self.crawler.stats.inc_value(f"{STAT}truncated_discovery/{limit}", documents)
        if log:
            logger.warning(
                "%s: discovery truncated by the %s limit at %s (%d documents not requested)",
                self.outlet.id,
                limit,
                url,
                documents,
            )

    def _articles(self, urls: list[str], via: str) -> list[scrapy.Request]:
        """Requests for the new article URLs listed on the discovery document `via`."""
        stats = self.crawler.stats
        requests: list[scrapy.Request] = []
        found = (via, _now())
        for url in dict.fromkeys(urls):
            if not self.outlet.is_article(url):
                continue
            request_url = _request_url(
                url
            )  # as Scrapy will request it: the key of every record of this page
            if request_url is None:
                stats.inc_value(
                    STAT + "skipped/bad_url"
                )  # e.g. a port out of range: Scrapy cannot request it
                continue
            url = request_url
            if url in self.seen_articles or not self.outlet.allows(url):
                continue
            self.seen_articles.add(url)
            stats.inc_value(STAT + "discovered")
            if self.state.archived_elsewhere(url, self.run.day):
                since = self.revisits.since(url)
                if since is None:
                    stats.inc_value(STAT + "skipped/seen")
                elif self._capped():
                    stats.inc_value(STAT + "skipped/revisit_cap")
                else:  # listed again: has it changed?
                    requests.append(self._revisit(url, since, "relisted"))
            elif url in self.state.gave_up:
                stats.inc_value(STAT + "skipped/gave_up")
            elif self._capped():
                stats.inc_value(STAT + "skipped/page_cap")
                self.run.pending[url] = self.state.pending.get(url, 0)
                self.run.discovery[url] = list(found)
            else:
                requests.append(self._article(url, self.state.pending.get(url, 0), found))
        return requests

    def _capped(self) -> bool:
        return bool(self.max_articles) and self.scheduled_articles >= self.max_articles

    def _wanted(self, url: str) -> bool:
        """An article URL of the outlet; the pattern may be written for the URL as printed (unquoted)."""
        return (
            self.outlet.is_article(url) or self.outlet.is_article(unquote(url))
        ) and self.outlet.allows(url)

    def _article(
        self, url: str, attempts: int, found: tuple[str, str] | list[str] | None
    ) -> scrapy.Request:
        """`found`: (the discovery URL it was listed on, when), carried to its WARC provenance record."""
        self.seen_articles.add(url)
        self.scheduled_articles += 1
        self.in_flight[url] = attempts
        if found:
            self.found[url] = (found[0], found[1])
        self.crawler.stats.inc_value(STAT + "article_requests")
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={VIA_KEY: self.found[url]} if found else {},
        )

    def _revisit(self, url: str, since: str, why: str) -> scrapy.Request:
        """A conditional GET of an archived article; its 304, 404, 410 or redirect comes to
        parse_revisit as it is, and the page itself is named as where it was found."""
        self.seen_articles.add(url)
        self.scheduled_articles += 1
        self.in_flight[url] = 0
        self.crawler.stats.inc_value(f"{STAT}revisits/{why}")
        self.crawler.stats.inc_value(STAT + "article_requests")
        return scrapy.Request(
            url,
            callback=self.parse_revisit,
            errback=self.article_failed,
            headers={"If-Modified-Since": http_date(since)},
            meta={
                VIA_KEY: (url, _now()),
                "handle_httpstatus_list": [304, 404, 410, *REDIRECTS],
                "dont_redirect": True,
            },
        )

    def parse_revisit(self, response: Response) -> list[ArticleItem | scrapy.Request]:
        """A revisit's answer: a 304 (kept: a small record that the page was unchanged), a deletion
        (404, 410, a redirect off the article pages: kept as the evidence, newsarchive/run/gone.py), a
        redirect to another article page (a slug change: fetched, naming the old page as where it was
        found), or the page (archived as any article is)."""
        url = _origin(response.request)
        status = response.status
        if status == 200:
            return self.parse_article(response)
        self.in_flight.pop(url, None)
        if status in REDIRECTS:
            location = response.headers.get(b"Location") or b""
            target = _request_url(urljoin(url, location.decode("latin-1")))
            if target and self._wanted(target) and target not in self.seen_articles:
                self.crawler.stats.inc_value(STAT + "revisits/moved")
                self.seen_articles.add(target)
                self.scheduled_articles += 1
                self.found[target] = (url, _now())
                self.crawler.stats.inc_value(STAT + "article_requests")
                return [
                    scrapy.Request(
                        target,
                        callback=self.parse_article,
                        errback=self.article_failed,
                        meta={VIA_KEY: self.found[target]},
                    )
                ]
        self.crawler.stats.inc_value(
            STAT + ("revisits/not_modified" if status == 304 else "revisits/gone")
        )
        return []  # its record is in the WARC already: every answer that is not a 2xx is (spiders/warc.py)

    def _bad_discovery(self, response: Response, exc: DiscoveryError) -> None:
        logger.warning(
            "%s: unreadable discovery document %s: %s", self.outlet.id, response.url, exc
        )
        self.crawler.stats.inc_value(f"{STAT}discovery_failed/{exc.reason}")
        return None

    def _salvaged(self, response: Response, damaged: bool) -> None:
        """Broken XML: the entries before the damage are used; counted so the report shows the fault."""
        if damaged:
            logger.warning(
                "%s: broken XML in %s; using the entries that could be read",
                self.outlet.id,
                response.url,
            )
            self.crawler.stats.inc_value(STAT + "discovery_failed/malformed_xml")

    # -- articles ---------------------------------------------------------------------------
    def parse_article(self, response: Response) -> list[ArticleItem | scrapy.Request]:
        url = _origin(response.request)
        ctype = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        if ctype and ctype not in HTML_TYPES:
            return self._failed(url, "not_html")
        capture: Capture | None = response.meta.get(CAPTURE_KEY)
        if capture is None:
            return self._failed(url, "no_capture")
        self.in_flight.pop(url, None)
        self.crawler.stats.inc_value(STAT + "fetched")
        self.run.fetched += list(dict.fromkeys([seen_key(url), seen_key(response.url)]))
        via, discovered_at = response.meta.get(VIA_KEY) or (None, None)
        item: ArticleItem = {
            "outlet": self.outlet.id,
            **capture,
            "via": via,
            "discovered_at": discovered_at,
        }
        if not (self.outlet.requisites and self.budget.per_page):
            return [item]
        # without a Content-Type, a body Scrapy takes for binary is a plain Response, which has no text
        markup = response.text if isinstance(response, TextResponse) else response.body
        return [item, *self._requisites(page_links(markup, response.url), url, response.url)]

    # -- page requisites --------------------------------------------------------------------------
    def _requisites(self, links: list[str], page: str, via: str) -> list[scrapy.Request]:
        """Requests for the requisites `via` (the page, or a stylesheet of it) references, within the
        budgets of `page`; what is not requested is counted by its reason."""
        stats, found = self.crawler.stats, (via, _now())
        requests: list[scrapy.Request] = []
        for link in links:
            url = _request_url(link)
            if url is None:
                stats.inc_value(REQUISITE + "skipped/bad_url")
                continue
            if not self.outlet.serves_requisites(urlsplit(url).hostname or ""):
                stats.inc_value(REQUISITE + "skipped/offsite")
                continue
            if url in self.requisites_requested:
                stats.inc_value(REQUISITE + "shared")  # fetched once per crawl, for every page
                continue
            if refusal := self.budget.refusal(page):
                stats.inc_value(REQUISITE + "skipped/" + refusal)
                self._budget_reached(refusal, url)
                continue
            self.requisites_requested.add(url)
            self.budget.requested(page)
            stats.inc_value(REQUISITE + "requested")
            requests.append(
                scrapy.Request(
                    url,
                    callback=self.parse_requisite,
                    errback=self.requisite_failed,
                    priority=5,  # after discovery, before the next articles: near its page in time
                    meta={KIND_KEY: "requisite", VIA_KEY: found, PAGE_KEY: page},
                )
            )
        return requests

    def _budget_reached(self, refusal: str, url: str) -> None:
        if refusal.startswith("budget_run") and refusal not in self.budgets_reached:
            self.budgets_reached.add(refusal)
            logger.warning(
                "%s: the requisite budget %s is reached at %s; later requisites are counted, "
                "not requested",
                self.outlet.id,
                refusal,
                url,
            )

    def parse_requisite(self, response: Response) -> list[scrapy.Request]:
        page: str = response.meta[PAGE_KEY]
        capture: Capture | None = response.meta.get(CAPTURE_KEY)
        size = len(capture["body"] if capture else response.body)
        self.budget.received(page, size)
        self.crawler.stats.inc_value(REQUISITE + "fetched")
        self.crawler.stats.inc_value(REQUISITE + "bytes", size)
        ctype = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        if ctype == b"text/css" or (not ctype and urlsplit(response.url).path.endswith(".css")):
            text = response.body.decode("utf-8", "replace")
            return self._requisites(css_links(text, response.url), page, response.url)
        return []

    def requisite_failed(self, failure: Failure) -> None:
        request = failures.failed_request(failure)
        response = getattr(failure.value, "response", None)
        if response is not None and PAGE_KEY in request.meta:
            self.budget.received(request.meta[PAGE_KEY], len(response.body))
        reason = failures.reason(failure)
        if reason.startswith("budget_"):  # spiders/requisite_budget.py: not requested after all
            self.crawler.stats.inc_value(f"{REQUISITE}skipped/{reason}")
            self._budget_reached(reason, request.url)
            return
        self.crawler.stats.inc_value(f"{REQUISITE}failed/{reason}")
        logger.info("%s: requisite failed: %s (%s)", self.outlet.id, request.url, reason)

    def article_failed(self, failure: Failure) -> None:
        self._failed(_origin(failures.failed_request(failure)), failures.reason(failure))

    def _failed(self, url: str, reason: str) -> list[ArticleItem | scrapy.Request]:
        attempts = self.in_flight.pop(url, 0) + 1
        self.crawler.stats.inc_value(f"{STAT}failed/{reason}")
        logger.info("%s: article failed: %s (%s)", self.outlet.id, url, reason)
        if failures.retryable(reason) and attempts < MAX_ATTEMPTS:
            self.run.pending[url] = attempts
            if url in self.found:
                self.run.discovery[url] = list(self.found[url])
        else:
            self.run.gave_up[url] = reason
        return []

    def discovery_failed(self, failure: Failure) -> None:
        reason = failures.reason(failure)
        self.crawler.stats.inc_value(f"{STAT}discovery_failed/{reason}")
        url = failures.failed_request(failure).url
        logger.warning("%s: discovery failed: %s (%s)", self.outlet.id, url, reason)

    def finish_run(self, reason: str = "finished") -> CrawlRun:
        """What this crawl learnt. A page scheduled but never answered is retried next run: without an
        attempt when the crawl stopped early (memory limit, shutdown), as a failed attempt
        (`not_finished`) when the crawl finished, since then something lost the request and only
        MAX_ATTEMPTS can stop it being requested every run."""
        for url, attempts in list(self.in_flight.items()):
            if reason == "finished":
                self._failed(url, "not_finished")
            else:
                self.run.pending[url] = attempts
                if url in self.found:
                    self.run.discovery[url] = list(self.found[url])
                self.crawler.stats.inc_value(STAT + "failed/not_finished")
        self.in_flight = {}
        return self.run


def news_spider(spider: scrapy.Spider | None) -> NewsSpider:
    """The crawl's spider (`crawler.spider`), as the components spiders/settings.py installs use it."""
    if not isinstance(spider, NewsSpider):
        raise TypeError(f"the newsarchive crawl runs NewsSpider, not {type(spider).__name__}")
    return spider


def _request_url(url: str) -> str | None:
    """The URL as Scrapy requests it (w3lib's safe_url_string, as scrapy.Request does), without the
    fragment, which Scrapy's dupefilter ignores too; None if Scrapy could not request it."""
    try:
        safe = safe_url_string(url.strip())
    except ValueError:
        return None
    safe = safe.split("#", 1)[0]
    return safe if safe.lower().startswith(("http://", "https://")) else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _origin(request: scrapy.Request | None) -> str:
    """The URL the spider asked for, before redirects."""
    assert request is not None  # a response a callback gets carries its request (Scrapy sets it)
    redirects: list[str] = request.meta.get("redirect_urls") or [request.url]
    return redirects[0]


def _outlet_spiders() -> dict[str, type[NewsSpider]]:
    try:
        registry = load_registry()
    except ConfigError as exc:
        logger.error("no per-outlet spiders: %s", exc)
        return {}
    return {
        f"{o.id.title().replace('_', '')}Spider": type(
            f"{o.id.title().replace('_', '')}Spider",
            (NewsSpider,),
            {"name": o.id, "outlet_id": o.id},
        )
        for o in registry.outlets
    }


globals().update(_outlet_spiders())
