"""The records that cross stage boundaries: the archived row (its columns declared in archive/schema.py), a
crawl's coverage report, an outlet's counts in a run, a file entry and the snapshot manifest.

Each is a dataclass with `to_dict()` / `from_dict()`; the manifest carries `format_version` so readers
know what they read (version 1 manifests, written before runs were carried forward, read as well).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from archive.schema import (
    ARTICLE_SCHEMA,
    DAY_OF,
    TIMESTAMPS,
    conform,
    instant_and_day,
    stamped,
)
from common.errors import NewsArchiveError

FORMAT_VERSION = 2


class RecordError(NewsArchiveError, ValueError):
    """A record read back does not have the shape this version writes."""

    reason = "bad_record"


@dataclass
class ArchivedRow:
    """One article as archived: the extracted fields, its dedup decision and its provenance. Its columns,
    types and meanings are declared in archive/schema.py (the schema contract); dates and times are typed
    here as there (UTC datetimes, dates), and `from_dict`/`to_dict` carry them as ISO 8601 text."""

    id: str
    url: str
    canonical_url: str
    outlet: str
    title: str
    author: str | None
    published: datetime | None  # UTC; None when the page gives only a day (published_date) or none
    date_source: str | None
    modified: datetime | None
    language: str
    text: str
    duplicate_of: str | None = None
    revision_of: str | None = None
    reason: str | None = None
    similarity: float | None = None
    capture_id: str | None = None  # WARC-Record-ID of its response record ...
    fetched_at: datetime | None = None
    carried_from: str | None = (
        None  # ... in this snapshot's WARC, or in the rev named here ("D rev N")
    )
    via: str | None = None  # the feed, sitemap or section URL the crawl found it on
    discovered_at: datetime | None = None  # when the crawl first listed it
    extractor: str | None = (
        None  # the extractor that made the row: package version + rules/options hash
    )
    published_date: date | None = None  # the day of publication as the page writes it
    modified_date: date | None = None

    def __post_init__(self) -> None:
        """Dates and times given as ISO 8601 text (staging, extraction, an older part) become typed; the
        day of a date-time as written is kept unless given. A value that is not a date is a RecordError."""
        for name in TIMESTAMPS:
            value = getattr(self, name)
            if value is None or (isinstance(value, datetime) and value.utcoffset() == _ZERO):
                continue  # a UTC instant already (pyarrow's are ZoneInfo("UTC"), ours datetime.UTC)
            try:
                instant, day = instant_and_day(value)
            except (ValueError, TypeError) as exc:
                raise RecordError(f"{name} of {self.id!r}: {exc}") from None
            setattr(self, name, instant)
            if name in DAY_OF and getattr(self, DAY_OF[name]) is None:
                setattr(self, DAY_OF[name], day)
        for name in DAY_OF.values():
            value = getattr(self, name)
            if isinstance(value, str):
                try:
                    setattr(self, name, date.fromisoformat(value))
                except ValueError as exc:
                    raise RecordError(f"{name} of {self.id!r}: {exc}") from None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchivedRow:
        try:
            values: dict[str, Any] = {name: data.get(name) for name in _ROW_FIELDS}
            return cls(**values)
        except TypeError as exc:
            raise RecordError(f"not an archived row: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON values: dates and times as ISO 8601 text (UTC for the times)."""
        return {name: _json_value(getattr(self, name)) for name in _ROW_FIELDS}


def first_seen(row: ArchivedRow) -> tuple[str, str, str]:
    """The order rows are deduplicated in: fetched first, kept first (then outlet and URL; a row never
    fetched, first). ISO 8601 text of a UTC instant sorts as the instant does."""
    return (row.fetched_at.isoformat() if row.fetched_at else "", row.outlet, row.url)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


_ROW_FIELDS = [f.name for f in fields(ArchivedRow)]
_ZERO = timedelta(0)


def rows_table(rows: list[ArchivedRow]) -> pa.Table:
    """Rows as an Arrow table in the snapshot schema (archive/schema.py), stamped with its version; built
    column by column (30x faster than from_pylist)."""
    return stamped(
        pa.table(
            {
                f.name: pa.array([getattr(row, f.name) for row in rows], type=f.type)
                for f in ARTICLE_SCHEMA
            },
            schema=ARTICLE_SCHEMA,
        )
    )


