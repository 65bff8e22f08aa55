"""The current-articles table's record: the SHA-256, size, row count and source rev of every day file,
kept beside the table (`current/articles.record.json`, layout.CURRENT_TABLE_RECORD) so that a reader can
tell the files newsarchive wrote from a file anything else put there (a replaced day, an added one).

    {"format": 1,
     "days":    {"2026-11-21": {"sha256": "…", "size": 123, "rows": 96, "source": "2026-11-21 rev 2",
                                "schema": "2.0"}},
     "writing": {"2026-11-21": [{…the same fields…}]}}

`days` holds the file each day has; `writing` the files being written at this moment. A writer records
its file in `writing` before it replaces the day (`begin`), then moves it to `days` (`commit`): at every
instant the day's object is one the record accepts (`accepts`), so a reader never takes a concurrent
rewrite for a forgery, and a writer killed in between leaves only an entry that admits the exact bytes it
made. Every change is a conditional write (If-Match), so two writers never lose each other's days.

`decode` is the one way the record is read: anything malformed is a `DamagedObject` naming the record and
`newsarchive table rebuild`, which writes the table and its record again from the snapshots.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from archive import layout
from archive.snapshot import DamagedObject
from archive.store import ObjectChanged, ObjectExists, ObjectNotFound, Store

logger = logging.getLogger(__name__)

FORMAT = 1
MAX_RECORD_BYTES = 64 << 20  # about 300,000 days; anything bigger is not ours
MAX_WRITING = 8  # in-flight writes kept per day (the oldest go first: a killed writer's leftovers)
_ATTEMPTS = 50
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SOURCE = re.compile(r"(\d{4}-\d{2}-\d{2}) rev ([1-9][0-9]{0,8})")
_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}")
REPAIR = "`newsarchive table rebuild` writes the table and its record again from the snapshots"


@dataclass(frozen=True)
class DayFile:
    """What the writer made for one day: the file's SHA-256 and size, its rows, the rev they come from and
    the schema version it is written in (archive/schema.py; an entry without one is 1.0)."""

    sha256: str
    size: int
    rows: int
    source: str  # "D rev N"
    schema: str = "1.0"

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "rows": self.rows,
            "source": self.source,
            "schema": self.schema,
        }


@dataclass(frozen=True)
class TableRecord:
    days: Mapping[str, DayFile] = field(default_factory=dict)
    writing: Mapping[str, tuple[DayFile, ...]] = field(default_factory=dict)

    def accepts(self, day: str, sha256: str, size: int) -> DayFile | None:
        """The recorded file of `day` with these bytes (the committed one or one being written), or None."""
        for entry in (self.days.get(day), *self.writing.get(day, ())):
            if entry is not None and entry.sha256 == sha256 and entry.size == size:
                return entry
        return None

    def sizes(self, day: str) -> set[int]:
        """The sizes a file of `day` may have (checked before its bytes are read)."""
        entries = (self.days.get(day), *self.writing.get(day, ()))
        return {entry.size for entry in entries if entry is not None}

    def to_bytes(self) -> bytes:
        return (
            json.dumps(
                {
                    "format": FORMAT,
                    "days": {d: e.to_dict() for d, e in sorted(self.days.items())},
                    "writing": {
                        d: [e.to_dict() for e in entries]
                        for d, entries in sorted(self.writing.items())
                        if entries
                    },
                },
                indent=1,
                sort_keys=True,
            )
            + "\n"
        ).encode()


def _whole(value: Any, what: str) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{what} is {value!r}, not a whole number")
    return value


def _day_file(day: str, value: Any) -> DayFile:
    if not isinstance(value, dict):
        raise ValueError(f"the entry of {day} is not an object")
    missing = {"sha256", "size", "rows", "source"} - set(value)
    if missing:
        raise ValueError(f"the entry of {day} has no {', '.join(sorted(missing))}")
    sha, source = value["sha256"], value["source"]
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise ValueError(f"the entry of {day} has no SHA-256 (64 hex digits)")
    match = _SOURCE.fullmatch(source) if isinstance(source, str) else None
    if match is None or match.group(1) != day:
        raise ValueError(f"the entry of {day} names a source {source!r} that is not a rev of {day}")
    version = value.get("schema", "1.0")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise ValueError(
            f"the entry of {day} has a schema version {str(version)[:20]!r}, not MAJOR.MINOR"
        )
    return DayFile(
        sha,
        _whole(value["size"], f"{day}'s size"),
        _whole(value["rows"], f"{day}'s rows"),
        source,
        version,
    )


def _day(key: Any) -> str:
    try:
        if isinstance(key, str) and date.fromisoformat(key).isoformat() == key:
            return key
    except ValueError:
        pass
    raise ValueError(f"{str(key)[:40]!r} is not a day (YYYY-MM-DD)")


def decode(data: bytes) -> TableRecord:
    """The record from its bytes; any malformation (size, encoding, JSON, types, keys, values) is a
    DamagedObject naming the record and the repair."""
    where = layout.CURRENT_TABLE_RECORD
    try:
        if len(data) > MAX_RECORD_BYTES:
            raise ValueError(f"{len(data):,} bytes, more than a record ever holds")
        body = json.loads(data.decode("utf-8"))
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError(f"not a format {FORMAT} record")
        days, writing = body.get("days"), body.get("writing", {})
        if not isinstance(days, dict) or not isinstance(writing, dict):
            raise ValueError("its days and writing are not objects")
        record_days = {_day(d): _day_file(d, v) for d, v in days.items()}
        record_writing: dict[str, tuple[DayFile, ...]] = {}
        for d, entries in writing.items():
            if not isinstance(entries, list) or len(entries) > MAX_WRITING:
                raise ValueError(f"its writing of {str(d)[:40]!r} is not a short list")
            if entries:
                record_writing[_day(d)] = tuple(_day_file(d, e) for e in entries)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise DamagedObject(f"{where}: damaged ({exc}); {REPAIR}") from None
    return TableRecord(record_days, record_writing)


def load(store: Store) -> TableRecord | None:
    """The record (None: the table has none yet); a damaged one is a DamagedObject."""
    try:
        return decode(store.get_bytes(layout.CURRENT_TABLE_RECORD))
    except ObjectNotFound:
        return None


def load_or_empty(store: Store) -> TableRecord:
    """The record for a writer: missing or damaged, an empty one (a damaged record vouches for nothing)."""
    try:
        return load(store) or TableRecord()
    except DamagedObject:
        return TableRecord()


def _update(store: Store, change: Callable[[TableRecord], TableRecord]) -> TableRecord:
    """Apply `change` to the record with a conditional write, again on a lost race. A damaged record is
    replaced (it vouches for nothing): the days it held become unrecorded until `table rebuild`."""
    key = layout.CURRENT_TABLE_RECORD
    for _ in range(_ATTEMPTS):
        try:
            data, version = store.get_versioned(key)
        except ObjectNotFound:
            data, version = None, ""
        try:
            current = decode(data) if data is not None else TableRecord()
        except DamagedObject as exc:
            logger.warning("%s; it is replaced by a record of this write only", exc)
            current = TableRecord()
        new = change(current)
        try:
            store.put_bytes(key, new.to_bytes(), overwrite=True, if_match=version)
            return new
        except (ObjectChanged, ObjectExists):
            continue
    raise ObjectChanged(key)


def begin(store: Store, day: str, entry: DayFile) -> None:
    """Record a file of `day` about to be written (readers accept it from now on)."""

    def change(record: TableRecord) -> TableRecord:
        kept = [e for e in record.writing.get(day, ()) if e != entry][-(MAX_WRITING - 1) :]
        return TableRecord(record.days, {**record.writing, day: (*kept, entry)})

    _update(store, change)


def commit(store: Store, day: str, entry: DayFile) -> None:
    """The file of `day` was written: it is the day's recorded file."""

    def change(record: TableRecord) -> TableRecord:
        rest = tuple(e for e in record.writing.get(day, ()) if e != entry)
        writing = {d: e for d, e in record.writing.items() if d != day}
        return TableRecord({**record.days, day: entry}, {**writing, day: rest} if rest else writing)

    _update(store, change)


def forget(store: Store, days: set[str]) -> None:
    """The days' files were removed: the record holds them no more."""

    def change(record: TableRecord) -> TableRecord:
        return TableRecord(
            {d: e for d, e in record.days.items() if d not in days},
            {d: e for d, e in record.writing.items() if d not in days},
        )

    _update(store, change)
