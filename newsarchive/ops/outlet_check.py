"""`newsarchive outlets check`: does each discovery URL of the registry still answer, and with what?

Per URL: HTTP status, what the document is (feed, sitemap, sitemap index, section), how many URLs it lists
that match the outlet's `article_pattern` (and how many it lists in all), and the newest date it shows.
Polite: robots.txt is read first for each host and obeyed, the project's User-Agent is sent, requests
to a host are spaced out (no pause on the loopback replica), one request at a time, every read bounded
in time and size, and a redirect is followed only inside the outlet's domains. One URL that fails costs
only its own row.
"""

from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.robotparser
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from common.errors import NewsArchiveError
from outlets.model import Outlet
from spiders.discovery import DiscoveryError, parse_feed, parse_sitemap

MAX_BYTES = 16 * 1024 * 1024  # as the crawl's DOWNLOAD_MAXSIZE
TIMEOUT_S = 30.0
MAX_REDIRECTS = 5
POLITE_DELAY_S = 1.0
_SAFE = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
)
_DATE_TAGS = {"pubDate", "updated", "published", "lastmod", "date", "publication_date"}


@dataclass
class UrlCheck:
    outlet: str
    url: str
    role: str  # what the registry calls it: feed, sitemap, section
    status: int | None = None  # HTTP status; None: no answer (see error)
    kind: str | None = None  # feed, sitemap, sitemap index, section
    articles: int = 0  # listed URLs that match article_pattern
    listed: int = 0  # URLs listed in all (for an index: its sitemaps)
    newest: str | None = None  # the newest date the document shows (ISO 8601)
    error: str | None = None  # why the URL is not usable, one line

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class Fetched:
    status: int
    url: str
    content_type: str
    body: bytes


class FetchError(NewsArchiveError):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class Fetcher:
    """One request at a time, with robots.txt read first per host and a pause between requests to a host."""

    user_agent: str
    host_map: dict[str, str] = field(default_factory=dict)
    delay_s: float = POLITE_DELAY_S
    timeout_s: float = TIMEOUT_S
    _robots: dict[str, urllib.robotparser.RobotFileParser] = field(default_factory=dict)
    # per host whose robots.txt could not be read (so nothing is fetched from it now): why
    _robots_unread: dict[str, str] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)

    def get(self, url: str, allowed: Outlet | None = None) -> Fetched:
        for _ in range(MAX_REDIRECTS + 1):
            fetched = self._get_once(url)
            location = fetched.status in (301, 302, 303, 307, 308) and fetched.content_type
            if not location:
                return fetched
            target = urljoin(url, location)
            if allowed is not None and not allowed.allows(target):
                raise FetchError(
                    "offsite_redirect",
                    f"redirected outside the outlet's domains, to {target[:200]}",
                )
            url = target
        raise FetchError("redirect_loop", f"more than {MAX_REDIRECTS} redirects")

    def robots_refusal(self, url: str) -> str | None:
        """None when the host's robots.txt lets us fetch `url`; else why not, one line: the file
        disallows it, or it could not be read (no answer, or a 5xx), which means nothing from that
        host now (as Google does)."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._robots:
            parser = urllib.robotparser.RobotFileParser()
            fetched: Fetched | None = None
            try:
                fetched = self._get_once(key + "/robots.txt")
                unread = None if fetched.status < 500 else f"answered HTTP {fetched.status}"
            except FetchError as exc:
                unread = f"unreachable ({exc.reason}: {exc})"
            if fetched is None or unread is not None:
                parser.parse(["User-agent: *", "Disallow: /"])
                self._robots_unread[key] = f"robots.txt {unread}"
            elif fetched.status >= 400:
                parser.parse([])  # none: everything allowed
            else:
                parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
            self._robots[key] = parser
        if self._robots[key].can_fetch(self.user_agent, url):
            return None
        if key in self._robots_unread:
            return f"{self._robots_unread[key]}: not fetched, as nothing from this host now"[:300]
        return "disallowed by robots.txt: not fetched"

    def _get_once(self, url: str) -> Fetched:
        """One GET; a redirect comes back with its Location in content_type's place (status 3xx)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        target = self.host_map.get(host)
        self._pause(host)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            if target:
                address, _, port = target.rpartition(":")
                conn: http.client.HTTPConnection = http.client.HTTPConnection(
                    address, int(port), timeout=self.timeout_s
                )
            elif parts.scheme == "https":
                conn = http.client.HTTPSConnection(
                    parts.hostname or "", parts.port, timeout=self.timeout_s
                )
            else:
                conn = http.client.HTTPConnection(
                    parts.hostname or "", parts.port, timeout=self.timeout_s
                )
            try:
                conn.request(
                    "GET",
                    path,
                    headers={
                        "Host": parts.netloc,
                        "User-Agent": self.user_agent,
                        "Accept-Encoding": "identity",
                    },
                )
                response = conn.getresponse()
                body = response.read(MAX_BYTES + 1)
                if len(body) > MAX_BYTES:
                    raise FetchError("oversized", f"over the {MAX_BYTES} byte limit")
                if 300 <= response.status < 400:
                    return Fetched(response.status, url, response.getheader("Location") or "", body)
                return Fetched(response.status, url, response.getheader("Content-Type") or "", body)
            finally:
                conn.close()
                self._last[host] = time.monotonic()
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError("timeout", f"no answer within {self.timeout_s:g} s") from None
        except socket.gaierror as exc:
            raise FetchError("dns", f"host {host} not found ({exc.strerror})") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError("connection", f"{type(exc).__name__}: {exc}"[:300]) from None

    def _pause(self, host: str) -> None:
        if host in self._last and not self.host_map:
            wait = self._last[host] + self.delay_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)


