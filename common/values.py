"""One validator per kind of value, shared by the CLI's arguments (newsarchive/cli/args.py), the settings
model (every NEWSARCHIVE_* variable, common/variables.py) and the outlet registry (outlets/registry.py).

A kind parses text into a typed value or raises `BadValue`, whose message is what the kind accepts
("a whole number of days from 0 to 3650"); the caller names the input (`--rev`, a NEWSARCHIVE_* variable, the
registry entry's key), so every message says what was wrong and what to give instead. `bad_examples`
are wrong values each kind must refuse: the edge tests feed them to every input of that kind."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from common.files import file_kind
from common.langtag import language_tag

T = TypeVar("T")
MAX_LINE_CHARS = 4096
MAX_URL_CHARS = 2083  # the longest URL browsers and Scrapy accept
FIRST_DAY = date(1990, 1, 1)  # before the web had news sites to archive
_DIGITS = re.compile(r"[0-9]{1,15}")  # ASCII only: «²».isdigit() is True and int("²") fails
_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?|\.[0-9]{1,15}")  # no exponent, sign, inf or nan
_OUTLET_ID = re.compile(r"[a-z][a-z0-9_]{1,31}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,249}")
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@" + _HOST.pattern[len("(?=.{1,253}$)") :]
)
_PG_OPTION = re.compile(r"[a-z_][a-z0-9_.]{0,62}=[A-Za-z0-9_.:/+-]{1,200}")
ARCHIVE_EXAMPLE = "s3://news-archive/ar"


class BadValue(ValueError):
    """A value that is not of its kind; the message is what the kind accepts."""


def shown(value: str, limit: int = 60) -> str:
    """A value for an error message: quoted, cut to `limit` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _line(text: str, max_chars: int = MAX_LINE_CHARS) -> bool:
    return 0 < len(text) <= max_chars and text.isprintable()


class Kind(Generic[T]):
    """A kind of value: `parse(text)` → value or BadValue; `text(value)` is the value written back as
    text (what the crawl process gets with -s, what the docs show)."""

    accepts: str = ""
    bad_examples: tuple[str, ...] = ("\x00", "two\nlines")

    def parse(self, text: str) -> T:
        raise NotImplementedError

    def text(self, value: T) -> str:
        return str(value)

    def __call__(self, text: str) -> T:
        return self.parse(text)


@dataclass(frozen=True)
class Whole(Kind[int]):
    """A whole number (ASCII digits) from `low` to `high`."""

    low: int
    high: int
    unit: str = ""

    @property
    def accepts(self) -> str:  # type: ignore[override]
        of = f" of {self.unit}" if self.unit else ""
        return f"a whole number{of} from {self.low} to {self.high}"

    @property
    def bad_examples(self) -> tuple[str, ...]:  # type: ignore[override]
        below = () if self.low == 0 else (str(self.low - 1),)
        return ("abc", "-1", *below, str(self.high + 1), "1e99", "\u00b2", "1.5", "9" * 40)

    def parse(self, text: str) -> int:
        stripped = text.strip()
        number = int(stripped) if _DIGITS.fullmatch(stripped) else None
        if number is None or not self.low <= number <= self.high:
            raise BadValue(self.accepts)
        return number


@dataclass(frozen=True)
class Number(Kind[float]):
    """A decimal number (digits and one point: no sign, exponent, inf or nan) in a range; `low_open`:
    more than `low`, not equal."""

    low: float
    high: float
    unit: str = ""
    low_open: bool = False

    def _num(self, x: float) -> str:
        """The number as `parse` takes it back: digits and a point, every digit `repr` keeps (never an
        exponent, which `parse` refuses, nor the six digits of %g: 1234567 is not 1.23457e+06)."""
        text = format(Decimal(repr(float(x))), "f")
        return text.removesuffix(".0")

    @property
    def accepts(self) -> str:  # type: ignore[override]
        of = f" of {self.unit}" if self.unit else ""
        if self.low_open:
            return (
                f"a number{of} more than {self._num(self.low)} and at most {self._num(self.high)}"
            )
        return f"a number{of} from {self._num(self.low)} to {self._num(self.high)}"

    @property
    def bad_examples(self) -> tuple[str, ...]:  # type: ignore[override]
        edge = (self._num(self.low),) if self.low_open else ("-1",)
        return ("abc", *edge, self._num(self.high * 2 + 1), "nan", "inf", "1e99", "\u00b2")

    def parse(self, text: str) -> float:
        stripped = text.strip()
        return self.check(float(stripped) if _DECIMAL.fullmatch(stripped) else math.nan)

    def check(self, number: float) -> float:
        """A number given as one (by a library's caller): in the range, or BadValue."""
        ok = self.low < number if self.low_open else self.low <= number
        if not (ok and number <= self.high):  # NaN fails both
            raise BadValue(self.accepts)
        return number

    def text(self, value: float) -> str:
        return self._num(value)


