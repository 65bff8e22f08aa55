"""The current-articles table as its record vouches for it: every day file read whole into memory, its
size and SHA-256 checked against the record (archive/table_record.py) and its footer parsed from those
same bytes. What a reader gets is exactly the bytes that were checked; a file the record does not vouch
for (replaced, added, unreadable, or a table without a record) is left out and named, once, with the
repair. `newsarchive query`, `table check` and `snapshots verify` read the table through here.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from archive import layout, table_record
from archive.snapshot import DamagedObject
from archive.stat_cache import StatCache, identity
from archive.store import LocalStore, ObjectInfo, ObjectNotFound, Store, StoreError
from archive.table_record import REPAIR, DayFile, TableRecord

_RETRIES = (
    2  # a mismatch is checked again against a fresh record: a writer may be replacing the day
)


@dataclass(frozen=True)
class TableDay:
    day: str
    key: str
    data: pa.Buffer  # the file's bytes, the very ones whose SHA-256 was checked
    entry: DayFile  # what the record says of them

    @property
    def schema(self) -> pa.Schema:
        """From the file's footer (with the rev it was built from in its metadata)."""
        return pq.read_schema(pa.BufferReader(self.data))


@dataclass(frozen=True)
class TableProblem:
    key: str  # the object it is about (a day file, the record, a stray object)
    message: str  # starts with the key; says what was left out and the repair

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class TableRead:
    days: tuple[TableDay, ...]  # oldest day first
    problems: tuple[TableProblem, ...]  # every file left out or missing, named, with the repair


def _in_range(day: str, since: date | None, until: date | None) -> bool:
    return (since or date.min).isoformat() <= day <= (until or date.max).isoformat()


def _fetch(store: Store, key: str, cache: StatCache | None) -> tuple[pa.Buffer, str]:
    """An object's bytes and their SHA-256: hashed, or for a local file read whole while its identity
    did not change, the SHA-256 the cache verified for that identity."""
    if not isinstance(store, LocalStore):
        data = store.get_bytes(key)
        return pa.py_buffer(data), hashlib.sha256(data).hexdigest()
    path = str(store.local_path(key))
    try:
        with pa.OSFile(path) as fh:
            before = identity(os.fstat(fh.fileno()))
            data = fh.read_buffer()
            after = identity(os.fstat(fh.fileno()))
    except OSError as exc:
        if exc.errno == errno.ENOENT or isinstance(exc, FileNotFoundError):
            raise ObjectNotFound(key) from None
        raise StoreError(f"cannot read {key} in the archive {store.url} ({exc})") from None
    steady = before == after  # not written to while it was read
    known = cache.get(path, before) if cache is not None and steady else None
    if known is not None:
        return data, known
    sha = hashlib.sha256(data).hexdigest()
    if cache is not None and steady:
        cache.put(path, before, sha)
    return data, sha


def _check(
    day: str, key: str, data: pa.Buffer, sha: str, record: TableRecord, footer: bool
) -> TableDay | str:
    """The day file if the record vouches for these bytes (and, with `footer`, their footer parses and
    counts the recorded rows), else why not (a message naming the key)."""
    entry = record.accepts(day, sha, data.size)
    if entry is None:
        return (
            f"{key}: replaced: its {data.size:,} bytes are not the file the table's record holds "
            f"for {day} (written by something other than newsarchive); left out; {REPAIR}"
        )
    if footer:
        try:
            rows = pq.ParquetFile(pa.BufferReader(data)).metadata.num_rows
        except (OSError, pa.ArrowException) as exc:
            return f"{key}: not a readable Parquet file ({exc}); left out; {REPAIR}"
        if rows != entry.rows:
            return f"{key}: {rows} rows, its record says {entry.rows}; left out; {REPAIR}"
    return TableDay(day, key, data, entry)


