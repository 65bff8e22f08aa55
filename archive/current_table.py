"""The current-articles table: one Parquet file per day under `current/articles/`, holding every row of
the day's newest complete rev with its provenance, read directly by DuckDB, pandas, pyarrow, Spark or Trino.

- `current/articles/<YYYY-MM-DD>.parquet`: the rows of the day's newest complete rev (carried rows
  included), in the snapshot schema plus `snapshot_date`, `snapshot_rev` and `is_duplicate`. Duplicates
  are kept and flagged; readers that want the current articles take `NOT is_duplicate`.
- The directory has no hive partitions (a column that is also in the path is what broke pyarrow) and no
  other files, so `read_parquet('current/articles/*.parquet')` and `pd.read_parquet('current/articles')`
  read exactly the table.
- A day is one object written whole (a local rename, one S3 PUT), so a reader sees a day's old rev or
  its new one, never half of either. It is derived data, rewritten when a day gets a new rev, never
  under Object Lock; `rebuild` writes it again from the snapshots (each part checked against its
  manifest).
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from archive import layout
from archive.records import ARTICLE_SCHEMA
from archive.snapshot import SnapshotRef, list_snapshots, newest_revs, read_parquet_parts
from archive.store import ObjectNotFound, Store
from common import decode
from common.errors import DamagedObject, NewsArchiveError
from common.resources import DiskFull, exhausted

logger = logging.getLogger(__name__)

SOURCE_KEY = b"newsarchive.snapshot"  # the file's key-value metadata: the rev it was built from
TABLE_SCHEMA = (
    ARTICLE_SCHEMA.append(pa.field("snapshot_date", pa.date32()))
    .append(pa.field("snapshot_rev", pa.int32()))
    .append(pa.field("is_duplicate", pa.bool_()))
)
_MAX_ATTEMPTS = 10


def day_table(store: Store, ref: SnapshotRef) -> pa.Table:
    """The rows of one complete rev as they go into the table (each Parquet part checked first), sorted
    by outlet and publication time."""
    parts = read_parquet_parts(store, ref)
    table = pa.concat_tables(parts) if parts else ARTICLE_SCHEMA.empty_table()
    n = table.num_rows
    table = (
        table.append_column(
            TABLE_SCHEMA.field("snapshot_date"),
            pa.array([date.fromisoformat(ref.day)] * n, pa.date32()),
        )
        .append_column(TABLE_SCHEMA.field("snapshot_rev"), pa.array([ref.rev] * n, pa.int32()))
        .append_column(
            TABLE_SCHEMA.field("is_duplicate"), pc.is_valid(table.column("duplicate_of"))
        )
    )
    table = table.sort_by(
        [("outlet", "ascending"), ("published", "ascending"), ("id", "ascending")]
    )
    return table.replace_schema_metadata({SOURCE_KEY: ref.label.encode()})


def _newest(store: Store, day: str) -> SnapshotRef | None:
    refs = newest_revs(store, date.fromisoformat(day), date.fromisoformat(day))
    return refs[-1] if refs else None


def refresh_day(store: Store, day: str, *, strict: bool = False) -> SnapshotRef | None:
    """Write the day's table file from its newest complete rev (None: the day has none, and its file, if
    any, is removed). A rev that completes while this runs is picked up before it returns, so two
    publishers of one day leave the newest rev in the table whichever writes last.

    The table is derived data: a damaged rev or a disk that is full leaves the day's file as it was,
    named in a warning (`table check` and `query` then name the day as behind), unless `strict`
    (`table rebuild`), where it is the command's error."""
    written: SnapshotRef | None = None
    for _ in range(_MAX_ATTEMPTS):
        ref = _newest(store, day)
        if ref is None:
            try:
                store.delete(layout.current_table_key(day))
            except ObjectNotFound:
                pass
            return None
        if ref == written:
            return ref
        try:
            with tempfile.TemporaryDirectory(prefix="newsarchive-table-") as tmp:
                local = Path(tmp) / "day.parquet"
                pq.write_table(
                    day_table(store, ref), local, compression="zstd", row_group_size=64 * 1024
                )
                store.put_file(
                    layout.current_table_key(day), local, overwrite=True
                )  # derived, rewritten: never locked
        except (DamagedObject, DiskFull, OSError) as exc:
            problem = exc if isinstance(exc, NewsArchiveError) else exhausted(exc)
            if strict or problem is None:
                raise problem or exc from None
            logger.warning(
                "current table: %s not written (%s); `newsarchive table rebuild --since %s "
                "--until %s` writes it again",
                day,
                problem,
                day,
                day,
            )
            return written
        logger.info("current table: %s now from %s", day, ref.label)
        written = ref
    return written


def rebuild(
    store: Store, since: date | None = None, until: date | None = None
) -> list[SnapshotRef]:
    """The table written again from the snapshots for every day in [since, until] with a complete rev;
    files of days that have none (and any other object under the table's prefix) are removed."""
    days = sorted({ref.day for ref in list_snapshots(store, since, until)})
    low, high = (since or date.min).isoformat(), (until or date.max).isoformat()
    for info in list(store.list(layout.CURRENT_TABLE_PREFIX)):
        day = layout.current_table_day(info.key)
        if day is None or (low <= day <= high and day not in days):
            store.delete(info.key)
    refs, damaged = [], []
    for day in days:
        try:
            ref = refresh_day(store, day, strict=True)
        except DamagedObject as exc:  # costs only its day; named once the others are written
            damaged.append(str(exc))
            continue
        if ref is not None:
            refs.append(ref)
    if damaged:
        raise DamagedObject(
            f"table written for {len(refs)} days, not for {len(damaged)}: " + "; ".join(damaged)
        )
    return refs