@dataclass(frozen=True)
class Duration(Number):
    """A duration: a number of seconds, hours or days (the unit is in the variable's name)."""

    unit: str = "seconds"


@dataclass(frozen=True)
class Flag(Kind[bool]):
    accepts = "1, true, yes or on to turn it on, 0, false, no or off to turn it off"
    bad_examples = ("maybe", "2", "tru", "\x00")
    TRUE = ("1", "true", "yes", "on")
    FALSE = ("0", "false", "no", "off")

    def parse(self, text: str) -> bool:
        word = text.strip().lower()
        if word not in self.TRUE + self.FALSE:
            raise BadValue(self.accepts)
        return word in self.TRUE

    def text(self, value: bool) -> str:
        return "true" if value else "false"


def tomorrow_utc() -> date:
    """The last day a run may have: a run dated ahead of it would mark today's pages seen in the future."""
    return datetime.now(UTC).date() + timedelta(days=1)


@dataclass(frozen=True)
class Day(Kind[date]):
    """YYYY-MM-DD from `first` to `last()` (tomorrow in UTC)."""

    first: date = FIRST_DAY
    last: Callable[[], date] = tomorrow_utc
    bad_examples = ("2026-13-01", "20261121", "0001-01-01", "9999-12-31", "yesterday")

    @property
    def accepts(self) -> str:  # type: ignore[override]
        return f"a date YYYY-MM-DD from {self.first} to tomorrow (UTC)"

    def parse(self, text: str) -> date:
        try:
            parsed = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None or not self.first <= parsed <= self.last():
            raise BadValue(f"a date YYYY-MM-DD from {self.first} to {self.last()} (tomorrow, UTC)")
        return parsed


@dataclass(frozen=True)
class AnyDay(Kind[date]):
    """YYYY-MM-DD, any day (a range to read: days without a snapshot have nothing)."""

    accepts = "a date YYYY-MM-DD, e.g. 2026-11-21"
    bad_examples = ("2026-13-01", "20261121", "yesterday", "2026-11-21T00:00")

    def parse(self, text: str) -> date:
        try:
            parsed = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise BadValue(self.accepts)
        return parsed


def day_range(since: date | None, until: date | None, max_days: int | None = None) -> None:
    """A range of days runs forward (and spans at most `max_days`); BadValue otherwise."""
    if since and until and since > until:
        raise BadValue(f"{since} is after {until}; give a range that runs forward")
    if since and until and max_days is not None and (until - since).days >= max_days:
        raise BadValue(f"{since} to {until} is more than {max_days} days; split the range")


