"""The current-articles table: the newest complete rev of each day, duplicates flagged, rewritten whole
when a day gets a new rev, rebuildable from the snapshots; on a local directory and on SeaweedFS S3."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from archive import layout
from archive.current_table import (
    TABLE_SCHEMA,
    rebuild,
    refresh_day,
    table_source,
)
from archive.readers import load_articles
from archive.records import ArchivedRow
from archive.snapshot import SnapshotRef, claim_rev, publish_snapshot
from archive.store import open_store

DAY = date(2026, 11, 21)


def row(n: int, outlet: str = "orient", **kw) -> ArchivedRow:
    url = f"https://www.orient-news.net/news/{n}"
    fields = dict(
        id=f"{n:016x}",
        url=url,
        canonical_url=url,
        outlet=outlet,
        title=f"عنوان {n}",
        author=None,
        published=f"2026-11-21T0{n % 10}:00:00+03:00",
        date_source="jsonld",
        modified=None,
        language="ar",
        text=f"نص المقال {n}",
    )
    return ArchivedRow(**{**fields, **kw})


def table_of(store, day: date = DAY):
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "t.parquet"
        store.download(layout.current_table_key(day.isoformat()), local)
        return pq.read_table(local), table_source(local)


def test_table_after_a_rerun_holds_only_the_newest_rev_with_duplicates_flagged(archive_url):
    store = open_store(archive_url)
    publish_snapshot(
        store, DAY, [row(1), row(2), row(3, duplicate_of=f"{1:016x}", reason="near_duplicate")], {}
    )
    assert refresh_day(store, DAY.isoformat()) == SnapshotRef(DAY.isoformat(), 1)
    table, source = table_of(store)
    assert source == "2026-11-21 rev 1"
    assert table.schema.remove_metadata() == TABLE_SCHEMA
    assert dict(
        zip(table.column("id").to_pylist(), table.column("is_duplicate").to_pylist(), strict=True)
    ) == {f"{1:016x}": False, f"{2:016x}": False, f"{3:016x}": True}

    # the rerun: rev 2 carries 1 and 3 forward, captures 2 again with new text, adds 4 (a duplicate of 2)
    rerun = [
        row(1, carried_from="2026-11-21 rev 1"),
        row(3, duplicate_of=f"{1:016x}", carried_from="2026-11-21 rev 1"),
        ArchivedRow(**{**row(2).to_dict(), "id": "00000000000000f2", "text": "نص جديد"}),
        row(4, duplicate_of="00000000000000f2"),
    ]
    publish_snapshot(store, DAY, rerun, {})
    refresh_day(store, DAY.isoformat())
    table, source = table_of(store)
    assert source == "2026-11-21 rev 2"
    assert set(table.column("snapshot_rev").to_pylist()) == {2}
    assert (
        f"{2:016x}" not in table.column("id").to_pylist()
    )  # rev 1's capture of 2 is gone from the table
    current = sorted(table.filter(~ds.field("is_duplicate")).column("id").to_pylist())
    assert current == sorted([f"{1:016x}", "00000000000000f2"])
    assert current == sorted(
        load_articles(store, DAY, DAY).column("id").to_pylist()
    )  # what export returns
    assert sorted(table.filter(ds.field("is_duplicate")).column("id").to_pylist()) == [
        f"{3:016x}",
        f"{4:016x}",
    ]


def test_an_incomplete_rev_never_reaches_the_table(archive_url):
    store = open_store(archive_url)
    publish_snapshot(store, DAY, [row(1)], {})
    claim_rev(store, DAY, "a-run-that-died")  # rev 2 claimed, never completed
    assert refresh_day(store, DAY.isoformat()) == SnapshotRef(DAY.isoformat(), 1)
    assert table_of(store)[1] == "2026-11-21 rev 1"


def test_rebuild_writes_every_day_and_removes_what_is_not_the_table(tmp_path):
    store = open_store(tmp_path / "archive")
    for n, day in enumerate([date(2026, 11, 20), date(2026, 11, 21)]):
        publish_snapshot(store, day, [row(10 + n), row(20 + n)], {})
    store.put_bytes(layout.current_table_key("2026-11-19"), b"a day that has no snapshot")
    store.put_bytes(f"{layout.CURRENT_TABLE_PREFIX}notes.txt", b"not a day")
    refs = rebuild(store)
    assert [r.label for r in refs] == ["2026-11-20 rev 1", "2026-11-21 rev 1"]
    keys = sorted(info.key for info in store.list(layout.CURRENT_TABLE_PREFIX))
    assert keys == [layout.current_table_key("2026-11-20"), layout.current_table_key("2026-11-21")]
    # a range leaves the days outside it alone
    store.put_bytes(layout.current_table_key("2026-11-01"), b"outside the range")
    rebuild(store, date(2026, 11, 20), date(2026, 11, 20))
    assert store.exists(layout.current_table_key("2026-11-01"))


def test_pyarrow_and_pandas_read_the_table_directory(tmp_path):
    """Before: `Field outlet has incompatible types: string vs dictionary` (outlet in the files and the
    hive path) and a failure on index.npz."""
    pd = pytest.importorskip("pandas")
    store = open_store(tmp_path / "archive")
    for day in (date(2026, 11, 20), date(2026, 11, 21)):
        publish_snapshot(store, day, [row(1, outlet="orient"), row(2, outlet="anapress")], {})
        refresh_day(store, day.isoformat())
    directory = tmp_path / "archive" / layout.CURRENT / "articles"
    assert ds.dataset(directory, format="parquet").to_table().num_rows == 4
    assert len(pd.read_parquet(directory)) == 4
    assert pq.read_table(directory).schema.field("outlet").type == TABLE_SCHEMA.field("outlet").type


def test_check_names_every_difference_between_the_table_and_the_snapshots(tmp_path):
    from archive.current_table import check, day_table

    store = open_store(tmp_path / "archive")
    ref1, _ = publish_snapshot(store, DAY, [row(1), row(2)], {})
    refresh_day(store, DAY.isoformat())
    assert check(store) == []
    publish_snapshot(
        store,
        DAY,
        [row(1, carried_from="2026-11-21 rev 1"), row(2, carried_from="2026-11-21 rev 1"), row(3)],
        {},
    )  # rev 2 published; its publisher died before the table
    publish_snapshot(store, date(2026, 11, 22), [row(4)], {})  # and a day without its file
    store.put_bytes(layout.current_table_key("2026-11-19"), b"a day without a snapshot")
    problems = check(store)
    repair = "`newsarchive table rebuild` writes the table and its record again from the snapshots"
    assert problems == [
        "current/articles/2026-11-19.parquet: not in the table's record (added by something other "
        f"than newsarchive); left out; {repair}",
        "current/articles/2026-11-21.parquet: built from 2026-11-21 rev 1, the newest complete rev is 2026-11-21 rev 2",
        "current/articles/2026-11-22.parquet: missing (the newest rev of 2026-11-22 is 1)",
    ]
    rebuild(store)
    assert check(store) == []
    # a file that says it is rev 2 and holds rev 1's rows, put there by anything but the table's writer
    other = day_table(store, ref1).replace_schema_metadata(
        {b"newsarchive.snapshot": b"2026-11-21 rev 2"}
    )
    pq.write_table(other, tmp_path / "x.parquet")
    store.put_file(layout.current_table_key("2026-11-21"), tmp_path / "x.parquet", overwrite=True)
    size = (tmp_path / "x.parquet").stat().st_size
    assert check(store) == [
        f"current/articles/2026-11-21.parquet: replaced: its {size:,} bytes are not the file the "
        "table's record holds for 2026-11-21 (written by something other than newsarchive); left "
        f"out; {repair}"
    ]
