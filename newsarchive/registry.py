"""The outlet registry: outlets.toml parsed into frozen records, validated once."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from extract.rules import CleanupRules
from newsarchive.errors import ConfigError, UnknownOutletError

REGISTRY_ENV = "NEWSARCHIVE_OUTLETS"
_ID = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


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

    def is_article(self, url: str) -> bool:
        return re.match(self.article_pattern, url) is not None

    def allows(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

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

    def get(self, outlet_id: str) -> Outlet:
        for outlet in self.outlets:
            if outlet.id == outlet_id:
                return outlet
        raise UnknownOutletError(outlet_id, self.ids)

    def select(self, outlet_ids: list[str] | None) -> list[Outlet]:
        if not outlet_ids:
            return list(self.outlets)
        return [self.get(i) for i in outlet_ids]

    def hosts(self) -> set[str]:
        return {d for o in self.outlets for d in o.domains}


def default_registry_path() -> Path:
    """$NEWSARCHIVE_OUTLETS, else ./outlets.toml, else the one next to the installed project."""
    if env := os.environ.get(REGISTRY_ENV):
        return Path(env)
    cwd = Path.cwd() / "outlets.toml"
    if cwd.exists():
        return cwd
    return Path(__file__).resolve().parents[1] / "outlets.toml"


def load_registry(path: str | Path | None = None) -> Registry:
    path = Path(path) if path else default_registry_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"outlet registry {path} not found; set {REGISTRY_ENV} or create it") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"outlet registry {path} is not valid TOML: {exc}") from None
    entries = data.get("outlet")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"outlet registry {path} has no [[outlet]] entries")
    outlets = tuple(_parse_outlet(path, i, e) for i, e in enumerate(entries))
    ids = [o.id for o in outlets]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ConfigError(f"outlet registry {path}: duplicate outlet ids {dupes}")
    return Registry(path=path, outlets=outlets)


def _parse_outlet(path: Path, index: int, entry: dict) -> Outlet:
    where = f"outlet registry {path}, entry #{index + 1} ({entry.get('id', '?')})"
    for key in ("id", "name", "language", "domains", "article_pattern"):
        if not entry.get(key):
            raise ConfigError(f"{where}: missing {key!r}")
    if not _ID.match(entry["id"]):
        raise ConfigError(f"{where}: id must be lowercase letters, digits or _ (2-32 chars)")
    try:
        re.compile(entry["article_pattern"])
    except re.error as exc:
        raise ConfigError(f"{where}: article_pattern is not a valid regex: {exc}") from None
    timezone = entry.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown timezone {timezone!r} (use an IANA name)") from None
    discovery = {k: tuple(entry.get(k, ())) for k in ("feeds", "sitemaps", "sections")}
    if not any(discovery.values()):
        raise ConfigError(f"{where}: give at least one of feeds, sitemaps or sections")
    cleanup = entry.get("cleanup", {})
    for selector in cleanup.get("prune", ()):
        try:
            CSSSelector(selector, translator="html")
        except SelectorError as exc:
            raise ConfigError(f"{where}: cleanup.prune selector {selector!r} is not valid CSS: {exc}") from None
    outlet = Outlet(
        id=entry["id"],
        name=entry["name"],
        language=entry["language"],
        timezone=timezone,
        domains=tuple(d.lower() for d in entry["domains"]),
        article_pattern=entry["article_pattern"],
        cleanup=CleanupRules(
            prune=tuple(cleanup.get("prune", ())), labels=tuple(cleanup.get("labels", ()))
        ),
        **discovery,
    )
    for url in outlet.discovery_urls:
        if not outlet.allows(url):
            raise ConfigError(f"{where}: discovery URL {url} is outside domains {outlet.domains}")
    return outlet
