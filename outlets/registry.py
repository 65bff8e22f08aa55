"""The outlet registry: outlets.toml parsed into frozen records (outlets/model.py), validated once."""

from __future__ import annotations

import logging
import os
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from lxml.cssselect import CSSSelector

from common.errors import ConfigError, ExtractionError
from common.files import NotARegularFile, open_regular, read_limited
from common.values import (
    BadValue,
    HostName,
    Kind,
    LanguageTag,
    LinearRegex,
    OutletId,
    Url,
    shown,
)
from outlets.model import CleanupRules, Outlet, Registry

logger = logging.getLogger(__name__)

REGISTRY_ENV = "NEWSARCHIVE_OUTLETS"


def default_registry_path() -> Path:
    """$NEWSARCHIVE_OUTLETS, else ./outlets.toml, else the one next to the installed project."""
    if env := os.environ.get(REGISTRY_ENV):
        return Path(env)
    cwd = Path.cwd() / "outlets.toml"
    if cwd.exists():
        return cwd
    return Path(__file__).resolve().parents[1] / "outlets.toml"


MAX_REGISTRY_BYTES = 1024 * 1024
MAX_ENTRY_STRINGS = 1000  # items in one list (domains, feeds, labels ...)
MAX_STRING_CHARS = 2083
REGISTRABLE = HostName(registrable=True)
NAMESPACE = "x-"  # keys of your own (x-desk = "..."): kept out of the way of ours, never an error
T = TypeVar("T")
_KNOWN_KEYS = {
    "id",
    "name",
    "language",
    "timezone",
    "domains",
    "article_pattern",
    "feeds",
    "sitemaps",
    "sections",
    "cleanup",
    "not_found",
    "status",
    "status_since",
    "status_reason",
    "requisites",
    "cdns",
}
STATUSES = ("active", "paused", "retired")


def _read_registry(path: Path) -> str:
    """The file's text; a directory, a device, a FIFO, a huge or binary file is a ConfigError (checked
    by its type and size before anything is read, so /dev/zero or a FIFO cannot hang us)."""
    try:
        with open_regular(path) as f:
            data = read_limited(f, MAX_REGISTRY_BYTES, "the file")
    except FileNotFoundError:
        raise ConfigError(
            f"outlet registry {path} not found; set {REGISTRY_ENV} or create it"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"outlet registry {path} cannot be read ({exc.strerror or exc}); check the path and "
            "its permissions"
        ) from None
    except NotARegularFile as exc:
        hint = (
            "give the outlets.toml file in it" if exc.kind == "a directory" else "give a TOML file"
        )
        raise ConfigError(f"outlet registry {path} is {exc.kind}; {hint}") from None
    except ExtractionError:  # oversized
        raise ConfigError(
            f"outlet registry {path} is over the {MAX_REGISTRY_BYTES} byte limit; is it the right "
            "file?"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"outlet registry {path} is not UTF-8 text (byte {exc.start}); give a TOML file"
        ) from None


def load_registry(path: str | Path | None = None) -> Registry:
    path = Path(path) if path else default_registry_path()
    text = _read_registry(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"outlet registry {path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"outlet registry {path} nests arrays or tables too deeply") from None
    entries = data.get("outlet")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"outlet registry {path} has no [[outlet]] entries")
    outlets = tuple(_parse_outlet(path, i, e) for i, e in enumerate(entries))
    ids = [o.id for o in outlets]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ConfigError(f"outlet registry {path}: duplicate outlet ids {dupes}")
    return Registry(path=path, outlets=outlets)


