"""The records that cross stage boundaries: the archived row (its columns declared in archive/schema.py), a
crawl's coverage report, an outlet's counts in a run, a file entry and the snapshot manifest.

Each is a dataclass with `to_dict()` / `from_dict()`; the manifest carries `format_version` so readers
know what they read (version 1 manifests, written before runs were carried forward, read as well).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
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
from common import decode
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
    gone: str | None = (
        None  # the page is gone (archive/stories.py GONE): the capture is the evidence
    )

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
        if not isinstance(data, dict):
            raise RecordError(f"not an archived row: a {type(data).__name__}, not a JSON object")
        try:
            values: dict[str, Any] = {name: data.get(name) for name in _ROW_FIELDS}
            return cls(**values)
        except TypeError as exc:
            raise RecordError(f"not an archived row: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON values: dates and times as ISO 8601 text (UTC for the times)."""
        return {name: _json_value(getattr(self, name)) for name in _ROW_FIELDS}


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
class RequisiteCounts:
    """A crawl's page requisites (spiders/news.py): requested, fetched, bytes received, revisits, URLs
    shared by several pages; those not requested (a budget, a host) or failed, by reason."""

    requested: int = 0
    fetched: int = 0
    bytes: int = 0
    revisits: int = 0
    shared: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """A WARC record a crawl kept as evidence: an error answer (4xx, 5xx) or a robots.txt answer."""

    record_id: str
    url: str
    status: int
    kind: str  # article | discovery | robots | requisite


@dataclass(frozen=True)
class CrawlReport:
    """What one crawl of one outlet did (written by spiders/report.py with exactly these fields, read by
    newsarchive/run/crawl.py through the staged records' codec). In a manifest, figures this version
    does not name are kept in `extra`, so an older or newer report passes through unchanged."""

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
    discovery_requests: int = 0
    article_requests: int = 0
    robots_requests: int = 0
    robots_forbidden: int = 0
    retried_pending: int = 0
    retry_after: dict[str, int] = field(default_factory=dict)
    truncated_discovery: dict[str, int] = field(default_factory=dict)
    memusage_max: int | None = None
    elapsed_s: float = 0.0
    requisites: RequisiteCounts = field(default_factory=RequisiteCounts)
    records: dict[str, int] = field(default_factory=dict)  # WARC records written, by HTTP status
    evidence: tuple[Evidence, ...] = ()  # the first error and robots.txt answers, by record id
    write_error: str = ""  # the first write of the crawl's files that failed: they are not whole
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlReport:
        known = {f.name for f in fields(cls)} - {"extra"}
        if not isinstance(data, dict) or not isinstance(data.get("outlet"), str):
            raise RecordError("a crawl report is a JSON object with an outlet")
        values = {k: v for k, v in data.items() if k in known}
        try:
            if "requisites" in values:
                values["requisites"] = _requisite_counts(
                    decode.Fields(values["requisites"], "requisites")
                )
            if "evidence" in values:
                values["evidence"] = _evidence(values["evidence"], "evidence")
            if "write_error" in values:
                values["write_error"] = decode.text(values["write_error"], "write_error")
        except decode.Malformed as exc:
            raise RecordError(f"not a crawl report ({exc})") from None
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        out["requisites"] = asdict(self.requisites)
        out["evidence"] = [asdict(e) for e in self.evidence]
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
        """An outlet's entry of a manifest (checked: RecordError names the first field that is wrong)."""
        try:
            return _outlet_counts(decode.Fields(data, f"outlets[{outlet!r}]"), outlet)
        except decode.Malformed as exc:
            raise RecordError(f"not a snapshot manifest ({exc})") from None


_COUNT_FIELDS = (
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
)
_CRAWL_NUMBERS = (
    "discovered",
    "requested",
    "fetched",
    "pending",
    "gave_up",
    "not_modified",
    "discovery_requests",
    "article_requests",
    "robots_requests",
    "robots_forbidden",
    "retried_pending",
)
_CRAWL_TALLIES = (
    "failed",
    "skipped",
    "discovery_failed",
    "retry_after",
    "truncated_discovery",
    "records",
)
_STATUSES = ("ok", "gap", "not_run")


