"""The current-articles table's record: written with every day file, read by one decoder that names any
malformation, and kept right by concurrent writers."""

from __future__ import annotations

import json
import random
import threading
from datetime import date, timedelta

import pytest

from archive import layout, table_record
from archive.current_table import refresh_day
from archive.snapshot import DamagedObject, publish_snapshot
from archive.store import open_store
from archive.table_read import read_table_days
from archive.table_record import DayFile, TableRecord, decode
from tests.archive.test_current_table import DAY, row

SHA = "a" * 64


def test_every_day_file_is_recorded_with_its_sha256_size_rows_and_source(archive_url):
    store = open_store(archive_url)
    publish_snapshot(store, DAY, [row(1), row(2)], {})
    refresh_day(store, DAY.isoformat())
    record = table_record.load(store)
    assert record is not None and set(record.days) == {DAY.isoformat()} and not record.writing
    entry = record.days[DAY.isoformat()]
    data = store.get_bytes(layout.current_table_key(DAY.isoformat()))
    assert (entry.size, entry.rows, entry.source) == (len(data), 2, "2026-11-21 rev 1")
    read = read_table_days(store)
    assert [d.day for d in read.days] == [DAY.isoformat()] and not read.problems
    # the table's directory still holds Parquet files only: the record is beside it
    assert [i.key for i in store.list(layout.CURRENT_TABLE_PREFIX)] == [
        layout.current_table_key(DAY.isoformat())
    ]


def test_a_file_being_written_is_accepted_while_the_old_one_is_there_too():
    old, new = DayFile(SHA, 10, 1, "2026-11-21 rev 1"), DayFile("b" * 64, 12, 2, "2026-11-21 rev 2")
    record = TableRecord({"2026-11-21": old}, {"2026-11-21": (new,)})
    assert record.accepts("2026-11-21", SHA, 10) == old
    assert record.accepts("2026-11-21", "b" * 64, 12) == new
    assert record.accepts("2026-11-21", "c" * 64, 12) is None
    assert decode(record.to_bytes()) == record


def test_concurrent_writers_of_different_days_keep_every_day(tmp_path):
    store = open_store(tmp_path / "archive")
    days = [DAY + timedelta(days=n) for n in range(6)]
    for n, day in enumerate(days):
        publish_snapshot(store, day, [row(n + 1)], {})
    threads = [threading.Thread(target=refresh_day, args=(store, d.isoformat())) for d in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    record = table_record.load(store)
    assert record is not None and sorted(record.days) == [d.isoformat() for d in days]
    assert not record.writing and not read_table_days(store).problems


VALID = {
    "format": 1,
    "days": {"2026-11-21": {"sha256": SHA, "size": 10, "rows": 1, "source": "2026-11-21 rev 1"}},
    "writing": {
        "2026-11-21": [{"sha256": "b" * 64, "size": 12, "rows": 2, "source": "2026-11-21 rev 2"}]
    },
}


def _mutations(rng: random.Random):
    """Type swaps, deleted keys and impossible values in every place of the record."""
    swaps = [None, [], {}, "x", 1.5, -1, True, "2026-11-21", 10**30, "a" * 64]
    paths = [
        ("format",),
        ("days",),
        ("writing",),
        ("days", "2026-11-21"),
        ("writing", "2026-11-21"),
        *[("days", "2026-11-21", k) for k in ("sha256", "size", "rows", "source")],
    ]
    for path in paths:
        for value in [*swaps, "DELETE"]:
            body = json.loads(json.dumps(VALID))
            node = body
            for part in path[:-1]:
                node = node[part]
            if value == "DELETE":
                del node[path[-1]]
            else:
                node[path[-1]] = value
            yield json.dumps(body).encode()
    body = json.loads(json.dumps(VALID))
    body["days"]["not-a-day"] = body["days"]["2026-11-21"]
    yield json.dumps(body).encode()
    body["days"]["2026-11-22"] = body["days"].pop("not-a-day")  # a source of another day
    yield json.dumps(body).encode()
    raw = json.dumps(VALID).encode()
    for _ in range(300):  # byte flips and truncations
        data = bytearray(raw)
        if rng.random() < 0.5:
            data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            data = data[: rng.randrange(len(data))]
        yield bytes(data)
    yield b"[" * 100_000 + b"]" * 100_000
    yield b"\xff\xfe" + raw


def test_the_decoder_names_any_malformation_and_nothing_else_escapes():
    rng = random.Random(24)
    outcomes = {"valid": 0, "damaged": 0}
    for data in _mutations(rng):
        try:
            record = decode(data)
        except DamagedObject as exc:
            assert str(exc).startswith(f"{layout.CURRENT_TABLE_RECORD}: damaged (")
            assert "newsarchive table rebuild" in str(exc)
            outcomes["damaged"] += 1
            continue
        assert decode(record.to_bytes()) == record  # whatever it accepts is a whole record
        outcomes["valid"] += 1
    assert outcomes["damaged"] > 100 and outcomes["valid"] >= 1


@pytest.mark.parametrize("data", [b"", b"{}", b"null", json.dumps({**VALID, "format": 2}).encode()])
def test_a_damaged_record_is_replaced_by_the_next_write_and_named_until_then(tmp_path, data):
    store = open_store(tmp_path / "archive")
    publish_snapshot(store, DAY, [row(1)], {})
    store.put_bytes(layout.CURRENT_TABLE_RECORD, data)
    read = read_table_days(store)
    assert not read.days and [p.key for p in read.problems] == [layout.CURRENT_TABLE_RECORD]
    refresh_day(store, DAY.isoformat())
    read = read_table_days(store)
    assert [d.day for d in read.days] == [DAY.isoformat()] and not read.problems


def test_a_day_without_a_complete_rev_leaves_the_record_with_its_file(tmp_path):
    store = open_store(tmp_path / "archive")
    publish_snapshot(store, DAY, [row(1)], {})
    refresh_day(store, DAY.isoformat())
    store.delete_prefix(layout.day_prefix(DAY))
    assert refresh_day(store, DAY.isoformat()) is None
    record = table_record.load(store)
    assert record is not None and not record.days
    assert not list(store.list(layout.CURRENT_TABLE_PREFIX))
    assert read_table_days(store, DAY, date(2026, 11, 30)).problems == ()