def check(store: Store, since: date | None = None, until: date | None = None) -> list[str]:
    """What differs between the table and the snapshots in [since, until] (empty: the table is right):
    a day whose file is missing, unreadable, built from another rev or holding other rows, and a file of a
    day that has no complete rev."""
    problems: list[str] = []
    newest = {ref.day: ref for ref in newest_revs(store, since, until)}
    low, high = (since or date.min).isoformat(), (until or date.max).isoformat()
    files = {
        day: info.key
        for info in store.list(layout.CURRENT_TABLE_PREFIX)
        if (day := layout.current_table_day(info.key)) is not None and low <= day <= high
    }
    problems += [
        f"{files[day]}: {day} has no complete snapshot" for day in sorted(set(files) - set(newest))
    ]
    with tempfile.TemporaryDirectory(prefix="newsarchive-table-") as tmp:
        local = Path(tmp) / "day.parquet"
        for day, ref in sorted(newest.items()):
            if day not in files:
                problems.append(
                    f"{layout.current_table_key(day)}: missing (the newest rev of {day} is {ref.rev})"
                )
                continue
            try:
                store.download(files[day], local)
                source = read_day_file(local, day, name=files[day]).source.label
                ids = pq.read_table(local, columns=["id"]).column("id").to_pylist()
            except DamagedObject as exc:
                problems.append(str(exc))
                continue
            except (OSError, pa.ArrowException) as exc:
                problems.append(f"{files[day]}: not a readable Parquet file ({exc})")
                continue
            if source != ref.label:
                problems.append(
                    f"{files[day]}: built from {source}, the newest complete rev is {ref.label}"
                )
                continue
            try:
                parts = read_parquet_parts(store, ref)
            except DamagedObject as exc:
                problems.append(f"{files[day]}: cannot be checked: {exc}")
                continue
            expected = [i for part in parts for i in part.column("id").to_pylist()]
            if sorted(ids) != sorted(expected):
                problems.append(
                    f"{files[day]}: its {len(ids)} rows are not the {len(expected)} of {ref.label}"
                )
    return problems


def table_source(path: Path) -> str | None:
    """The rev a table file was built from ("D rev N"), from its Parquet metadata."""
    metadata = pq.read_schema(path).metadata or {}
    value = metadata.get(SOURCE_KEY)
    return value.decode() if value else None


# -- reading a day file back: its one decoder ----------------------------------------------------------
@dataclass(frozen=True)
class DayFile:
    """What a day file's footer says: its day, the rev it was built from, its rows and schema."""

    day: str
    source: SnapshotRef
    rows: int
    schema: pa.Schema


_CORE = ("id", "url", "outlet", "title", "text", "snapshot_date", "snapshot_rev", "is_duplicate")
_LABEL = re.compile(r"(\d{4}-\d{2}-\d{2}) rev ([1-9]\d{0,8})")


def decode_day_footer(metadata: pq.FileMetaData, day: str) -> DayFile:
    """A day file's footer, checked: built from a rev of its own day, every column of the table's schema
    with its type (an older version's file may lack later columns), none other. decode.Malformed names
    what is wrong."""
    schema = metadata.schema.to_arrow_schema()
    label = (schema.metadata or {}).get(SOURCE_KEY, b"").decode("utf-8", "replace")
    match = _LABEL.fullmatch(label)
    if match is None or match.group(1) != day:
        raise decode.Malformed(SOURCE_KEY.decode(), f"{label[:60]!r} is not a rev of {day}")
    for column in schema:
        if column.name not in TABLE_SCHEMA.names:
            raise decode.Malformed(column.name[:60], "is not a column of the table")
        if column.type != TABLE_SCHEMA.field(column.name).type:
            raise decode.Malformed(
                column.name, f"is {column.type}, not {TABLE_SCHEMA.field(column.name).type}"
            )
    if missing := [name for name in _CORE if name not in schema.names]:
        raise decode.Malformed("", f"it lacks the columns {missing}")
    return DayFile(day, SnapshotRef(day, int(match.group(2))), metadata.num_rows, schema)


def read_day_file(
    path: str | Path, day: str, *, name: str | None = None, filesystem: Any = None
) -> DayFile:
    """A day file's footer through decode_day_footer; DamagedObject naming it (`name`, default its
    path) and the repair."""
    try:
        return decode_day_footer(pq.read_metadata(path, filesystem=filesystem), day)
    except (decode.Malformed, OSError, ValueError, pa.ArrowException) as exc:
        raise DamagedObject(
            f"{name or path} is damaged ({type(exc).__name__}: {str(exc)[:200]}); its day is left out; "
            f"`newsarchive table rebuild --since {day} --until {day}` writes it again"
        ) from None
