"""The current-articles table is verifiable: a day file replaced or added by anything but newsarchive, a
damaged or missing record, a stray object in the table's directory are named and left out by `query`,
named by `table check` and `snapshots verify` (exit 1), and `table rebuild` repairs them. Each case is
a row of `edges (table record)` in `make test`'s summary."""

from __future__ import annotations

import json
import shutil
import time
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archive import layout
from archive.current_table import day_table, refresh_day
from archive.snapshot import SnapshotRef, publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.test_current_table import row
from tests.report import edge_row

D1, D2, D3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)
GOOD_TITLES = {f"عنوان {n}" for n in (1, 2, 11, 12, 13)}


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def archive(tmp_path) -> Path:
    """Two days in the table (the second rerun: rev 2), and a third day with a snapshot only."""
    path = tmp_path / "archive"
    store = open_store(path)
    publish_snapshot(store, D1, [row(1), row(2, outlet="anapress")], {})
    refresh_day(store, D1.isoformat())
    publish_snapshot(store, D2, [row(11), row(12)], {})
    refresh_day(store, D2.isoformat())
    shutil.copy(path / layout.current_table_key(D2.isoformat()), tmp_path / "d2-rev1.parquet")
    publish_snapshot(store, D2, [row(11), row(12), row(13)], {})
    refresh_day(store, D2.isoformat())
    publish_snapshot(store, D3, [row(21)], {})  # the table never had it (a publisher died)
    return path


def _forged(archive: Path, tmp: Path, day: date, into: date | None = None) -> None:
    """A day's rows with their titles replaced, written where `into`'s file is, as pyarrow would."""
    store = open_store(archive, create=False)
    table = day_table(store, SnapshotRef(day.isoformat(), 2 if day == D2 else 1))
    titles = table.column("title").to_pylist()
    table = table.set_column(
        table.schema.get_field_index("title"), "title", [["FORGED"] * len(titles)]
    )
    pq.write_table(table, archive / layout.current_table_key((into or day).isoformat()))


def _record(archive: Path) -> Path:
    return archive / layout.CURRENT_TABLE_RECORD


def _edit_record(archive: Path, change: Callable[[dict], None]) -> None:
    body = json.loads(_record(archive).read_text())
    change(body)
    _record(archive).write_text(json.dumps(body))


CASES: dict[str, tuple[Callable[[Path, Path], None], str, list[date]]] = {
    # name: (what is done, the key the tools must name, the days `snapshots verify` must fail)
    "a day file replaced by one with forged titles": (
        lambda a, t: _forged(a, t, D2),
        "current/articles/2026-11-21.parquet",
        [D2],
    ),
    "a day file replaced by another day's real file": (
        lambda a, t: shutil.copy(
            a / layout.current_table_key(D1.isoformat()), a / layout.current_table_key("2026-11-21")
        ),
        "current/articles/2026-11-21.parquet",
        [D2],
    ),
    "a day file put back to its previous rev": (
        lambda a, t: shutil.copy(t / "d2-rev1.parquet", a / layout.current_table_key("2026-11-21")),
        "current/articles/2026-11-21.parquet",
        [D2],
    ),
    "a day file added for a day with a snapshot": (
        lambda a, t: _forged(a, t, D1, into=D3),
        "current/articles/2026-11-22.parquet",
        [D3],
    ),
    "a day file added for a day without one": (
        lambda a, t: _forged(a, t, D1, into=date(2026, 11, 25)),
        "current/articles/2026-11-25.parquet",
        [],
    ),
    "a stray file in the table's directory": (
        lambda a, t: (a / "current/articles/notes.txt").write_text("x"),
        "current/articles/notes.txt",
        [],
    ),
    "a truncated day file": (
        lambda a, t: (a / layout.current_table_key("2026-11-21")).write_bytes(
            (a / layout.current_table_key("2026-11-21")).read_bytes()[:100]
        ),
        "current/articles/2026-11-21.parquet",
        [D2],
    ),
    "an empty day file": (
        lambda a, t: (a / layout.current_table_key("2026-11-21")).write_bytes(b""),
        "current/articles/2026-11-21.parquet",
        [D2],
    ),
    "a deleted day file": (
        lambda a, t: (a / layout.current_table_key("2026-11-21")).unlink(),
        "current/articles/2026-11-21.parquet",
        [D2],
    ),
    "a day's entry removed from the record": (
        lambda a, t: _edit_record(a, lambda b: b["days"].pop("2026-11-21")),
        "current/articles/2026-11-21.parquet",
        [D2],
    ),
    "a deleted record": (
        lambda a, t: _record(a).unlink(),
        "current/articles.record.json",
        [D1, D2],
    ),
    "a record that is not JSON": (
        lambda a, t: _record(a).write_bytes(b"\x00\xffnot json"),
        "current/articles.record.json",
        [D1, D2],
    ),
    "a record with a size that is text": (
        lambda a, t: _edit_record(a, lambda b: b["days"]["2026-11-20"].update(size="10")),
        "current/articles.record.json",
        [D1, D2],
    ),
    "a record without a SHA-256": (
        lambda a, t: _edit_record(a, lambda b: b["days"]["2026-11-20"].pop("sha256")),
        "current/articles.record.json",
        [D1, D2],
    ),
    "a record of another format": (
        lambda a, t: _edit_record(a, lambda b: b.update(format=7)),
        "current/articles.record.json",
        [D1, D2],
    ),
}


