"""The current-articles table as its record vouches for it: every day file's size and SHA-256 checked
against the record (archive/table_record.py). A file the record does not vouch for (replaced, added,
unreadable, or a table without a record) is left out and named, once, with the repair. `newsarchive
query`, `table check` and `snapshots verify` read the table through here.

A day file is served one of two ways:
- in memory (`in_memory=True`, and always from S3): read whole, checked, and those very bytes served;
- pinned on local disk (`in_memory=False`): checked by its identity (device, inode, size, mtime, ctime)
  at the time, hashed unless the user's cache (archive/stat_cache.py) already verified that identity,
  and read by the reader where it lies, only the columns and days it needs; `changed_since` then tells
  whether any file was written to while it was read (its identity moved and its new bytes are not in
  the record), so the reader can refuse what it read. A file written in the last MIN_AGE_NS (a later
  write could keep its identity within the clock's tick) is read into memory instead.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from archive import layout, table_record
from archive.snapshot import DamagedObject
from archive.stat_cache import MIN_AGE_NS, Identity, StatCache, identity
from archive.store import LocalStore, ObjectInfo, ObjectNotFound, Store, StoreError
from archive.table_record import REPAIR, DayFile, TableRecord
from archive.table_schema import read_day_file

_RETRIES = (
    2  # a mismatch is checked again against a fresh record: a writer may be replacing the day
)


@dataclass(frozen=True)
class TableDay:
    day: str
    key: str
    entry: DayFile  # what the record says of the file
    data: pa.Buffer | None = None  # in memory: the very bytes whose SHA-256 was checked
    path: str | None = None  # or pinned on local disk, as it was when checked:
    identity: Identity | None = None

    def source(self) -> pa.BufferReader | str:
        """What pyarrow reads the file from."""
        return pa.BufferReader(self.data) if self.data is not None else str(self.path)

    @property
    def schema(self) -> pa.Schema:
        """From the file's footer (with the rev it was built from in its metadata), through the day
        file's one decoder (archive/table_schema.py): DamagedObject names a footer that does not read."""
        return read_day_file(self.source(), self.day, name=self.key).schema


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


def _local(store: LocalStore, key: str, exc: OSError) -> Exception:
    if exc.errno == errno.ENOENT or isinstance(exc, FileNotFoundError):
        return ObjectNotFound(key)
    return StoreError(f"cannot read {key} in the archive {store.url} ({exc})")


def _load(store: Store, key: str, cache: StatCache | None) -> tuple[pa.Buffer, str]:
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
        raise _local(store, key, exc) from None
    steady = before == after  # not written to while it was read
    known = cache.get(path, before) if cache is not None and steady else None
    if known is not None:
        return data, known
    sha = hashlib.sha256(data).hexdigest()
    if cache is not None and steady:
        cache.put(path, before, sha)
    return data, sha


def _fresh(store: LocalStore, key: str) -> bool:
    """Written too recently for its identity to show a later write (the clock's coarse ticks): such a
    file is read whole into memory instead of pinned."""
    try:
        st = os.stat(store.local_path(key))
    except OSError:
        return False  # _load names it
    return time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < MIN_AGE_NS


def hash_pinned(path: str, attempts: int = 3) -> tuple[Identity, str]:
    """A local file's identity and the SHA-256 of its bytes, read while that identity held."""
    for _ in range(attempts):
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            before = identity(os.fstat(fh.fileno()))
            while block := fh.read(1 << 20):
                digest.update(block)
            if identity(os.fstat(fh.fileno())) == before:
                return before, digest.hexdigest()
    raise OSError(errno.EAGAIN, "the file kept changing while it was read")


def _pin(store: LocalStore, key: str, cache: StatCache | None) -> tuple[str, Identity, str]:
    """A local file's path, its identity now, and the SHA-256 of the bytes that identity holds (from the
    cache, or hashed)."""
    path = str(store.local_path(key))
    try:
        now = identity(os.stat(path))
        known = cache.get(path, now) if cache is not None else None
        if known is not None:
            return path, now, known
        now, sha = hash_pinned(path)
    except OSError as exc:
        raise _local(store, key, exc) from None
    if cache is not None:
        cache.put(path, now, sha)
    return path, now, sha


def _check(
    day: str, key: str, found: TableDay, sha: str, size: int, record: TableRecord, footer: bool
) -> TableDay | str:
    """The day file if the record vouches for its bytes (and, with `footer`, their footer parses and
    counts the recorded rows), else why not (a message naming the key)."""
    entry = record.accepts(day, sha, size)
    if entry is None:
        return (
            f"{key}: replaced: its {size:,} bytes are not the file the table's record holds "
            f"for {day} (written by something other than newsarchive); left out; {REPAIR}"
        )
    if footer:
        try:
            rows = pq.ParquetFile(found.source()).metadata.num_rows
        except (OSError, pa.ArrowException) as exc:
            return f"{key}: not a readable Parquet file ({exc}); left out; {REPAIR}"
        if rows != entry.rows:
            return f"{key}: {rows} rows, its record says {entry.rows}; left out; {REPAIR}"
    return replace(found, entry=entry)


def _read(
    store: Store,
    day: str,
    key: str,
    record: TableRecord,
    reload: Callable[[], TableRecord],
    cache: StatCache | None,
    footer: bool,
    in_memory: bool,
) -> TableDay | str:
    outcome: TableDay | str = ""
    nothing = DayFile("", 0, 0, "")
    for attempt in range(_RETRIES + 1):
        if attempt:
            record = reload()
        try:
            if in_memory or not isinstance(store, LocalStore) or _fresh(store, key):
                data, sha = _load(store, key, cache)
                found = TableDay(day, key, nothing, data=data)
                outcome = _check(day, key, found, sha, data.size, record, footer)
            else:
                path, pinned, sha = _pin(store, key, cache)
                found = TableDay(day, key, nothing, path=path, identity=pinned)
                outcome = _check(day, key, found, sha, pinned[2], record, footer)
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
    in_memory: bool = True,
) -> TableRead:
    """Every day file in [since, until] that the table's record vouches for, and what is wrong with the
    rest (in the order of their keys). With a `cache` (archive/stat_cache.py), a local file whose
    identity is as it was when hashed before is not hashed again. `footers=False` (a reader that only
    serves the files) leaves the footers unparsed: bytes with the recorded SHA-256 are the very file
    the writer counted the rows of. `in_memory=False` pins local files on disk instead of reading them
    whole (see the module's docstring); a reader then asks `changed_since` when it is done."""
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
                    in_memory,
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


def changed_since(store: Store, read: TableRead) -> list[TableProblem]:
    """The pinned day files written to since they were checked whose bytes now are not in the record
    (a newsarchive writer that replaced a day in the meantime recorded its file first, so what a
    reader read was one of two recorded files)."""
    problems = []
    record: TableRecord | None = None
    for day in read.days:
        if day.path is None:
            continue
        try:
            if identity(os.stat(day.path)) == day.identity:
                continue
            now, sha = hash_pinned(day.path)
            record = record or table_record.load_or_empty(store)
            if record.accepts(day.day, sha, now[2]) is not None:
                continue
        except OSError:
            pass
        problems.append(
            TableProblem(
                day.key,
                f"{day.key}: written to while it was read (by something other than newsarchive); "
                "what was read from it cannot be trusted: run the query again",
            )
        )
    return problems
