"""The records a run's stages hand each other through its staging space, and the one codec they go through.

Every staged record is a frozen dataclass with a `KIND` and a `VERSION`. `write` stores it as JSON in an
envelope `{"kind", "version", "record"}`; `read` checks the kind, the version and every field's type
against the dataclass: a key renamed, missing, unknown or of another type is a StagedRecordError naming
the object, never a silent 0. The same field decoding (`from_json`) reads the crawl's own report
(newsarchive/run/crawl.py) and the quality figures in a manifest (newsarchive/run/quality.py).

Each record a stage stages carries the `attempt` that wrote it (a fresh token per run of the stage): the
run's lifecycle (newsarchive/run/lifecycle/) tells staged outputs already published from newer ones by it.
"""

from __future__ import annotations

import json
import secrets
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, ClassVar, TypeVar, get_args, get_origin, get_type_hints

from archive.records import ArchivedRow, CrawlReport, Gap, RecordError
from archive.store import Store

R = TypeVar("R")


class StagedRecordError(RecordError):
    """A staged or reported record that does not have the shape this version writes."""

    reason = "bad_staged_record"


def new_attempt() -> str:
    return secrets.token_hex(6)


# -- the records ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StagedCrawl:
    """A crawl of one outlet that finished: its coverage report (WARC and crawl run staged beside it)."""

    KIND: ClassVar[str] = "crawl"
    VERSION: ClassVar[int] = 1
    outlet: str
    attempt: str
    report: CrawlReport


@dataclass(frozen=True)
class StagedGap:
    """Why one outlet's stage failed in this run (the manifest's gap record, once published)."""

    KIND: ClassVar[str] = "gap"
    VERSION: ClassVar[int] = 1
    outlet: str
    attempt: str
    gap: Gap


@dataclass(frozen=True)
class ExtractReport:
    """The extraction of one outlet's staged crawl: articles (staged beside it) and failures by reason."""

    KIND: ClassVar[str] = "extract"
    VERSION: ClassVar[int] = 1
    outlet: str
    attempt: str
    crawl_attempt: str  # the StagedCrawl it read
    extracted: int
    failed: dict[str, int] = field(default_factory=dict)  # reason -> pages
    failed_urls: dict[str, str] = field(default_factory=dict)  # URL -> reason

    def figures(self) -> dict[str, Any]:
        """What the task's XCom and SUMMARY line show (no URL lists)."""
        return {"outlet": self.outlet, "extracted": self.extracted, "extract_failed": self.failed}


@dataclass(frozen=True)
class DedupReport:
    """One dedup pass over a day's rows: what it was given and what it found (rows and index segment
    are staged beside it). `generation` names the staged outputs it read; `base` the rev it carried."""

    KIND: ClassVar[str] = "dedup"
    VERSION: ClassVar[int] = 1
    generation: str
    base: str | None
    articles: int
    reasons: dict[str, int]
    window: list[str]
    window_skipped: list[str]
    window_articles: int

    def manifest_figures(self) -> dict[str, Any]:
        return {
            "reasons": self.reasons,
            "window": self.window,
            "window_skipped": self.window_skipped,
        }


STAGED: tuple[type, ...] = (StagedCrawl, StagedGap, ExtractReport, DedupReport)


# -- the codec --------------------------------------------------------------------------------------
def encode(record: Any) -> bytes:
    body = {"kind": record.KIND, "version": record.VERSION, "record": to_json(record)}
    return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def decode(cls: type[R], data: bytes, where: str) -> R:
    # every record class above has KIND and VERSION; R is any dataclass (from_json reads nested ones too)
    kind, version = cls.KIND, cls.VERSION  # type: ignore[attr-defined]
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise StagedRecordError(f"{where}: not JSON ({exc})") from None
    if not isinstance(body, dict) or set(body) != {"kind", "version", "record"}:
        raise StagedRecordError(f"{where}: not a staged record (kind, version, record)")
    if (body["kind"], body["version"]) != (kind, version):
        raise StagedRecordError(
            f"{where}: a {body['kind']} record version {body['version']}, this version reads "
            f"{kind} version {version} (staged by another version of newsarchive: run the stage again)"
        )
    return from_json(cls, body["record"], where)


def write(store: Store, key: str, record: Any) -> None:
    store.put_bytes(key, encode(record), overwrite=True)


def read(store: Store, key: str, cls: type[R]) -> R:
    """The record at `key` (ObjectNotFound when there is none)."""
    return decode(cls, store.get_bytes(key), key)


def write_rows(store: Store, key: str, rows: list[ArchivedRow]) -> None:
    """Article rows as JSON lines (each through archive.records.ArchivedRow, the row's own codec)."""
    body = "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rows)
    store.put_bytes(key, body.encode("utf-8"), overwrite=True)


def read_rows(store: Store, key: str) -> list[ArchivedRow]:
    rows = []
    for n, line in enumerate(store.get_bytes(key).decode("utf-8").splitlines(), 1):
        if line:
            try:
                rows.append(ArchivedRow.from_dict(json.loads(line)))
            except (ValueError, AttributeError) as exc:
                raise StagedRecordError(f"{key} line {n}: not an article row ({exc})") from None
    return rows


def to_json(value: Any) -> Any:
    """A record (nested records, dicts, lists, tuples) as JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(cls: type[R], data: Any, where: str) -> R:
    """A dataclass from JSON values, every field checked against its type; nothing unknown, nothing
    required missing."""
    if not isinstance(data, dict):
        raise StagedRecordError(
            f"{where}: expected an object for {cls.__name__}, got {_kind(data)}"
        )
    hints = get_type_hints(cls)
    # a dataclass: R is unbound, as the callers pass record classes and the field hints they hold
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    if unknown := sorted(set(data) - set(known)):
        raise StagedRecordError(f"{where}: {cls.__name__} has no field {', '.join(unknown)}")
    missing = [
        n
        for n in known
        if n not in data and known[n].default is known[n].default_factory is MISSING
    ]
    if missing:
        raise StagedRecordError(f"{where}: {cls.__name__} lacks {', '.join(missing)}")
    values = {name: _value(hints[name], value, f"{where}.{name}") for name, value in data.items()}
    return cls(**values)


def _value(hint: Any, value: Any, where: str) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        problems = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _value(option, value, where)
            except StagedRecordError as exc:
                problems.append(str(exc))
        raise StagedRecordError(
            problems[0] if len(problems) == 1 else f"{where}: {_kind(value)} fits none of {hint}"
        )
    if is_dataclass(hint):
        return from_json(typing.cast(type, hint), value, where)
    if origin is dict:
        if not isinstance(value, dict):
            raise StagedRecordError(f"{where}: expected an object, got {_kind(value)}")
        return {
            _value(args[0], k, where): _value(args[1], v, f"{where}[{k!r}]")
            for k, v in value.items()
        }
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise StagedRecordError(f"{where}: expected a list, got {_kind(value)}")
        items = [_value(args[0], v, f"{where}[{n}]") for n, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if (
        hint in (str, int, bool)
        and isinstance(value, hint)
        and (hint is bool or not isinstance(value, bool))
    ):
        return value
    raise StagedRecordError(
        f"{where}: expected {getattr(hint, '__name__', hint)}, got {_kind(value)}"
    )


def _kind(value: Any) -> str:
    return (
        "null"
        if value is None
        else f"{type(value).__name__} {json.dumps(value, ensure_ascii=False)[:40]}"
    )
