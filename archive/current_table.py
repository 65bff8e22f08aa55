"""The current-articles table: one Parquet file per day under `current/articles/`, holding every row of
the day's newest complete rev with its provenance, read directly by DuckDB, pandas, pyarrow, Spark or Trino.

- `current/articles/<YYYY-MM-DD>.parquet`: the rows of the day's newest complete rev (carried rows
  included), in the schema of archive/schema.py (the snapshot's columns plus `snapshot_date`,
  `snapshot_rev` and `is_duplicate`; its version in the file's metadata). Duplicates
  are kept and flagged; readers that want the current articles take `NOT is_duplicate`.
- The directory has no hive partitions (a column that is also in the path is what broke pyarrow) and no
  other files, so `read_parquet('current/articles/*.parquet')` and `pd.read_parquet('current/articles')`
  read exactly the table.
- A day is one object written whole (a local rename, one S3 PUT), so a reader sees a day's old rev or
  its new one, never half of either. It is derived data, rewritten when a day gets a new rev, never
  under Object Lock; `rebuild` writes it again from the snapshots (each part checked against its
  manifest).
- Every day file is in the table's record (archive/table_record.py: SHA-256, size, rows, source rev),
  recorded before the file is replaced and committed after; readers take only what it vouches for
  (archive/table_read.py), so a file replaced or added by anything else is named and left out.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from archive import layout, stories, table_record
from archive.schema import ARTICLE_SCHEMA, SCHEMA_VERSION, stamped
from archive.snapshot import SnapshotRef, list_snapshots, newest_revs, read_parquet_parts
from archive.stat_cache import StatCache
from archive.store import ObjectNotFound, Store, StoreError, sha256_file
from archive.table_read import TableProblem, read_table_days
from archive.table_record import DayFile
from archive.table_schema import SOURCE_KEY, TABLE_SCHEMA, table_source_of
from common.errors import DamagedObject, NewsArchiveError
from common.files import cache_dir
from common.resources import DiskFull, exhausted

logger = logging.getLogger(__name__)

__all__ = [
    "TABLE_SCHEMA",
    "SOURCE_KEY",
    "check",
    "check_day",
    "day_table",
    "rebuild",
    "refresh_day",
]
_MAX_ATTEMPTS = 10
# days of the table a day's captures are matched to stories against: the revisit schedule's last age
# (+30 days) with a margin; a page seen again after longer starts a new story
STORY_LOOKBACK_DAYS = 45


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
    table = stories.assign(table, earlier_chains(store, ref.day, table))
    return stamped(table.replace_schema_metadata({}), {SOURCE_KEY: ref.label.encode()})


def earlier_chains(store: Store, day: str, rows: pa.Table) -> stories.Chains:
    """The stories of the table's days before `day` (STORY_LOOKBACK_DAYS of them, each file checked
    against the table's record; a file it does not vouch for is left out, as `query` leaves it out)
    that the day's `rows` may belong to."""
    until = date.fromisoformat(day) - timedelta(days=1)
    read = read_table_days(
        store,
        until - timedelta(days=STORY_LOOKBACK_DAYS - 1),
        until,
        cache=StatCache(cache_dir("table-verified.json")),  # a local file hashed once per version
        footers=False,
        in_memory=False,
    )
    wanted = [*stories.READS, *stories.STORY_COLUMNS, "snapshot_date"]
    tables = []
    for found in read.days:
        file = pq.ParquetFile(found.source())
        names = file.schema_arrow.names
        tables.append(file.read(columns=[n for n in wanted if n in names]))
    return stories.Chains.for_day(tables, rows)


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
            table_record.forget(store, {day})
            return None
        if ref == written:
            return ref
        try:
            with tempfile.TemporaryDirectory(prefix="newsarchive-table-") as tmp:
                local = Path(tmp) / "day.parquet"
                table = day_table(store, ref)
                pq.write_table(table, local, compression="zstd", row_group_size=64 * 1024)
                entry = DayFile(
                    sha256_file(local),
                    local.stat().st_size,
                    table.num_rows,
                    ref.label,
                    SCHEMA_VERSION,
                )
                table_record.begin(store, day, entry)  # readers accept the new file from here on
                sent = store.put_file(
                    layout.current_table_key(day), local, overwrite=True
                )  # derived, rewritten: never locked
                if sent != entry.sha256:
                    raise StoreError(
                        f"{layout.current_table_key(day)}: the file changed while sent"
                    )
                table_record.commit(store, day, entry)
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
    gone: set[str] = set()
    for info in list(store.list(layout.CURRENT_TABLE_PREFIX)):
        day = layout.current_table_day(info.key)
        if day is None or (low <= day <= high and day not in days):
            store.delete(info.key)
            gone |= {day} if day else set()
    record = table_record.load_or_empty(store)
    gone |= {d for d in record.days if low <= d <= high and d not in days}
    if gone:
        table_record.forget(store, gone)
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


