"""Run settings: typed, frozen, read once at the edge (CLI, task body) from arguments and environment."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field, replace

from common.errors import ConfigError
from dedup import THRESHOLD, check_threshold
from extract.batch import DEFAULT_TIMEOUT_S
from spiders import settings as spider_settings

DEFAULT_ARCHIVE = "./var/archive"
# the crawl's defaults live in the Scrapy settings file, the quality check's here; each once
DEFAULT_USER_AGENT: str = spider_settings.USER_AGENT
DEFAULT_MAX_ARTICLES: int = spider_settings.NEWSARCHIVE_MAX_ARTICLES
DEFAULT_QUALITY_MIN_SHARE = (
    0.5  # an outlet below this share of its recent median fails the quality check
)
DEFAULT_QUALITY_HISTORY_DAYS = 14
# one `newsarchive query` (newsarchive/research/sandbox.py): what a laptop survives
DEFAULT_QUERY_TIMEOUT_S = 300
DEFAULT_QUERY_MEMORY_MIB = 1024
DEFAULT_QUERY_SPILL_MIB = 4096

# citations and the dataset card (newsarchive/research/citations.py, archive/dataset_card.py)
DEFAULT_REPLAY_URL = (
    "http://127.0.0.1:8090/all"  # `newsarchive replay`'s default port, collection all
)
DEFAULT_DATASET_NAME = "newsarchive: Arabic news articles"
DEFAULT_DATASET_TERMS = (
    "The articles remain the work and the copyright of their outlets. They are archived for research "
    "and preservation: read, count, analyse and quote them as research allows where you are, cite the "
    "archived copy beside the original, and ask the outlet before republishing an article."
)
MAX_DATASET_TEXT = 4000

MAX_ARTICLES = 1_000_000  # page cap per outlet per run
MAX_DAYS = 3650  # windows and histories: ten years
MAX_EXTRACT_TIMEOUT_S = 3600.0
MAX_WORKERS = 256
MAX_USER_AGENT_CHARS = 512
MAX_PATH_CHARS = 4096
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
# variable: (field, (lowest, highest, what it counts)); every whole-number setting is bounded
_WHOLE_NUMBERS = {
    "NEWSARCHIVE_MAX_ARTICLES": ("max_articles", (1, MAX_ARTICLES, "articles per outlet per run")),
    "NEWSARCHIVE_DEDUP_WINDOW_DAYS": ("dedup_window_days", (0, MAX_DAYS, "days")),
    "NEWSARCHIVE_QUALITY_HISTORY_DAYS": ("quality_history_days", (1, MAX_DAYS, "days")),
    "NEWSARCHIVE_EXTRACT_WORKERS": ("extract_workers", (1, MAX_WORKERS, "worker processes")),
    "NEWSARCHIVE_QUERY_TIMEOUT_S": ("query_timeout_s", (1, 7 * 86400, "seconds per query")),
    "NEWSARCHIVE_QUERY_MEMORY_MIB": ("query_memory_mib", (64, 1 << 20, "MiB of memory per query")),
    "NEWSARCHIVE_QUERY_SPILL_MIB": ("query_spill_mib", (0, 1 << 24, "MiB of spill per query")),
}
_WHOLE = re.compile(r"[0-9]{1,12}")  # ASCII digits only («²».isdigit() is True, int("²") fails)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def shown(value: str, limit: int = 60) -> str:
    """A value for an error message: quoted, cut to `limit` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def parse_whole(name: str, value: str, low: int, high: int, unit: str) -> int:
    text = value.strip()
    number = int(text) if _WHOLE.fullmatch(text) else None
    if number is None or not low <= number <= high:
        raise ConfigError(
            f"{name}={shown(value)}: give a whole number of {unit} from {low} to {high}"
        )
    return number


def parse_number(
    name: str, value: str, low: float, high: float, what: str, *, low_open: bool = True
) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (low < number <= high if low_open else low <= number <= high):  # NaN fails both
        raise ConfigError(f"{name}={shown(value)}: give {what}")
    return number