def _count(value: Any, where: str) -> int:
    return decode.whole(value, where)


def _tally(value: Any, where: str) -> dict[str, int]:
    return decode.mapping(value, where, _count)


def _requisite_counts(f: decode.Fields) -> RequisiteCounts:
    return RequisiteCounts(
        **{n: f.get(n, _count, 0) for n in ("requested", "fetched", "bytes", "revisits", "shared")},
        skipped=f.get("skipped", _tally, {}),
        failed=f.get("failed", _tally, {}),
    )


def _evidence(value: Any, where: str) -> tuple[Evidence, ...]:
    def one(item: Any, at: str) -> Evidence:
        e = decode.Fields(item, at)
        return Evidence(
            e.get("record_id", decode.text),
            e.get("url", decode.text),
            e.get("status", lambda v, w: decode.whole(v, w, high=999)),
            e.get("kind", decode.text),
        )

    return tuple(decode.items(value, where, one))


def _outlet_counts(f: decode.Fields, outlet: str) -> OutletCounts:
    crawl = None
    if "fetched" in f.data:
        numbers: dict[str, Any] = {name: f.get(name, _count, 0) for name in _CRAWL_NUMBERS}
        tallies: dict[str, Any] = {name: f.get(name, _tally, {}) for name in _CRAWL_TALLIES}
        crawl = CrawlReport(
            outlet=outlet,
            finish_reason=f.get("finish_reason", decode.text, ""),
            **numbers,
            **tallies,
            memusage_max=f.get("memusage_max", decode.optional(_count), None),
            requisites=_requisite_counts(f.child("requisites", {})),
            evidence=f.get("evidence", _evidence, ()),
            elapsed_s=f.get("elapsed_s", lambda v, w: decode.number(v, w, low=0, high=1e9), 0.0),
            write_error=f.get("write_error", decode.text, ""),
            extra={
                k: v
                for k, v in f.data.items()
                if k not in _COUNT_FIELDS
                and k not in _CRAWL_NUMBERS
                and k not in _CRAWL_TALLIES
                and k
                not in (
                    "outlet",
                    "finish_reason",
                    "memusage_max",
                    "elapsed_s",
                    "write_error",
                    "requisites",
                    "evidence",
                )
            },
        )
    gap = None
    if f.data.get("gap"):
        gap = Gap(
            f.get("gap_stage", decode.text, "run"),
            f.get("gap_reason", decode.text, "failed"),
            f.get("gap", decode.text),
            tuple(f.get("gap_records", lambda v, w: decode.items(v, w, decode.text), [])),
        )
    archived = f.get("archived", _count, 0)
    duplicates = f.get("duplicates", _count, 0)
    status = f.get("status", decode.text, "gap" if gap else "ok")
    if status not in _STATUSES:
        raise decode.Malformed(
            f"outlets[{outlet!r}].status", f"{status[:40]!r} is not one of {_STATUSES}"
        )
    return OutletCounts(
        status=status,
        crawl=crawl,
        extracted=f.get("extracted", _count, 0),
        extract_failed=f.get("extract_failed", _tally, {}),
        duplicates=duplicates,
        revisions=f.get("revisions", _count, 0),
        new=f.get("new", _count, max(0, archived - duplicates)),
        carried=f.get("carried", _count, 0),
        archived=archived,
        current=f.get("current", _count, max(0, archived - duplicates)),
        languages=f.get("languages", _tally, {}),
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
    # how the manifest is sealed (archive/seal.py): algorithm and key_sha256 of its signing key, the TSA's
    # URL; a verifier then expects the signature and the token, so neither can be removed unnoticed
    signing: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = self._to_dict()
        if self.extractor or self.rules:
            out["extractor"] = {"engine": self.extractor, "rules": dict(sorted(self.rules.items()))}
        if self.derived_from:
            out["derived"] = {"from": self.derived_from, "reason": self.derived_reason}
        if self.signing:
            out["signing"] = dict(sorted(self.signing.items()))
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
        """The manifest's one decoder: every field checked (type, range, keys under the rev's own prefix);
        RecordError names the first one that is wrong."""
        try:
            return _manifest(decode.Fields(decode.json_value(data)))
        except decode.Malformed as exc:
            raise RecordError(f"not a snapshot manifest ({exc})") from None

    def file(self, key: str) -> FileEntry | None:
        return next((f for f in self.files if f.key == key), None)


_OUTLET = re.compile(r"[a-z][a-z0-9_]{0,63}")
_LABEL = re.compile(r"\d{4}-\d{2}-\d{2} rev [1-9]\d{0,8}")
_KEY = re.compile(r"[A-Za-z0-9._=/-]{1,1024}")
_label = decode.optional(lambda value, where: decode.text(value, where, pattern=_LABEL))
_optional_text = decode.optional(decode.text)


def _texts(value: Any, where: str) -> list[str]:
    return decode.items(value, where, decode.text)


def _file(value: Any, where: str, prefix: str) -> FileEntry:
    f = decode.Fields(value, where)
    key = f.get("key", lambda v, w: decode.text(v, w, pattern=_KEY))
    if not key.startswith(prefix) or "/../" in f"/{key}/" or "//" in key:
        raise decode.Malformed(f"{where}.key", f"{key[:80]!r} is not a file under {prefix}")
    rows = f.get("rows", decode.optional(_count), None)
    return FileEntry(key, f.get("size", _count), f.get("sha256", decode.sha256), rows)


def _quality(value: Any, where: str) -> dict[str, Any]:
    quality = decode.obj(value, where)
    if quality:  # a manifest of a version without the canary has none
        f = decode.Fields(quality, where)
        f.get("problems", _texts)
        f.get("outlets", lambda v, w: decode.mapping(v, w, decode.obj))
    return quality


def _manifest(f: decode.Fields) -> Manifest:
    version = f.get(
        "format_version", lambda v, w: decode.whole(v, w, low=1, high=FORMAT_VERSION), 1
    )
    snapshot = f.child("snapshot")
    day = snapshot.get("date", decode.day)
    rev = snapshot.get("rev", lambda v, w: decode.whole(v, w, low=1, high=10**9))
    prefix = (
        f"snapshots/date={day}/rev={rev}/"  # archive.layout.snapshot_prefix, spelt as it spells it
    )
    counts = f.child("counts")
    extractor = f.child("extractor", {})
    derived = f.child("derived", {})
    return Manifest(
        day=day,
        rev=rev,
        created_at=f.get("created_at", decode.text, ""),
        run_id=f.get("run_id", decode.text, ""),
        software=f.get("software", decode.text, ""),
        config_hash=f.get("config_hash", decode.text, ""),
        outlets={
            outlet: _outlet_counts(decode.Fields(entry, f"counts.outlets[{outlet!r}]"), outlet)
            for outlet, entry in counts.get(
                "outlets",
                lambda v, w: decode.mapping(
                    v, w, decode.obj, key=lambda k, kw: decode.text(k, kw, pattern=_OUTLET)
                ),
            ).items()
        },
        files=f.get("files", lambda v, w: decode.items(v, w, lambda i, iw: _file(i, iw, prefix))),
        base=f.get("base", _label, None),
        archived=(archived := counts.get("archived", _count, 0)),
        new=counts.get("new", _count, max(0, archived - counts.get("duplicates", _count, 0))),
        carried=counts.get("carried", _count, 0),
        duplicates=counts.get("duplicates", _count, 0),
        dedup={
            "reasons": counts.get("dedup_reasons", _tally, {}),
            "window": counts.get("dedup_window", _texts, []),
            "window_skipped": counts.get("dedup_window_skipped", _texts, []),
        },
        quality=counts.get("quality", _quality, {}),
        format_version=version,
        derived_from=derived.get("from", _label, None),
        derived_reason=derived.get("reason", _optional_text, None),
        extractor=extractor.get("engine", _optional_text, None),
        rules=extractor.get("rules", lambda v, w: decode.mapping(v, w, decode.text), {}),
        signing=f.get("signing", lambda v, w: decode.mapping(v, w, decode.text), {}),
    )