def _string(where: str, entry: dict[str, object], key: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if value is None or value == "":
        raise ConfigError(f"{where}: missing {key!r}")
    if not isinstance(value, str):
        raise ConfigError(
            f"{where}: {key} must be a string, not {type(value).__name__} {value!r:.40}"
        )
    if len(value) > MAX_STRING_CHARS or not value.isprintable():
        raise ConfigError(
            f"{where}: {key} must be one line of printable text of at most {MAX_STRING_CHARS} characters"
        )
    return value


def _strings(
    where: str,
    table: dict[str, object],
    key: str,
    name: str | None = None,
    *,
    required: bool = False,
) -> tuple[str, ...]:
    """A list of non-empty one-line strings (a lone string is refused: it would be read letter by letter)."""
    name = name or key
    value = table.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(
            f'{where}: {name} must be a list of strings, e.g. {name} = ["..."]; '
            f"got {type(value).__name__} {value!r:.40}"
        )
    if required and not value:
        raise ConfigError(f"{where}: missing {name!r}")
    if len(value) > MAX_ENTRY_STRINGS:
        raise ConfigError(
            f"{where}: {name} has {len(value)} items, over the limit of {MAX_ENTRY_STRINGS}"
        )
    for item in value:
        if (
            not isinstance(item, str)
            or not item.strip()
            or len(item) > MAX_STRING_CHARS
            or not item.isprintable()
        ):
            raise ConfigError(
                f"{where}: {name} item {item!r:.60} is not a non-empty one-line string"
            )
    return tuple(value)


def _value(where: str, key: str, text: str, kind: Kind[T]) -> T:
    """`text` parsed by its kind (common/values.py, shared with the CLI and the settings), or a
    ConfigError naming the entry, the key, the value and what to give."""
    try:
        return kind.parse(text)
    except BadValue as exc:
        raise ConfigError(f"{where}: {key} {shown(text)} is wrong; give {exc}") from None


def _url(where: str, key: str, url: str) -> None:
    _value(where, f"{key} URL", url, Url())


def _parse_outlet(path: Path, index: int, entry: object) -> Outlet:
    if not isinstance(entry, dict):
        raise ConfigError(
            f"outlet registry {path}, entry #{index + 1}: an [[outlet]] must be a table of keys"
        )
    shown_id = entry.get("id", "?")
    where = f"outlet registry {path}, entry #{index + 1} ({shown_id if isinstance(shown_id, str) else repr(shown_id)[:40]})"
    if unknown := sorted(k for k in set(entry) - _KNOWN_KEYS if not k.startswith(NAMESPACE)):
        raise ConfigError(
            f"{where}: unknown keys {', '.join(map(repr, unknown))} (a typo? the keys are "
            f"{', '.join(sorted(_KNOWN_KEYS))}; name your own keys {NAMESPACE}...)"
        )
    outlet_id = _value(where, "id", _string(where, entry, "id"), OutletId())
    name = _string(where, entry, "name")
    language = _value(where, "language", _string(where, entry, "language"), LanguageTag())
    domains = tuple(
        _value(where, "domain", d, REGISTRABLE)
        for d in _strings(where, entry, "domains", required=True)
    )
    article_pattern = _value(
        where, "article_pattern", _string(where, entry, "article_pattern"), LinearRegex()
    )
    timezone = _string(where, entry, "timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown timezone {timezone!r} (use an IANA name)") from None
    discovery = {k: _strings(where, entry, k) for k in ("feeds", "sitemaps", "sections")}
    if not any(discovery.values()):
        raise ConfigError(f"{where}: give at least one of feeds, sitemaps or sections")
    for key, urls in discovery.items():
        for url in urls:
            _url(where, key, url)
    cleanup = entry.get("cleanup", {})
    if not isinstance(cleanup, dict):
        raise ConfigError(
            f"{where}: cleanup must be a table ([outlet.cleanup] with prune and labels), "
            f"not {type(cleanup).__name__} {cleanup!r:.40}"
        )
    if unknown := sorted(
        k for k in set(cleanup) - {"prune", "labels"} if not k.startswith(NAMESPACE)
    ):
        raise ConfigError(
            f"{where}: unknown keys {', '.join(map(repr, unknown))} in cleanup (a typo? the keys are "
            f"labels, prune; name your own keys {NAMESPACE}...)"
        )
    prune = _strings(where, cleanup, "prune", "cleanup.prune")
    labels = _strings(where, cleanup, "labels", "cleanup.labels")
    for selector in prune:
        try:
            CSSSelector(selector, translator="html")
        except SelectorError as exc:
            raise ConfigError(
                f"{where}: cleanup.prune selector {selector!r} is not valid CSS: {exc}"
            ) from None
    status, since, reason = _lifecycle(where, entry)
    requisites, cdns = _requisites(where, entry, domains)
    outlet = Outlet(
        id=outlet_id,
        name=name,
        language=language,
        timezone=timezone,
        domains=domains,
        article_pattern=article_pattern,
        cleanup=CleanupRules(prune=prune, labels=labels),
        not_found=_strings(where, entry, "not_found"),
        status=status,
        status_since=since,
        status_reason=reason,
        requisites=requisites,
        cdns=cdns,
        **discovery,
    )
    for url in outlet.discovery_urls:
        if not outlet.allows(url):
            raise ConfigError(f"{where}: discovery URL {url} is outside domains {outlet.domains}")
    return outlet


def _requisites(
    where: str, entry: dict[str, object], domains: tuple[str, ...]
) -> tuple[bool, tuple[str, ...]]:
    """requisites (true by default: an article page is captured with its stylesheets, images, fonts and
    scripts) and cdns (the other hosts they may come from, each an exact host name)."""
    requisites = entry.get("requisites", True)
    if not isinstance(requisites, bool):
        raise ConfigError(
            f"{where}: requisites must be true or false (unquoted), not {requisites!r:.40}"
        )
    cdns = tuple(
        dict.fromkeys(
            _value(where, "cdns host", h, REGISTRABLE) for h in _strings(where, entry, "cdns")
        )
    )
    if inside := [h for h in cdns if any(h == d or h.endswith("." + d) for d in domains)]:
        raise ConfigError(
            f"{where}: cdns host {inside[0]} is one of the outlet's domains already; list only "
            "other hosts"
        )
    return requisites, cdns


def _lifecycle(where: str, entry: dict[str, object]) -> tuple[str, date | None, str]:
    """status (active, paused, retired); a paused or retired outlet names since when (a TOML date) and why."""
    status = _string(where, entry, "status", "active")
    if status not in STATUSES:
        raise ConfigError(f"{where}: status {status!r:.40} is not one of {', '.join(STATUSES)}")
    if status == "active":
        if "status_since" in entry or "status_reason" in entry:
            raise ConfigError(
                f"{where}: status_since and status_reason belong to a paused or retired outlet; "
                'set status = "paused" or "retired", or remove them'
            )
        return status, None, ""
    since = entry.get("status_since")
    if isinstance(since, datetime) or not isinstance(since, date):
        raise ConfigError(
            f"{where}: a {status} outlet needs status_since, a date such as 2023-11-15 "
            f"(unquoted), not {since!r:.40}"
        )
    return status, since, _string(where, entry, "status_reason")
