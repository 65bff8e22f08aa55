"""An outlet as the registry declares it (domains, discovery URLs, language, cleanup rules), and the
registry: frozen records, validated once by outlets/registry.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from common.errors import UnknownOutletError
from common.values import linear_match


@dataclass(frozen=True)
class CleanupRules:
    """prune: CSS selectors removed before extraction; labels: extra labels that open furniture."""

    prune: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outlet:
    id: str
    name: str
    language: str
    timezone: str
    domains: tuple[str, ...]
    article_pattern: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    cleanup: CleanupRules = field(default_factory=CleanupRules)
    # the outlet's "page not found" template: a page holding any of these texts is a soft 404 (a deleted
    # article answered with status 200), archived as its story's `gone` version
    not_found: tuple[str, ...] = ()
    # lifecycle: "active" (crawled daily), "paused" (not crawled for now) or "retired" (stopped publishing;
    # its archive stays readable, a one-off capture of what its site still serves on request)
    status: str = "active"
    status_since: date | None = None
    status_reason: str = ""
    # page requisites (spiders/requisites.py): the stylesheets, images, fonts and scripts an article page
    # references on the outlet's domains and on these CDN hosts (each an exact host name), fetched with
    # the page; off: the page alone
    requisites: bool = True
    cdns: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status == "active"

    def describe_status(self) -> str:
        if self.active:
            return "active"
        return f"{self.status} since {self.status_since}: {self.status_reason}"

    def is_article(self, url: str) -> bool:
        """The URL matches article_pattern, run by RE2: linear in the URL's length, whatever the pattern."""
        return linear_match(self.article_pattern, url)

    def is_not_found(self, html: str) -> bool:
        """The page is the outlet's "not found" template (a soft 404)."""
        return any(marker in html for marker in self.not_found)

    def allows(self, url: str) -> bool:
        return self.allows_host(urlsplit(url).hostname or "")

    def allows_host(self, host: str) -> bool:
        """One of the outlet's domains, or a subdomain of one."""
        host = host.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def serves_requisites(self, host: str) -> bool:
        """A host a page requisite may come from: the outlet's domains (and their subdomains) and the
        CDN hosts it lists, each exactly (a CDN's other customers share its parent domain)."""
        return self.allows_host(host) or host.lower().rstrip(".") in self.cdns

    @property
    def discovery_urls(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.sections


@dataclass(frozen=True)
class Registry:
    path: Path
    outlets: tuple[Outlet, ...]

    @property
    def ids(self) -> list[str]:
        return [o.id for o in self.outlets]

    @property
    def active_ids(self) -> list[str]:
        """The outlets crawled daily (neither paused nor retired)."""
        return [o.id for o in self.outlets if o.active]

    def get(self, outlet_id: str) -> Outlet:
        for outlet in self.outlets:
            if outlet.id == outlet_id:
                return outlet
        raise UnknownOutletError(outlet_id, self.ids)

    def select(self, outlet_ids: list[str] | None) -> list[Outlet]:
        if not outlet_ids:
            return list(self.outlets)
        return [self.get(i) for i in outlet_ids]