def _problems(
    store: Store, since: date | None, until: date | None, whole: bool = True
) -> list[TableProblem]:
    """What is wrong with the table's files; `whole` (table check) also names a table behind the
    snapshots and a day whose snapshot cannot be read to compare it with (`snapshots verify` names that
    itself)."""
    newest = {ref.day: ref for ref in newest_revs(store, since, until)}
    read = read_table_days(store, since, until)
    problems = list(read.problems)
    flagged = {p.key for p in read.problems}
    files = {d.day: d for d in read.days}
    problems += [
        TableProblem(files[day].key, f"{files[day].key}: {day} has no complete snapshot")
        for day in sorted(set(files) - set(newest))
    ]
    for day, ref in sorted(newest.items()):
        key = layout.current_table_key(day)
        if day not in files:
            if key not in flagged and whole:
                problems.append(
                    TableProblem(key, f"{key}: missing (the newest rev of {day} is {ref.rev})")
                )
            continue
        source = table_source_of(files[day].schema)
        if source != ref.label or files[day].entry.source != ref.label:
            if not whole:
                continue
            problems.append(
                TableProblem(
                    key, f"{key}: built from {source}, the newest complete rev is {ref.label}"
                )
            )
            continue
        if files[day].entry.schema != SCHEMA_VERSION:
            if whole:
                problems.append(
                    TableProblem(
                        key,
                        f"{key}: in schema {files[day].entry.schema} (read converted); "
                        f"`newsarchive table rebuild` writes it in schema {SCHEMA_VERSION}",
                    )
                )
            continue
        have = pq.read_table(files[day].source())
        try:
            expected = day_table(store, ref)
        except DamagedObject as exc:
            if whole:
                problems.append(
                    TableProblem(key, f"{key}: cannot be compared with {ref.label}: {exc}")
                )
            continue
        if not have.equals(expected):
            problems.append(
                TableProblem(
                    key,
                    f"{key}: its {have.num_rows} rows are not the {expected.num_rows} rows of "
                    f"{ref.label} as they are",
                )
            )
    return problems


def check(store: Store, since: date | None = None, until: date | None = None) -> list[str]:
    """What differs between the table and the snapshots in [since, until] (empty: the table is right):
    a file its record does not vouch for (replaced, added, unreadable, missing, a damaged record), a day
    whose file is missing, built from another rev or not holding exactly its rows, a file of a day that
    has no complete rev, and an object in the table's directory that is not a day file."""
    return [str(p) for p in _problems(store, since, until)]


def check_day(store: Store, day: str) -> list[str]:
    """What is wrong with one day's table file as it is (and with the record): not vouched for by the
    record, or not holding exactly its rev's rows. A table behind the snapshots is not wrong: derived
    data not written yet (`check` and `query` name it)."""
    mine = {layout.current_table_key(day), layout.CURRENT_TABLE_RECORD}
    one = date.fromisoformat(day)
    return [str(p) for p in _problems(store, one, one, whole=False) if p.key in mine]


def table_source(path: Path) -> str | None:
    """The rev a table file was built from ("D rev N"), from its Parquet metadata."""
    metadata = pq.read_schema(path).metadata or {}
    value = metadata.get(SOURCE_KEY)
    return value.decode() if value else None