def _cli(capsys, *argv: str) -> tuple[int | None, str, str, bool]:
    try:
        code: int | None = main(list(argv))
        escaped = False
    except BaseException:  # noqa: BLE001 (anything escaping main is what this test counts)
        code, escaped = None, True
        traceback.print_exc()
    out, err = capsys.readouterr()
    return code, out, err, escaped or "Traceback" in err


@pytest.mark.slow  # five CLI commands per case
@pytest.mark.parametrize("case", list(CASES))
def test_a_file_the_record_does_not_vouch_for_is_named_and_never_served(
    archive, tmp_path, capsys, case
):
    damage, key, days = CASES[case]
    damage(archive, tmp_path)
    a = str(archive)
    code, out, err, tb1 = _cli(
        capsys, "query", "SELECT title FROM articles", "--archive", a, "--format", "jsonl"
    )
    titles = {json.loads(line)["title"] for line in out.splitlines()}
    forged = "FORGED" in titles or not titles <= GOOD_TITLES
    left_out = {"2026-11-21"} if "2026-11-21" in key else set()
    if key == layout.CURRENT_TABLE_RECORD:
        left_out = {"2026-11-20", "2026-11-21"}
    expected = {
        t
        for t in GOOD_TITLES
        if not ({"2026-11-20"} & left_out and t in {"عنوان 1", "عنوان 2"})
        and not ({"2026-11-21"} & left_out and t in {"عنوان 11", "عنوان 12", "عنوان 13"})
    }
    lost = len(expected - titles)
    query_held = code == 0 and key in err and "table rebuild" in err
    code, out, err, tb2 = _cli(capsys, "table", "check", "--archive", a)
    check_held = code == 1 and key in out
    verified = []
    tb3 = False
    for day in days:
        code, out, err, tb = _cli(capsys, "snapshots", "verify", day.isoformat(), "--archive", a)
        verified.append(code == 1 and key in err)
        tb3 |= tb
    code, out, err, tb4 = _cli(capsys, "table", "rebuild", "--archive", a)
    code, out, err, tb5 = _cli(capsys, "table", "check", "--archive", a)
    repaired = code == 0 and "0 problems" in out
    held = query_held and check_held and all(verified) and repaired and not forged
    escaped = tb1 or tb2 or tb3 or tb4 or tb5
    edge_row("table record", held=held, traceback=escaped, forged=forged, lost=lost)
    assert (query_held, check_held, verified, repaired) == (True, True, [True] * len(days), True)
    assert not forged and not escaped and lost == 0


@pytest.mark.slow  # waits for the day files to be older than the clock's tick could hide
def test_a_day_file_written_to_while_a_query_reads_it_fails_the_query(archive, tmp_path):
    """A local day file is read where it lies: one rewritten in place meanwhile (as pandas'
    `to_parquet` does) makes the result untrustworthy, and `confirm()` says so; a day replaced by
    newsarchive's own writer meanwhile does not (its file was recorded before it was written)."""
    from archive.stat_cache import MIN_AGE_NS
    from newsarchive.research.query import QueryError, connect

    store = open_store(archive, create=False)
    day_file = archive / layout.current_table_key(D2.isoformat())
    time.sleep(MIN_AGE_NS / 1e9 + 0.1)  # old enough to be read where they lie
    with connect(store) as sandbox:
        relation = sandbox.run("SELECT count(*) FROM articles")
        publish_snapshot(store, D2, [row(11), row(12), row(13), row(14)], {})
        refresh_day(store, D2.isoformat())  # rev 3, by the writer: recorded first
        relation.fetchall()
        sandbox.confirm()
    time.sleep(MIN_AGE_NS / 1e9 + 0.1)
    with connect(store) as sandbox:
        relation = sandbox.run("SELECT title FROM articles")
        forged = pq.read_table(day_file)
        with day_file.open("r+b") as fh:  # in place: same inode, new bytes
            pq.write_table(forged.slice(0, 1), fh)
            fh.truncate()
        relation.fetchall()
        with pytest.raises(QueryError, match="2026-11-21.parquet: written to while it was read"):
            sandbox.confirm()
    edge_row("table record", held=True)