def table_rows(table: pa.Table) -> list[ArchivedRow]:
    """A Parquet part of any readable schema version read back as rows (archive/schema.py conform:
    older parts converted, columns they lack None)."""
    table = conform(table)
    columns = {name: table.column(name).to_pylist() for name in ARTICLE_SCHEMA.names}
    return [
        ArchivedRow(**{name: columns[name][n] for name in ARTICLE_SCHEMA.names})
        for n in range(table.num_rows)
    ]


@dataclass(frozen=True)
class CrawlReport:
    """What one crawl of one outlet did (written by spiders/report.py). Figures this version does not
    name are kept in `extra`, so a newer crawler's report passes through unchanged."""

    outlet: str
    finish_reason: str = ""
    discovered: int = 0
    requested: int = 0
    fetched: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    discovery_failed: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    gave_up: int = 0
    not_modified: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlReport:
        known = {f.name for f in fields(cls)} - {"extra"}
        if not isinstance(data, dict) or not isinstance(data.get("outlet"), str):
            raise RecordError("a crawl report is a JSON object with an outlet")
        return cls(
            **{k: v for k, v in data.items() if k in known},
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**self.extra, **out}


@dataclass(frozen=True)
class Gap:
    """Why an outlet has nothing of its own in a run: the stage that failed and a short reason code."""

    stage: str  # crawl | extract | run
    reason: str  # http_500, dns, crawl_error, not_finished, ...
    message: str


@dataclass
class OutletCounts:
    """One outlet in one run's manifest. `status`: ok, gap (its crawl or extraction failed in this run)
    or not_run (not selected, or no longer in the registry); crawl figures only for a crawl that ran."""

    status: str = "ok"
    crawl: CrawlReport | None = None
    extracted: int = 0
    extract_failed: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0  # of this run's rows
    revisions: int = 0
    new: int = 0  # this run's rows that are not duplicates
    carried: int = 0  # rows carried from the day's previous rev (not captured again by this run)
    archived: int = 0  # rows of the outlet in this rev: this run's and carried
    current: int = 0  # rows in this rev that are not duplicates: the day's yield
    languages: dict[str, int] = field(default_factory=dict)
    gap: Gap | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.crawl.to_dict()) if self.crawl else {}
        out.update(
            status=self.status,
            extracted=self.extracted,
            extract_failed=self.extract_failed,
            duplicates=self.duplicates,
            revisions=self.revisions,
            new=self.new,
            carried=self.carried,
            archived=self.archived,
            current=self.current,
            languages=self.languages,
        )
        if self.gap:
            out.update(gap=self.gap.message, gap_stage=self.gap.stage, gap_reason=self.gap.reason)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], outlet: str = "") -> OutletCounts:
        crawl = CrawlReport.from_dict({"outlet": outlet, **data}) if "fetched" in data else None
        if crawl:
            drop = {
                "status",
                "extracted",
                "extract_failed",
                "duplicates",
                "revisions",
                "new",
                "carried",
                "archived",
                "current",
                "languages",
                "gap",
                "gap_stage",
                "gap_reason",
            }
            crawl = CrawlReport(
                **{
                    **{f.name: getattr(crawl, f.name) for f in fields(crawl)},
                    "extra": {k: v for k, v in crawl.extra.items() if k not in drop},
                }
            )
        gap = None
        if data.get("gap"):
            gap = Gap(
                data.get("gap_stage", "run"), data.get("gap_reason", "failed"), str(data["gap"])
            )
        archived = int(data.get("archived", 0))
        duplicates = int(data.get("duplicates", 0))
        return cls(
            status=data.get("status", "gap" if gap else "ok"),
            crawl=crawl,
            extracted=int(data.get("extracted", 0)),
            extract_failed=dict(data.get("extract_failed", {})),
            duplicates=duplicates,
            revisions=int(data.get("revisions", 0)),
            new=int(data.get("new", archived - duplicates)),
            carried=int(data.get("carried", 0)),
            archived=archived,
            current=int(data.get("current", archived - duplicates)),
            languages=dict(data.get("languages", {})),
            gap=gap,
        )