def _read(
    store: Store,
    day: str,
    key: str,
    record: TableRecord,
    reload: Callable[[], TableRecord],
    cache: StatCache | None,
    footer: bool,
) -> TableDay | str:
    outcome: TableDay | str = ""
    for attempt in range(_RETRIES + 1):
        if attempt:
            record = reload()
        try:
            outcome = _check(day, key, *_fetch(store, key, cache), record, footer)
        except ObjectNotFound:
            outcome = f"{key}: recorded but missing; {REPAIR}"
        if isinstance(outcome, TableDay):
            return outcome
    return outcome


def read_table_days(
    store: Store,
    since: date | None = None,
    until: date | None = None,
    cache: StatCache | None = None,
    *,
    footers: bool = True,
) -> TableRead:
    """Every day file in [since, until] that the table's record vouches for, and what is wrong with the
    rest (in the order of their keys). With a `cache` (archive/stat_cache.py), a local file whose
    identity is as it was when hashed before is not hashed again. `footers=False` (a reader that only
    serves the files) leaves the footers unparsed: bytes with the recorded SHA-256 are the very file
    the writer counted the rows of."""
    problems: list[TableProblem] = []
    record_key = layout.CURRENT_TABLE_RECORD
    try:
        record = table_record.load(store)
    except DamagedObject as exc:
        record, problems = None, [TableProblem(record_key, str(exc))]
    infos: list[ObjectInfo] = []
    for info in store.list(layout.CURRENT_TABLE_PREFIX):
        day = layout.current_table_day(info.key)
        if day is None:
            problems.append(
                TableProblem(
                    info.key,
                    f"{info.key}: not a day file of the table (tools reading the directory would "
                    f"take it for one); {REPAIR} and removes it",
                )
            )
        elif _in_range(day, since, until):
            infos.append(info)
    if record is None:
        if infos and not problems:
            problems.append(
                TableProblem(
                    record_key,
                    f"{record_key}: missing: the table's {len(infos)} day file(s) cannot be verified "
                    f"and are left out; {REPAIR}",
                )
            )
        return TableRead((), tuple(problems))
    checked = record

    def fresh() -> TableRecord:
        try:
            return table_record.load(store) or TableRecord()
        except DamagedObject:
            return checked

    wanted: list[ObjectInfo] = []
    for info in infos:
        day = layout.current_table_day(info.key) or ""
        if not record.sizes(day):
            problems.append(
                TableProblem(
                    info.key,
                    f"{info.key}: not in the table's record (added by something other than "
                    f"newsarchive); left out; {REPAIR}",
                )
            )
        else:
            wanted.append(info)  # a size the record does not hold is caught by _check
    workers = 2 if isinstance(store, LocalStore) else 16  # hashing releases the GIL; S3 waits
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(
            pool.map(
                lambda info: _read(
                    store,
                    layout.current_table_day(info.key) or "",
                    info.key,
                    record,
                    fresh,
                    cache,
                    footers,
                ),
                wanted,
            )
        )
    if cache is not None:
        cache.save()
    days = [o for o in outcomes if isinstance(o, TableDay)]
    problems += [
        TableProblem(info.key, o)
        for info, o in zip(wanted, outcomes, strict=True)
        if isinstance(o, str)
    ]
    listed = {layout.current_table_day(info.key) for info in infos}
    problems += [
        TableProblem(
            key := layout.current_table_key(day),
            f"{key}: recorded ({record.days[day].source}) but missing; {REPAIR}",
        )
        for day in sorted(record.days)
        if day not in listed and _in_range(day, since, until)
    ]
    return TableRead(tuple(sorted(days, key=lambda d: d.day)), tuple(problems))


def read_table_day(store: Store, day: str) -> tuple[TableDay | None, list[TableProblem]]:
    """One day's file as the record vouches for it (None: left out or absent) and what is wrong with
    it or with the record."""
    read = read_table_days(store, date.fromisoformat(day), date.fromisoformat(day))
    mine = {layout.current_table_key(day), layout.CURRENT_TABLE_RECORD}
    return (read.days[0] if read.days else None), [p for p in read.problems if p.key in mine]
