"""Run settings: typed, frozen, read once at the edge (CLI, task body) from arguments and environment."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from dedup import THRESHOLD, check_threshold
from newsarchive.errors import ConfigError

DEFAULT_ARCHIVE = "./var/archive"
DEFAULT_USER_AGENT = "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive)"


@dataclass(frozen=True)
class Settings:
    archive: str = DEFAULT_ARCHIVE  # local directory or s3://bucket/prefix
    outlets_path: str | None = None  # None: NEWSARCHIVE_OUTLETS, ./outlets.toml, the project's
    host_map: dict[str, str] = field(default_factory=dict)  # outlet host -> loopback address
    user_agent: str = DEFAULT_USER_AGENT
    max_articles: int = 500  # per outlet per run
    crawl_concurrency: int = 2  # outlet crawls at once in a one-shot run
    scrapy_settings: dict[str, str] = field(default_factory=dict)
    dedup_window_days: int = 30  # a run checks against the snapshots of this many days before it
    dedup_threshold: float = THRESHOLD  # near-duplicate similarity (estimated Jaccard of word 3-shingles)
    quality_min_share: float = 0.5  # an outlet below this share of its recent median fails the quality check
    quality_history_days: int = 14
    refetch: bool = False  # ignore the archive's crawl state: request every discovered article again
    retention_days: int = 0  # S3 Object Lock retention of published objects (0: none)

    @property
    def polite(self) -> bool:
        """Throttle unless every host goes to the local replica."""
        return not self.host_map

    @property
    def quality_rules(self):
        from newsarchive.quality import QualityRules

        return QualityRules(min_share=self.quality_min_share, history_days=self.quality_history_days)

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict = {}
        if v := env.get("NEWSARCHIVE_ARCHIVE"):
            values["archive"] = v
        if v := env.get("NEWSARCHIVE_OUTLETS"):
            values["outlets_path"] = v
        if v := env.get("NEWSARCHIVE_HOST_MAP"):
            try:
                values["host_map"] = json.loads(v)
            except json.JSONDecodeError:
                raise ConfigError("NEWSARCHIVE_HOST_MAP must be a JSON object {host: 'ip:port'}") from None
        if v := env.get("NEWSARCHIVE_USER_AGENT"):
            values["user_agent"] = v
        if v := env.get("NEWSARCHIVE_MAX_ARTICLES"):
            if not v.isdigit():
                raise ConfigError(f"NEWSARCHIVE_MAX_ARTICLES={v!r} is not a whole number")
            values["max_articles"] = int(v)
        if v := env.get("NEWSARCHIVE_DEDUP_WINDOW_DAYS"):
            if not v.isdigit():
                raise ConfigError(f"NEWSARCHIVE_DEDUP_WINDOW_DAYS={v!r} is not a whole number of days")
            values["dedup_window_days"] = int(v)
        if v := env.get("NEWSARCHIVE_DEDUP_THRESHOLD"):
            try:
                values["dedup_threshold"] = check_threshold(v)
            except ValueError as exc:
                raise ConfigError(f"NEWSARCHIVE_DEDUP_THRESHOLD: {exc}") from None
        if v := env.get("NEWSARCHIVE_QUALITY_MIN_SHARE"):
            try:
                share = float(v)
            except ValueError:
                share = None
            if share is None or not 0.0 <= share <= 1.0:
                raise ConfigError(f"NEWSARCHIVE_QUALITY_MIN_SHARE={v!r}: give a share between 0 and 1, e.g. 0.5")
            values["quality_min_share"] = share
        if v := env.get("NEWSARCHIVE_QUALITY_HISTORY_DAYS"):
            if not v.isdigit():
                raise ConfigError(f"NEWSARCHIVE_QUALITY_HISTORY_DAYS={v!r} is not a whole number of days")
            values["quality_history_days"] = int(v)
        if v := env.get("NEWSARCHIVE_REFETCH"):
            values["refetch"] = v.lower() in ("1", "true", "yes")
        if v := env.get("NEWSARCHIVE_RETENTION_DAYS"):
            if not v.isdigit() or int(v) > 36500:
                raise ConfigError(f"NEWSARCHIVE_RETENTION_DAYS={v!r}: give a whole number of days (0 to 36500)")
            values["retention_days"] = int(v)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def archive_path_hint(self) -> str:
        return self.archive if self.archive.startswith("s3://") else str(Path(self.archive).resolve())
