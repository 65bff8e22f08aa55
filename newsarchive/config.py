"""Run settings: typed, frozen, read once at the edge (CLI, task body) from arguments and environment.

Every NEWSARCHIVE_* variable is declared once, with its kind, range and default, in
newsarchive/variables.py (the crawl's in spiders/variables.py); `Settings.from_env` checks the whole
environment against that table and takes the fields from it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from common.errors import ConfigError
from common.values import ArchiveLocation, BadValue, Kind, PathKind, shown
from newsarchive.variables import BY_NAME, DEFAULT_ARCHIVE, VARIABLES, environment
from spiders.variables import MAX_ARTICLES

if TYPE_CHECKING:
    from cryptography import x509

    from archive.seal import Sealer

__all__ = ["DEFAULT_ARCHIVE", "MAX_ARTICLES", "DagSettings", "QualityRules", "Settings"]


def _default(name: str) -> Any:
    return BY_NAME[name].default


@dataclass(frozen=True)
class QualityRules:
    """What the canary (newsarchive/run/quality.py) holds an outlet to."""

    min_share: float = _default("NEWSARCHIVE_QUALITY_MIN_SHARE")  # of the outlet's recent median
    history_days: int = _default("NEWSARCHIVE_QUALITY_HISTORY_DAYS")
    min_history: int = 3
    repeated_share: float = 0.5
    repeated_min_articles: int = 5


@dataclass(frozen=True)
class Settings:
    """What a run, a task or a command is configured with. Each field a NEWSARCHIVE_* variable sets has
    that variable's default (newsarchive/variables.py: `settings_field`)."""

    archive: str = DEFAULT_ARCHIVE  # local directory or s3://bucket/prefix
    outlets_path: str | None = None  # None: NEWSARCHIVE_OUTLETS, ./outlets.toml, the project's
    # outlet host -> address: where requests go (the replica on loopback), never how politely
    host_map: dict[str, str] = field(default_factory=dict)
    user_agent: str = _default("NEWSARCHIVE_USER_AGENT")
    max_articles: int = _default("NEWSARCHIVE_MAX_ARTICLES")  # per outlet per run
    crawl_concurrency: int = _default("NEWSARCHIVE_CRAWL_CONCURRENCY")  # in a one-shot run
    scrapy_settings: dict[str, str] = field(default_factory=dict)
    dedup_window_days: int = _default("NEWSARCHIVE_DEDUP_WINDOW_DAYS")
    revisit_days: tuple[int, ...] = _default("NEWSARCHIVE_REVISIT_DAYS")
    dedup_threshold: float = _default("NEWSARCHIVE_DEDUP_THRESHOLD")
    quality_min_share: float = _default("NEWSARCHIVE_QUALITY_MIN_SHARE")
    quality_history_days: int = _default("NEWSARCHIVE_QUALITY_HISTORY_DAYS")
    refetch: bool = _default("NEWSARCHIVE_REFETCH")  # ignore the archive's crawl state
    retention_days: int = _default("NEWSARCHIVE_RETENTION_DAYS")  # S3 Object Lock (0: none)
    extract_timeout_s: float = _default("NEWSARCHIVE_EXTRACT_TIMEOUT_S")  # per page
    query_timeout_s: int = _default(
        "NEWSARCHIVE_QUERY_TIMEOUT_S"
    )  # `newsarchive query`: one query's limits
    query_memory_mib: int = _default("NEWSARCHIVE_QUERY_MEMORY_MIB")
    query_spill_mib: int = _default("NEWSARCHIVE_QUERY_SPILL_MIB")
    extract_workers: int | None = None  # extraction worker processes; None: one per CPU
    # the crawl process's (spiders/variables.py), passed to each crawl by newsarchive/run/crawl.py
    max_section_pages: int = _default("NEWSARCHIVE_MAX_SECTION_PAGES")
    max_sitemap_depth: int = _default("NEWSARCHIVE_MAX_SITEMAP_DEPTH")
    max_discovery_documents: int = _default("NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS")
    lastmod_margin_hours: float = _default("NEWSARCHIVE_LASTMOD_MARGIN_HOURS")
    sitemap_max_age_days: float = _default("NEWSARCHIVE_SITEMAP_MAX_AGE_DAYS")
    max_retry_after: float = _default("NEWSARCHIVE_MAX_RETRY_AFTER")
    revisits: bool = _default("NEWSARCHIVE_REVISITS")
    requisites_per_page: int = _default("NEWSARCHIVE_REQUISITES_PER_PAGE")
    requisite_mib_per_page: float = _default("NEWSARCHIVE_REQUISITE_MIB_PER_PAGE")
    requisites_per_run: int = _default("NEWSARCHIVE_REQUISITES_PER_RUN")
    requisite_mib_per_run: float = _default("NEWSARCHIVE_REQUISITE_MIB_PER_RUN")
    # ops (newsarchive/ops/): the day's deadline (UTC), staleness, where metrics go
    deadline: time | None = _default("NEWSARCHIVE_DEADLINE")
    stale_days: int = _default("NEWSARCHIVE_STALE_DAYS")
    metrics_file: str | None = _default("NEWSARCHIVE_METRICS_FILE")
    otlp: tuple[str, str] | None = (
        None  # (endpoint, protocol) from OTEL_EXPORTER_OTLP_*; None: none
    )
    extract_memory_mb: int = _default("NEWSARCHIVE_EXTRACT_MEMORY_MB")  # RLIMIT_AS per worker
    # evidence (archive/seal.py): the manifest's signature and RFC 3161 timestamp
    signing_key: str | None = _default("NEWSARCHIVE_SIGNING_KEY")
    signing_cert: str | None = _default("NEWSARCHIVE_SIGNING_CERT")
    tsa_url: str | None = _default("NEWSARCHIVE_TSA_URL")
    tsa_ca: str | None = _default("NEWSARCHIVE_TSA_CA")
    # researchers (newsarchive/research/citations.py, archive/dataset_card.py)
    replay_url: str = _default(
        "NEWSARCHIVE_REPLAY_URL"
    )  # citations: <replay_url>/<timestamp>/<url>
    dataset_name: str = _default("NEWSARCHIVE_DATASET_NAME")  # the card's and Croissant file's name
    dataset_terms: str = _default("NEWSARCHIVE_DATASET_TERMS")  # the terms they state

    @property
    def quality_rules(self) -> QualityRules:
        return QualityRules(
            min_share=self.quality_min_share, history_days=self.quality_history_days
        )

    def sealer(self) -> Sealer | None:
        """The signing key and TSA, loaded once (a bad key path, key or certificate is one ConfigError
        naming its variable); None when neither is configured."""
        if not (self.signing_key or self.tsa_url):
            if self.signing_cert:
                raise ConfigError(
                    "NEWSARCHIVE_SIGNING_CERT is set without NEWSARCHIVE_SIGNING_KEY; give the key too, "
                    "or unset the certificate"
                )
            return None
        from archive.seal import Sealer
        from archive.signing import load_chain, load_signing_key
        from archive.timestamp import TsaClient

        key = (
            load_signing_key(self.signing_key, "NEWSARCHIVE_SIGNING_KEY")
            if self.signing_key
            else None
        )
        if self.signing_cert and key is None:
            raise ConfigError("NEWSARCHIVE_SIGNING_CERT is set without NEWSARCHIVE_SIGNING_KEY")
        chain = (
            load_chain(self.signing_cert, "NEWSARCHIVE_SIGNING_CERT", key)
            if self.signing_cert
            else ()
        )
        tsa = (
            TsaClient(self.tsa_url, "NEWSARCHIVE_TSA_URL", self.tsa_anchors())
            if self.tsa_url
            else None
        )
        return Sealer(key, chain, tsa)

    def tsa_anchors(self) -> tuple[x509.Certificate, ...]:
        """The TSA roots of NEWSARCHIVE_TSA_CA (x509 certificates), or () when it is not set."""
        if not self.tsa_ca:
            return ()
        from archive.timestamp import load_anchors

        return load_anchors(self.tsa_ca, "NEWSARCHIVE_TSA_CA")

    def with_(self, **changes: Any) -> Settings:  # fields of every type; replace() checks the names
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from the NEWSARCHIVE_* variables (and the CLI's overrides, which win; None is no
        override). The whole environment is checked (newsarchive/variables.py): a wrong value, or a
        NEWSARCHIVE_* name that is not a setting, is a ConfigError naming it and what it accepts."""
        source = os.environ if env is None else env
        values = environment(source)
        fields = {v.settings_field: values[v.name] for v in VARIABLES if v.settings_field}
        fields["otlp"] = otlp_metrics_endpoint(source)
        given = {k: v for k, v in overrides.items() if v is not None}
        if "archive" in given:
            given["archive"] = _option("--archive", ArchiveLocation(), str(given["archive"]))
        if "outlets_path" in given:
            registry = PathKind("any")
            given["outlets_path"] = _option("--outlets", registry, str(given["outlets_path"]))
        return cls(**{**fields, **given})


def _option(option: str, kind: Kind[str], value: str) -> str:
    try:
        return kind.parse(value)
    except BadValue as exc:
        raise ConfigError(f"{option} {shown(value)}: give {exc}") from None


@dataclass(frozen=True)
class DagSettings:
    """What the DAG files take from the environment when they are parsed (the whole environment is
    checked then, so a wrong value is an import error naming the variable, not a DAG gone missing)."""

    schedule: str | None
    crawl_pool: str
    crawl_queue: str
    process_queue: str
    deadline: time | None = (
        None  # NEWSARCHIVE_DEADLINE: the run's day at this time (UTC); None: off
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DagSettings:
        values = environment(os.environ if env is None else env)
        return cls(
            schedule=values["NEWSARCHIVE_SCHEDULE"],
            crawl_pool=values["NEWSARCHIVE_CRAWL_POOL"],
            crawl_queue=values["NEWSARCHIVE_CRAWL_QUEUE"],
            process_queue=values["NEWSARCHIVE_PROCESS_QUEUE"],
            deadline=values["NEWSARCHIVE_DEADLINE"],
        )


def otlp_metrics_endpoint(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(endpoint, protocol) of the OpenTelemetry collector for metrics, from the standard OpenTelemetry
    variables Airflow's own metrics use (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else
    OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics; protocol http/protobuf or grpc); None: not set."""
    protocol = (
        env.get("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")
        or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    specific = env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "").strip()
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    name = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT" if specific else "OTEL_EXPORTER_OTLP_ENDPOINT"
    url = specific or base
    if not url:
        return None
    if protocol not in ("http/protobuf", "grpc"):
        raise ConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={shown(protocol)}: give http/protobuf or grpc"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port:
        raise ConfigError(
            f"{name}={shown(url)}: give the collector's URL with a port, e.g. http://127.0.0.1:4318"
        )
    if protocol == "http/protobuf" and not specific:
        url = url.rstrip("/") + "/v1/metrics"
    return url, protocol