def check_outlet(outlet: Outlet, fetcher: Fetcher) -> list[UrlCheck]:
    roles = (
        [("feed", u) for u in outlet.feeds]
        + [("sitemap", u) for u in outlet.sitemaps]
        + [("section", u) for u in outlet.sections]
    )
    return [check_url(outlet, role, url, fetcher) for role, url in roles]


def check_url(outlet: Outlet, role: str, url: str, fetcher: Fetcher) -> UrlCheck:
    row = UrlCheck(outlet.id, url, role)
    try:
        if (refusal := fetcher.robots_refusal(url)) is not None:
            row.error = refusal
            return row
        fetched = fetcher.get(url, outlet)
    except FetchError as exc:
        row.error = f"{exc.reason}: {exc}"
        return row
    row.status = fetched.status
    if fetched.status != 200:
        row.error = f"HTTP {fetched.status}"
        return row
    try:
        _read_document(outlet, fetched, row)
    except DiscoveryError as exc:
        row.error = str(exc)[:300]
    if row.error is None and row.articles == 0 and row.kind != "sitemap index":
        row.error = "lists no URL matching article_pattern"
    return row


def _read_document(outlet: Outlet, fetched: Fetched, row: UrlCheck) -> None:
    head = fetched.body.lstrip()[:512].lower()
    if b"<html" in head or b"<!doctype html" in head or "html" in fetched.content_type.lower():
        row.kind = "section"
        links = _section_links(fetched)
        row.listed, row.articles = len(links), sum(1 for u in links if outlet.is_article(u))
        return
    if b"<urlset" in head or b"<sitemapindex" in head:
        kind, entries, _ = parse_sitemap(fetched.body)
        row.kind = "sitemap index" if kind == "index" else "sitemap"
        row.listed = len(entries)
        row.articles = sum(1 for u, _ in entries if outlet.is_article(u))
        row.newest = _newest([d for _, d in entries if d])
        return
    links, _ = parse_feed(fetched.body)
    row.kind = "feed"
    row.listed, row.articles = len(links), sum(1 for u in links if outlet.is_article(u))
    row.newest = _newest(_feed_dates(fetched.body))


def _section_links(fetched: Fetched) -> list[str]:
    try:
        doc = html.fromstring(fetched.body)
    except (etree.ParserError, ValueError):
        raise DiscoveryError("not_html", "the section page is not HTML") from None
    return sorted(
        {urljoin(fetched.url, a.get("href", "").strip()) for a in doc.iter("a") if a.get("href")}
    )


def _feed_dates(body: bytes) -> list[str]:
    root = etree.fromstring(body, parser=_SAFE)
    if root is None:
        return []
    return [
        e.text.strip()
        for e in root.iter()
        if isinstance(e.tag, str)
        and etree.QName(e.tag).localname in _DATE_TAGS
        and e.text
        and e.text.strip()
    ]


def _newest(values: list[str]) -> str | None:
    """The newest of dates written as RFC 822 (feeds) or ISO 8601 (sitemaps, Atom); unreadable ones are
    skipped."""
    parsed = []
    for value in values[:100_000]:
        value = value[:64]
        try:
            if re.match(r"^\d{4}-", value):
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            else:
                when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        parsed.append(when)
    return max(parsed).isoformat() if parsed else None