@dataclass(frozen=True)
class FileEntry:
    key: str
    size: int
    sha256: str
    rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("key", self.key),
                ("size", self.size),
                ("sha256", self.sha256),
                ("rows", self.rows),
            )
            if v is not None
        }


@dataclass
class Manifest:
    """What a snapshot holds and exactly what its run did."""

    day: str
    rev: int
    created_at: str
    run_id: str
    software: str
    config_hash: str
    outlets: dict[str, OutletCounts]
    files: list[FileEntry]
    base: str | None = None  # the rev whose rows this one carries forward ("D rev N")
    archived: int = 0
    new: int = 0
    carried: int = 0
    duplicates: int = 0
    dedup: dict[str, Any] = field(default_factory=dict)  # reasons, window, window_skipped
    quality: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    derived_from: str | None = (
        None  # a re-extraction's rev: the rev whose captures it re-processed ("D rev N")
    )
    derived_reason: str | None = None  # why (`newsarchive reextract --reason`)
    extractor: str | None = None  # the extractor of its new rows: package version + options hash
    rules: dict[str, str] = field(
        default_factory=dict
    )  # outlet -> hash of the rules its new rows were made with

    def to_dict(self) -> dict[str, Any]:
        out = self._to_dict()
        if self.extractor or self.rules:
            out["extractor"] = {"engine": self.extractor, "rules": dict(sorted(self.rules.items()))}
        if self.derived_from:
            out["derived"] = {"from": self.derived_from, "reason": self.derived_reason}
        return out

    def _to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "snapshot": {"date": self.day, "rev": self.rev},
            "created_at": self.created_at,
            "run_id": self.run_id,
            "software": self.software,
            "config_hash": self.config_hash,
            "base": self.base,
            "counts": {
                "outlets": {o: c.to_dict() for o, c in self.outlets.items()},
                "archived": self.archived,
                "new": self.new,
                "carried": self.carried,
                "duplicates": self.duplicates,
                "dedup_reasons": self.dedup.get("reasons", {}),
                "dedup_window": self.dedup.get("window", []),
                "dedup_window_skipped": self.dedup.get("window_skipped", []),
                "quality": self.quality,
            },
            "files": [f.to_dict() for f in self.files],
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True).encode(
            "utf-8"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            counts = raw["counts"]
            return cls(
                day=raw["snapshot"]["date"],
                rev=int(raw["snapshot"]["rev"]),
                created_at=raw.get("created_at", ""),
                run_id=raw.get("run_id", ""),
                software=raw.get("software", ""),
                config_hash=raw.get("config_hash", ""),
                outlets={o: OutletCounts.from_dict(c, o) for o, c in counts["outlets"].items()},
                files=[
                    FileEntry(f["key"], int(f["size"]), f["sha256"], f.get("rows"))
                    for f in raw["files"]
                ],
                base=raw.get("base"),
                archived=int(counts.get("archived", 0)),
                new=int(counts.get("new", counts.get("archived", 0) - counts.get("duplicates", 0))),
                carried=int(counts.get("carried", 0)),
                duplicates=int(counts.get("duplicates", 0)),
                dedup={
                    "reasons": counts.get("dedup_reasons", {}),
                    "window": counts.get("dedup_window", []),
                    "window_skipped": counts.get("dedup_window_skipped", []),
                },
                quality=counts.get("quality", {}),
                format_version=int(raw.get("format_version", 1)),
                derived_from=(raw.get("derived") or {}).get("from"),
                derived_reason=(raw.get("derived") or {}).get("reason"),
                extractor=(raw.get("extractor") or {}).get("engine"),
                rules={
                    str(k): str(v)
                    for k, v in ((raw.get("extractor") or {}).get("rules") or {}).items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RecordError(f"not a snapshot manifest ({type(exc).__name__}: {exc})") from None

    def file(self, key: str) -> FileEntry | None:
        return next((f for f in self.files if f.key == key), None)
