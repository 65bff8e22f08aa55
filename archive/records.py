"""The records that cross stage boundaries: the archived row (the Parquet schema derives from it), a
crawl's coverage report, an outlet's counts in a run, a file entry and the snapshot manifest.

Each is a dataclass with `to_dict()` / `from_dict()`; the manifest carries `format_version` so readers
know what they read (version 1 manifests, written before runs were carried forward, read as well).
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any

import pyarrow as pa

from common.errors import NewsArchiveError

FORMAT_VERSION = 2


class RecordError(NewsArchiveError, ValueError):
    """A record read back does not have the shape this version writes."""

    reason = "bad_record"


@dataclass
class ArchivedRow:
    """One article as archived: the extracted fields, its dedup decision and its provenance."""

    id: str
    url: str
    canonical_url: str
    outlet: str
    title: str
    author: str | None
    published: str | None
    date_source: str | None
    modified: str | None
    language: str
    text: str
    duplicate_of: str | None = None
    revision_of: str | None = None
    reason: str | None = None
    similarity: float | None = None
    capture_id: str | None = None  # WARC-Record-ID of its response record ...
    fetched_at: str | None = None
    carried_from: str | None = (
        None  # ... in this snapshot's WARC, or in the rev named here ("D rev N")
    )
    via: str | None = None  # the feed, sitemap or section URL the crawl found it on
    discovered_at: str | None = None  # when the crawl first listed it (ISO 8601, UTC)
    extractor: str | None = (
        None  # the extractor that made the row: package version + rules/options hash
    )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchivedRow:
        try:
            values: dict[str, Any] = {name: data.get(name) for name in _ROW_FIELDS}
            return cls(**values)
        except TypeError as exc:
            raise RecordError(f"not an archived row: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _ROW_FIELDS}


_ROW_FIELDS = [f.name for f in fields(ArchivedRow)]
_ARROW_TYPES = {str: pa.string(), float: pa.float64(), int: pa.int64()}


def _arrow_type(annotation: Any) -> pa.DataType:
    hint = (
        typing.get_type_hints(ArchivedRow)[annotation]
        if isinstance(annotation, str)
        else annotation
    )
    args = (
        [a for a in typing.get_args(hint) if a is not type(None)]
        if isinstance(hint, types.UnionType)
        else [hint]
    )
    return _ARROW_TYPES[args[0]]


ARTICLE_SCHEMA = pa.schema([(f.name, _arrow_type(f.name)) for f in fields(ArchivedRow)])


def rows_table(rows: list[ArchivedRow]) -> pa.Table:
    """Rows as an Arrow table in the snapshot schema, built column by column (30x faster than from_pylist)."""
    return pa.table(
        {
            f.name: pa.array([getattr(row, f.name) for row in rows], type=f.type)
            for f in ARTICLE_SCHEMA
        },
        schema=ARTICLE_SCHEMA,
    )


def table_rows(table: pa.Table) -> list[ArchivedRow]:
    """A Parquet part read back as rows; columns an older version did not write are None."""
    columns = {
        name: table.column(name).to_pylist()
        if name in table.column_names
        else [None] * table.num_rows
        for name in _ROW_FIELDS
    }
    rows: list[dict[str, Any]] = [
        {name: columns[name][n] for name in _ROW_FIELDS} for n in range(table.num_rows)
    ]
    return [ArchivedRow(**row) for row in rows]


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
    # WARC-Record-IDs of the responses that show why (error answers, robots.txt), in the outlet's WARC
    records: tuple[str, ...] = ()


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
            if self.gap.records:
                out.update(gap_records=list(self.gap.records))
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
                "gap_records",
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
                data.get("gap_stage", "run"),
                data.get("gap_reason", "failed"),
                str(data["gap"]),
                tuple(str(r) for r in data.get("gap_records") or ()),
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