def parse_flag(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise ConfigError(
            f"{name}={shown(value)}: give 1, true or yes to turn it on, 0, false or no to turn it off"
        )
    return word in TRUE_WORDS


def parse_host_map(name: str, value: str) -> dict[str, str]:
    """{"host": "ip:port"}: hosts lowercase names, addresses a host and a port 1-65535."""
    try:
        data = json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise ConfigError(
            f'{name} must be a JSON object {{"host": "127.0.0.1:port"}}; got {shown(value)}'
        )
    for host, address in data.items():
        target, _, port = address.rpartition(":") if isinstance(address, str) else ("", "", "")
        if (
            not _HOST.fullmatch(host.lower())
            or not target
            or not port.isascii()
            or not port.isdigit()
            or not 1 <= int(port) <= 65535
        ):
            raise ConfigError(
                f"{name}: entry {shown(host)}: {shown(str(address))} is not a host and an "
                'address:port (1-65535), e.g. {"www.example.com": "127.0.0.1:8080"}'
            )
    return {host.lower(): address for host, address in data.items()}


def _printable(value: str) -> bool:
    return value.isprintable()


def check_user_agent(name: str, value: str) -> str:
    if not _printable(value) or len(value) > MAX_USER_AGENT_CHARS:
        raise ConfigError(
            f"{name}={shown(value)}: give one line of printable text (at most "
            f"{MAX_USER_AGENT_CHARS} characters) naming the project and a contact URL"
        )
    return value


def check_path(what: str, value: str) -> str:
    if not value.strip() or not _printable(value) or len(value) > MAX_PATH_CHARS:
        raise ConfigError(
            f"{what} path {shown(value)} is empty, too long or has control characters; give a file path"
        )
    return value


def check_archive(what: str, value: str) -> str:
    """A directory path or s3://bucket[/prefix] with a valid bucket name."""
    if value.startswith("s3://"):
        bucket, _, prefix = value[5:].partition("/")
        if not _BUCKET.fullmatch(bucket) or not _printable(prefix) or len(value) > 1024:
            raise ConfigError(
                f"{what} {shown(value)}: give s3://BUCKET[/PREFIX] with a bucket name of 3-63 "
                "lowercase letters, digits, dots or hyphens, e.g. s3://news-archive/ar"
            )
        return value
    return check_path(what, value)


def check_replay_url(name: str, value: str) -> str:
    """The base of a Wayback-style replay server: an http(s) URL with a host, no query or fragment."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or not _printable(value)
        or " " in value
        or len(value) > 512
    ):
        raise ConfigError(
            f"{name}={shown(value)}: give the http(s) URL of a replay collection, e.g. "
            f"{DEFAULT_REPLAY_URL} (what `newsarchive replay` serves) or https://replay.example.org/news"
        )
    return value.rstrip("/")


def check_dataset_text(name: str, value: str) -> str:
    if not value.strip() or not _printable(value) or len(value) > MAX_DATASET_TEXT:
        raise ConfigError(
            f"{name}={shown(value)}: give one line of printable text (at most {MAX_DATASET_TEXT} "
            "characters)"
        )
    return value.strip()


@dataclass(frozen=True)
class QualityRules:
    """What the canary (newsarchive/run/quality.py) holds an outlet to."""

    min_share: float = DEFAULT_QUALITY_MIN_SHARE  # of the outlet's recent median
    history_days: int = DEFAULT_QUALITY_HISTORY_DAYS
    min_history: int = 3
    repeated_share: float = 0.5
    repeated_min_articles: int = 5


@dataclass(frozen=True)
class Settings:
    archive: str = DEFAULT_ARCHIVE  # local directory or s3://bucket/prefix
    outlets_path: str | None = None  # None: NEWSARCHIVE_OUTLETS, ./outlets.toml, the project's
    host_map: dict[str, str] = field(default_factory=dict)  # outlet host -> loopback address
    user_agent: str = DEFAULT_USER_AGENT
    max_articles: int = DEFAULT_MAX_ARTICLES  # per outlet per run
    crawl_concurrency: int = 2  # outlet crawls at once in a one-shot run
    scrapy_settings: dict[str, str] = field(default_factory=dict)
    dedup_window_days: int = 30  # a run checks against the snapshots of this many days before it
    dedup_threshold: float = (
        THRESHOLD  # near-duplicate similarity (estimated Jaccard of word 3-shingles)
    )
    quality_min_share: float = DEFAULT_QUALITY_MIN_SHARE
    quality_history_days: int = DEFAULT_QUALITY_HISTORY_DAYS
    refetch: bool = (
        False  # ignore the archive's crawl state: request every discovered article again
    )
    retention_days: int = 0  # S3 Object Lock retention of published objects (0: none)
    extract_timeout_s: float = (
        DEFAULT_TIMEOUT_S  # per page (extract/batch.py); past it: reason `timeout`
    )
    extract_workers: int | None = None  # extraction worker processes; None: one per CPU
    query_timeout_s: int = DEFAULT_QUERY_TIMEOUT_S  # `newsarchive query`: time limit of one query
    query_memory_mib: int = DEFAULT_QUERY_MEMORY_MIB  # its DuckDB memory limit
    query_spill_mib: int = DEFAULT_QUERY_SPILL_MIB  # its spill to disk past that (removed after)
    replay_url: str = DEFAULT_REPLAY_URL  # citations' replay URLs: <replay_url>/<timestamp>/<url>
    dataset_name: str = DEFAULT_DATASET_NAME  # the dataset card's and Croissant file's name
    dataset_terms: str = DEFAULT_DATASET_TERMS  # the terms they state

    @property
    def polite(self) -> bool:
        """Throttle unless every host goes to the local replica."""
        return not self.host_map

    @property
    def quality_rules(self) -> QualityRules:
        return QualityRules(
            min_share=self.quality_min_share, history_days=self.quality_history_days
        )

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        """Settings from NEWSARCHIVE_* variables (and the CLI's overrides); a value out of its range or
        of the wrong kind is a ConfigError naming the variable, what it got and what it takes."""
        env = dict(os.environ if env is None else env)
        values: dict = {}
        if v := env.get("NEWSARCHIVE_ARCHIVE"):
            values["archive"] = v
        if v := env.get("NEWSARCHIVE_OUTLETS"):
            values["outlets_path"] = v
        if v := env.get("NEWSARCHIVE_HOST_MAP"):
            values["host_map"] = parse_host_map("NEWSARCHIVE_HOST_MAP", v)
        if v := env.get("NEWSARCHIVE_USER_AGENT"):
            values["user_agent"] = check_user_agent("NEWSARCHIVE_USER_AGENT", v)
        for name, (key, (low, high, unit)) in _WHOLE_NUMBERS.items():
            if v := env.get(name):
                values[key] = parse_whole(name, v, low, high, unit)
        if v := env.get("NEWSARCHIVE_DEDUP_THRESHOLD"):
            try:
                values["dedup_threshold"] = check_threshold(v)
            except ValueError as exc:
                raise ConfigError(f"NEWSARCHIVE_DEDUP_THRESHOLD: {exc}") from None
        if v := env.get("NEWSARCHIVE_QUALITY_MIN_SHARE"):
            values["quality_min_share"] = parse_number(
                "NEWSARCHIVE_QUALITY_MIN_SHARE",
                v,
                0.0,
                1.0,
                "a share between 0 and 1, e.g. 0.5",
                low_open=False,
            )
        if v := env.get("NEWSARCHIVE_EXTRACT_TIMEOUT_S"):
            values["extract_timeout_s"] = parse_number(
                "NEWSARCHIVE_EXTRACT_TIMEOUT_S",
                v,
                0.0,
                MAX_EXTRACT_TIMEOUT_S,
                f"seconds per page, more than 0 and at most {MAX_EXTRACT_TIMEOUT_S:g}, e.g. {DEFAULT_TIMEOUT_S:g}",
            )
        if v := env.get("NEWSARCHIVE_REFETCH"):
            values["refetch"] = parse_flag("NEWSARCHIVE_REFETCH", v)
        if v := env.get("NEWSARCHIVE_RETENTION_DAYS"):
            if not v.isdigit() or int(v) > 36500:
                raise ConfigError(
                    f"NEWSARCHIVE_RETENTION_DAYS={v!r}: give a whole number of days (0 to 36500)"
                )
            values["retention_days"] = int(v)
        if v := env.get("NEWSARCHIVE_REPLAY_URL"):
            values["replay_url"] = check_replay_url("NEWSARCHIVE_REPLAY_URL", v)
        for name, key in (
            ("NEWSARCHIVE_DATASET_NAME", "dataset_name"),
            ("NEWSARCHIVE_DATASET_TERMS", "dataset_terms"),
        ):
            if v := env.get(name):
                values[key] = check_dataset_text(name, v)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "archive" in values:
            source = "--archive" if overrides.get("archive") is not None else "NEWSARCHIVE_ARCHIVE"
            values["archive"] = check_archive(f"{source}: archive", values["archive"])
        if values.get("outlets_path") is not None:
            source = (
                "--outlets" if overrides.get("outlets_path") is not None else "NEWSARCHIVE_OUTLETS"
            )
            values["outlets_path"] = check_path(
                f"{source}: outlet registry", str(values["outlets_path"])
            )
        return cls(**values)