@dataclass(frozen=True)
class Text(Kind[str]):
    """One line of printable text (no control characters), at most `max_chars`."""

    max_chars: int = MAX_LINE_CHARS
    strip: bool = False  # spaces around the line are not part of it

    @property
    def accepts(self) -> str:  # type: ignore[override]
        return f"one line of printable text of at most {self.max_chars} characters"

    @property
    def bad_examples(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("two\nlines", "bot\r\nX-Injected: 1", "\x00", "x" * (self.max_chars + 1))

    def parse(self, text: str) -> str:
        if len(text) > self.max_chars or not text.isprintable():  # empty is a line of text
            raise BadValue(self.accepts)
        return text.strip() if self.strip else text


@dataclass(frozen=True)
class Name(Kind[str]):
    """An identifier such as an Airflow pool, queue or connection id."""

    accepts = "a name of letters, digits, _ . - (starting with a letter or digit, at most 250)"
    bad_examples = ("a b", "x;rm -rf", "-x", "\x00")

    def parse(self, text: str) -> str:
        if not _NAME.fullmatch(text):
            raise BadValue(self.accepts)
        return text


@dataclass(frozen=True)
class Names(Kind[tuple[str, ...]]):
    """A comma-separated list of names (Celery queues)."""

    accepts = "names, comma separated, each of letters, digits, _ . - (e.g. crawl,process)"
    bad_examples = ("a b", ",", "crawl,,process", "x;y", "\x00")

    def parse(self, text: str) -> tuple[str, ...]:
        names = tuple(text.split(","))
        if not all(_NAME.fullmatch(n) for n in names):
            raise BadValue(self.accepts)
        return names

    def text(self, value: tuple[str, ...]) -> str:
        return ",".join(value)


@dataclass(frozen=True)
class Ages(Kind[tuple[int, ...]]):
    """Ages in whole days, comma separated, ascending, each from 1 to `high` (empty: none)."""

    high: int

    @property
    def accepts(self) -> str:  # type: ignore[override]
        return f"whole numbers of days from 1 to {self.high}, ascending, comma separated (e.g. 1,7,30; empty: none)"

    @property
    def bad_examples(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("0", "7,1", "1,,7", "1.5", "x", f"{self.high + 1}", "1 7", "\x00")

    def parse(self, text: str) -> tuple[int, ...]:
        if not text.strip():
            return ()
        parts = text.strip().split(",")
        if not all(_DIGITS.fullmatch(p) for p in parts):
            raise BadValue(self.accepts)
        ages = tuple(int(p) for p in parts)
        if not all(1 <= a <= self.high for a in ages) or list(ages) != sorted(set(ages)):
            raise BadValue(self.accepts)
        return ages

    def text(self, value: tuple[int, ...]) -> str:
        return ",".join(map(str, value))


@dataclass(frozen=True)
class Emails(Kind[tuple[str, ...]]):
    accepts = "e-mail addresses, comma separated, e.g. ops@example.org,desk@example.org"
    bad_examples = ("ops", "a@b@c", "ops@", "@x.org", "x@y.org\nBcc: z@w.org")

    def parse(self, text: str) -> tuple[str, ...]:
        addresses = tuple(a.strip() for a in text.split(",") if a.strip())
        if not addresses or not all(_EMAIL.fullmatch(a.lower()) for a in addresses):
            raise BadValue(self.accepts)
        return addresses

    def text(self, value: tuple[str, ...]) -> str:
        return ",".join(value)


@dataclass(frozen=True)
class OutletId(Kind[str]):
    accepts = (
        "an outlet id: lowercase letters, digits or _, 2-32 characters, starting with a letter"
    )
    bad_examples = ("../../etc", "Bad!", "x", "a" * 33, "1abc")

    def parse(self, text: str) -> str:
        if not _OUTLET_ID.fullmatch(text):
            raise BadValue(self.accepts)
        return text


@dataclass(frozen=True)
class LanguageTag(Kind[str]):
    """A well-formed BCP 47 tag, in its canonical case; `undetermined`: «und» too (a filter may ask for
    the rows whose language was not determined; an outlet's language must be one)."""

    undetermined: bool = False
    accepts = "a BCP 47 language tag, e.g. ar or ar-EG"

    @property
    def bad_examples(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("ar/eg", "x" * 80, "a\x00") + (() if self.undetermined else ("und",))

    def parse(self, text: str) -> str:
        tag = language_tag(text)
        if tag is None or (tag == "und" and not self.undetermined):
            raise BadValue(self.accepts)
        return tag


@dataclass(frozen=True)
class Url(Kind[str]):
    """An absolute http(s) URL with a host and a valid port."""

    accepts = "an absolute http(s) URL, e.g. https://example.com/a/1"
    bad_examples = ("ftp://x.test/a", "http://[::1", "http://x.test:99999/", "/a/1", "http://x y/")

    def parse(self, text: str) -> str:
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise BadValue(self.accepts) from None
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or len(text) > MAX_URL_CHARS
            or not text.isprintable()
            or " " in text
        ):
            raise BadValue(self.accepts)
        return text


@dataclass(frozen=True)
class CollectionUrl(Url):
    """The base URL of a Wayback-style replay collection: an absolute http(s) URL without a query or a
    fragment (given with or without a trailing slash; kept without)."""

    accepts = "the http(s) URL of a replay collection, e.g. http://127.0.0.1:8090/all"
    bad_examples = (
        "ftp://x.test/all",
        "http://x.test/all?q=1",
        "http://x.test/all#f",
        "/all",
        "http://x y/",
    )

    def parse(self, text: str) -> str:
        base = super().parse(text)
        parts = urlsplit(base)
        if parts.query or parts.fragment or "?" in base or "#" in base:
            raise BadValue(self.accepts)
        return base.rstrip("/")


@cache
def _public_suffixes() -> frozenset[str]:
    """The ICANN section of the public suffix list that tldextract ships (its snapshot file, read
    directly: importing tldextract costs 0.4 s, and nothing is ever fetched). IDN rules in punycode."""
    spec = importlib.util.find_spec("tldextract")
    if spec is None or spec.origin is None:
        raise RuntimeError("tldextract is not installed: run make setup")
    text = (Path(spec.origin).parent / ".tld_set_snapshot").read_text(encoding="utf-8")
    rules = set()
    for line in text.split("===BEGIN PRIVATE DOMAINS===")[0].splitlines():
        rule = line.strip().split(" ")[0]
        if rule and not rule.startswith("//"):
            try:
                rules.add(".".join(_ascii_label(label) for label in rule.split(".")))
            except UnicodeError:
                continue
    return frozenset(rules)


def _ascii_label(label: str) -> str:
    return label if label.isascii() else label.encode("idna").decode("ascii")


def _public_suffix_labels(labels: list[str]) -> int:
    """How many trailing labels are a public suffix by the list's rules (0: no rule matches, so the host
    is under no TLD the list knows, like localhost or example.test)."""
    rules = _public_suffixes()
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if "!" + candidate in rules:
            return len(labels) - i - 1
        wildcard = "*." + ".".join(labels[i + 1 :]) if i + 1 < len(labels) else ""
        if candidate in rules or wildcard in rules:
            return len(labels) - i
    return 0


def _ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class HostName(Kind[str]):
    """A DNS host name (lowercased). registrable: under a registrable domain of the public suffix list
    (not a bare TLD or public suffix such as `net` or `co.uk`, not `localhost`, not an IP literal)."""

    registrable: bool = False

    @property
    def accepts(self) -> str:  # type: ignore[override]
        if self.registrable:
            return (
                "a host name under a registrable domain, like example.com or www.example.co.uk "
                "(not a bare TLD or public suffix, localhost or an IP address; no scheme, path or port)"
            )
        return "a host name of letters, digits, - and dots, like worker-1 or www.example.com"

    @property
    def bad_examples(self) -> tuple[str, ...]:  # type: ignore[override]
        common = ("x/../y", "https://x.com", "x.com:80", "a..b", "-x.com")
        return (
            (*common, "net", "localhost", "co.uk", "127.0.0.1", "[::1]")
            if self.registrable
            else common
        )

    def parse(self, text: str) -> str:
        host = text.strip().lower()
        if not _HOST.fullmatch(host):
            raise BadValue(self.accepts)
        if self.registrable:
            labels = host.split(".")
            suffix = _public_suffix_labels(labels)
            if _ip_literal(host) or not 0 < suffix < len(labels):
                raise BadValue(self.accepts)
        return host


@dataclass(frozen=True)
class HostMap(Kind[dict[str, str]]):
    """JSON {"host": "address:port"}: hosts are names, addresses a host and a port 1-65535."""

    accepts = 'a JSON object of host names to address:port (1-65535), e.g. {"www.example.com": "127.0.0.1:8080"}'
    bad_examples = (
        "[1]",
        "not json",
        '{"x.com": "127.0.0.1:70000"}',
        '{"x.com": 5}',
        '{"x/../y": "127.0.0.1:80"}',
    )

    def parse(self, text: str) -> dict[str, str]:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise BadValue(self.accepts)
        hosts = HostName()
        result = {}
        for host, address in data.items():
            target, _, port = address.rpartition(":") if isinstance(address, str) else ("", "", "")
            try:
                name = hosts.parse(host)
            except BadValue:
                name = ""
            if (
                not name
                or not target
                or not _line(target, 255)
                or not _DIGITS.fullmatch(port)
                or not 1 <= int(port) <= 65535
            ):
                raise BadValue(f"entry {shown(host)}: {shown(str(address))} is not {self.accepts}")
            result[name] = address
        return result

    def text(self, value: dict[str, str]) -> str:
        return json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class TimeOfDay(Kind["time | None"]):
    """A time of day in UTC, HH:MM or HH:MM:SS; `off`, `none` or empty: none (None)."""

    accepts = "a time of day (UTC), HH:MM or HH:MM:SS (e.g. 06:00), or off"
    bad_examples = ("6", "6:00", "24:00", "12:60", "noon", "06:00:00:00", "\u0666\u0666:00")

    def parse(self, text: str) -> time | None:
        stripped = text.strip()
        if stripped.lower() in ("", "off", "none"):
            return None
        parts = stripped.split(":")
        if 2 <= len(parts) <= 3 and all(len(p) == 2 and _DIGITS.fullmatch(p) for p in parts):
            hour, minute, second = (int(p) for p in [*parts, "00"][:3])
            if hour < 24 and minute < 60 and second < 60:
                return time(hour, minute, second)
        raise BadValue(self.accepts)

    def text(self, value: time | None) -> str:
        if value is None:
            return "off"
        return value.isoformat(timespec="seconds" if value.second else "minutes")


@dataclass(frozen=True)
class PathKind(Kind[str]):
    """A path of one role: "file" (a regular file, when it exists: a directory, FIFO or device is
    refused by its type), "directory" (existing or not, but not a file), "output" (a file to write, not
    a directory), "executable" (an existing program) or "any". One printable line, at most 4096."""

    role: str = "any"
    suffix: str = (
        ""  # the name must end so (".prom": what node_exporter's textfile collector reads)
    )
    ROLES = {
        "file": "the path of a regular file",
        "directory": "the path of a directory (not a file)",
        "output": "the path of a file to write",
        "executable": "the path of an executable program",
        "any": "a path",
    }

    @property
    def accepts(self) -> str:  # type: ignore[override]
        return self.ROLES[self.role] + (f" ending in {self.suffix}" if self.suffix else "")

    @property
    def bad_examples(self) -> tuple[str, ...]:  # type: ignore[override]
        by_role = {"file": ("/", "/dev/null"), "directory": ("/dev/null",), "output": ("/",)}
        wrong = by_role.get(self.role, ("/", "/dev/null") if self.role == "executable" else ())
        return (
            "a\x00b",
            "two\nlines",
            "x" * 5000,
            *wrong,
            *(("metrics.txt",) if self.suffix else ()),
        )

    def parse(self, text: str) -> str:
        if not text.strip() or not _line(text):
            raise BadValue(f"{self.accepts}: one line of printable text, at most {MAX_LINE_CHARS}")
        path = Path(text)
        try:
            mode: int | None = os.stat(path).st_mode
        except (OSError, ValueError):
            mode = None
        problem = ""
        if self.role == "executable" and (
            mode is None or not stat.S_ISREG(mode) or not os.access(path, os.X_OK)
        ):
            problem = "this is not one" if mode is None else f"this is {_kind(mode)}"
        elif self.role == "file" and mode is not None and not stat.S_ISREG(mode):
            problem = f"this is {_kind(mode)}"
        elif self.role == "directory" and mode is not None and not stat.S_ISDIR(mode):
            problem = "this is a file"
        elif self.role == "output" and mode is not None and stat.S_ISDIR(mode):
            problem = "this is a directory"
        if not problem and self.suffix and not text.endswith(self.suffix):
            problem = f"the name does not end in {self.suffix}"
        if problem:
            raise BadValue(f"{self.accepts} ({problem})")
        return text


def _kind(mode: int) -> str:
    """common/files.py's wording, and a regular file where a program was asked for."""
    return "a file that is not executable" if stat.S_ISREG(mode) else file_kind(mode)


@dataclass(frozen=True)
class ArchiveLocation(Kind[str]):
    """A directory path, or s3://BUCKET[/PREFIX] with a valid bucket name."""

    accepts = (
        "a directory path, or s3://BUCKET[/PREFIX] with a bucket name of 3-63 lowercase letters, "
        f"digits, dots or hyphens, e.g. {ARCHIVE_EXAMPLE}"
    )
    bad_examples = ("s3://", "s3://a", "s3://Bad_Bucket/x", "a\x00b")

    def parse(self, text: str) -> str:
        if text.startswith("s3://"):
            bucket, _, prefix = text[5:].partition("/")
            if not _BUCKET.fullmatch(bucket) or not (prefix == "" or _line(prefix, 1000)):
                raise BadValue(self.accepts)
            return text
        if not text.strip() or not _line(text):
            raise BadValue(self.accepts)
        return text


_CRON_PRESETS = (
    "@once",
    "@continuous",
    "@hourly",
    "@daily",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
)
_CRON_FIELDS = (  # (lowest, highest, names) per field: minute, hour, day of month, month, day of week
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    (0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)


def _cron_value(token: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if token.lower() in names:
        return names.index(token.lower()) + low
    if _DIGITS.fullmatch(token) and low <= int(token) <= high:
        return int(token)
    return None


def _cron_field(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    for item in text.split(","):
        base, slash, step = item.partition("/")
        if slash and not (_DIGITS.fullmatch(step) and 1 <= int(step) <= high - low + 1):
            return False
        if base == "*":
            continue
        first, dash, last = base.partition("-")
        a = _cron_value(first, low, high, names)
        b = _cron_value(last, low, high, names) if dash else a
        if a is None or b is None or a > b:
            return False
    return True


@dataclass(frozen=True)
class Cron(Kind["str | None"]):
    """A schedule as Airflow takes it: five cron fields (minute hour day-of-month month day-of-week:
    numbers, *, ranges, lists, steps, month and weekday names) or a preset such as @daily; empty means
    no schedule (None: triggered runs only)."""

    accepts = (
        "a cron expression of five fields (minute hour day month weekday, e.g. 0 3 * * *), a preset "
        f"({', '.join(_CRON_PRESETS)}), or empty for triggered runs only"
    )
    bad_examples = ("not a cron", "0 3 * *", "61 3 * * *", "0 3 * * 8", "*/0 * * * *", "@sometimes")

    def parse(self, text: str) -> str | None:
        stripped = text.strip()
        if not stripped:
            return None
        if stripped.startswith("@"):
            if stripped.lower() not in _CRON_PRESETS:
                raise BadValue(self.accepts)
            return stripped.lower()
        fields = stripped.split()
        if len(fields) != 5 or not all(
            _cron_field(f, *spec) for f, spec in zip(fields, _CRON_FIELDS, strict=True)
        ):
            raise BadValue(self.accepts)
        return " ".join(fields)

    def text(self, value: str | None) -> str:
        return value or ""


@dataclass(frozen=True)
class PgOptions(Kind[tuple[str, ...]]):
    """More `-c name=value` options for PostgreSQL (word-split by the cluster script)."""

    accepts = (
        "PostgreSQL options as -c name=value pairs, e.g. -c shared_buffers=256MB -c work_mem=16MB"
    )
    bad_examples = ("shared_buffers=1", "-c x=1; rm -rf /", "-c", "-D /tmp")

    def parse(self, text: str) -> tuple[str, ...]:
        words = text.split()
        pairs = words[1::2]
        if (
            not words
            or len(words) % 2
            or any(w != "-c" for w in words[0::2])
            or not all(_PG_OPTION.fullmatch(p) for p in pairs)
        ):
            raise BadValue(self.accepts)
        return tuple(words)

    def text(self, value: tuple[str, ...]) -> str:
        return " ".join(value)


@dataclass(frozen=True)
class LinearRegex(Kind[str]):
    """A regular expression that runs in time linear in its input: compiled by RE2, which has no
    backtracking (so no lookaround or backreferences); a pattern RE2 cannot compile is refused."""

    accepts = (
        "a regular expression in RE2 syntax (linear time: no lookaround or backreferences), "
        r"e.g. ^https?://(www\.)?example\.com/news/\d+$"
    )
    bad_examples = ("((", r"^(?=a)b", r"(a)\1")
    max_chars: int = MAX_URL_CHARS

    def parse(self, text: str) -> str:
        if not _line(text, self.max_chars):
            raise BadValue(self.accepts)
        try:
            compiled_pattern(text)
        except Exception as exc:  # noqa: BLE001 - re2.error and the binding's own TypeErrors
            raise BadValue(f"{self.accepts}; RE2 says: {exc}") from None
        return text


@cache
def compiled_pattern(pattern: str) -> Any:
    """The pattern compiled by RE2 for UTF-8 bytes (Python's re semantics for match and search, in
    linear time; matching bytes costs a third of matching str in the binding)."""
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.UTF8
    options.max_mem = 8 << 20  # a pattern whose automaton needs more is refused, not run
    return re2.compile(pattern.encode("utf-8"), options)


def linear_match(pattern: str, text: str) -> bool:
    """Whether `text` matches `pattern` from its start (re.match), run by RE2."""
    return compiled_pattern(pattern).match(text.encode("utf-8", "replace")) is not None
