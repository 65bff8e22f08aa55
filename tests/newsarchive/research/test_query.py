"""newsarchive/research/query.py through `newsarchive query`: the views over the current-articles table
(local and SeaweedFS S3), hostile SQL, damaged, older and stale day files (the command's formats, output
and stdin: tests/newsarchive/cli/test_query.py)."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from archive import table_record
from archive.current_table import refresh_day
from archive.readers import load_articles
from archive.snapshot import publish_snapshot
from archive.store import open_store
from archive.table_record import DayFile
from newsarchive.cli.main import main
from tests.archive.test_current_table import row
from tests.newsarchive.conftest import DAYS


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_articles_is_current_without_duplicates_and_matches_export(table_archive, capsys):
    code, out, _ = run(
        capsys,
        "query",
        "SELECT id, snapshot_date, snapshot_rev FROM articles ORDER BY id",
        "--archive",
        table_archive,
        "--format",
        "jsonl",
    )
    assert code == 0
    got = [json.loads(line) for line in out.splitlines()]
    expected = load_articles(open_store(table_archive, create=False), DAYS[0], DAYS[1])
    assert sorted(r["id"] for r in got) == sorted(expected.column("id").to_pylist())
    assert {(r["snapshot_date"], r["snapshot_rev"]) for r in got} == {
        ("2026-11-20", 1),
        ("2026-11-21", 2),
    }
    code, out, _ = run(
        capsys,
        "query",
        "SELECT count(*) AS n, count(*) FILTER (WHERE is_duplicate) AS d FROM articles_all",
        "--archive",
        table_archive,
        "--format",
        "csv",
    )
    assert list(csv.DictReader(io.StringIO(out))) == [{"n": "5", "d": "1"}]


@pytest.mark.parametrize(
    "sql, message",
    [
        ("SELEC 1", "query failed: Parser Error"),
        ("SELECT nope FROM articles", "query failed: Binder Error"),
        ("COPY articles TO '/tmp/newsarchive-stolen.csv'", "COPY statements are refused"),
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv() is not available"),
        ("INSTALL httpfs", "INSTALL statements are refused"),
        ("SET enable_external_access = true", "SET statements are refused"),
        ("SELECT 1/0::INTEGER + 'x'::INTEGER", "query failed: Conversion Error"),
        ("   ", "the query is empty"),
    ],
)
def test_bad_or_hostile_sql_is_one_line_and_exit_2(tmp_path, capsys, sql, message):
    store = open_store(tmp_path / "archive")
    publish_snapshot(store, DAYS[0], [row(1)], {})
    refresh_day(store, DAYS[0].isoformat())
    code, out, err = run(capsys, "query", sql, "--archive", str(tmp_path / "archive"))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_a_damaged_table_file_is_one_line_naming_the_repair(archive_url, capsys):
    store = open_store(archive_url)
    publish_snapshot(store, DAYS[0], [row(1)], {})
    store.put_bytes(
        "current/articles/2026-11-20.parquet", b"PAR1 not parquet at all PAR1", overwrite=True
    )
    publish_snapshot(store, DAYS[1], [row(2), row(3)], {})
    refresh_day(store, DAYS[1].isoformat())
    code, out, err = run(
        capsys,
        "query",
        "SELECT count(*) AS n FROM articles",
        "--archive",
        archive_url,
        "--format",
        "csv",
    )
    assert (code, out.splitlines()) == (0, ['"n"', "2"])  # the damaged day costs only itself
    assert (
        len(err.strip().splitlines()) == 1
        and "2026-11-20.parquet" in err
        and "table rebuild" in err
    ), err
    assert run(capsys, "table", "rebuild", "--archive", archive_url)[0] == 0
    code, out, _ = run(
        capsys,
        "query",
        "SELECT count(*) AS n FROM articles",
        "--archive",
        archive_url,
        "--format",
        "csv",
    )
    assert (code, out.splitlines()) == (0, ['"n"', "3"])


def test_a_day_file_an_older_version_wrote_is_read_by_column_name(tmp_path, capsys):
    from archive.current_table import day_table

    store = open_store(tmp_path / "archive")
    ref, _ = publish_snapshot(store, DAYS[0], [row(1, extractor="x 1")], {})
    publish_snapshot(store, DAYS[1], [row(2, extractor="x 2")], {})
    refresh_day(store, DAYS[1].isoformat())
    older = day_table(store, ref).drop_columns(
        ["extractor", "via"]
    )  # written before those columns existed
    pq.write_table(older, tmp_path / "old.parquet")
    sha = store.put_file(
        "current/articles/2026-11-20.parquet", tmp_path / "old.parquet", overwrite=True
    )
    size = (tmp_path / "old.parquet").stat().st_size
    table_record.commit(store, "2026-11-20", DayFile(sha, size, 1, ref.label))  # as it recorded it
    code, out, _ = run(
        capsys,
        "query",
        "SELECT id, extractor FROM articles ORDER BY id",
        "--archive",
        str(tmp_path / "archive"),
        "--format",
        "jsonl",
    )
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {"id": f"{1:016x}", "extractor": None},
        {"id": f"{2:016x}", "extractor": "x 2"},
    ]


def test_a_table_behind_the_snapshots_is_named_in_one_line(archive_url, capsys):
    store = open_store(archive_url)
    for day in DAYS:
        publish_snapshot(store, day, [row(1)], {})
        refresh_day(store, day.isoformat())
    publish_snapshot(
        store, DAYS[1], [row(1, carried_from="2026-11-21 rev 1"), row(2)], {}
    )  # no table refresh
    code, out, err = run(
        capsys,
        "query",
        "SELECT count(*) AS n FROM articles_all",
        "--archive",
        archive_url,
        "--format",
        "csv",
    )
    assert (code, out.splitlines()) == (0, ['"n"', "2"])
    assert err.strip() == (
        "newsarchive query: the current-articles table is behind the snapshots for 1 day(s) "
        "(2026-11-21); `newsarchive table rebuild` brings it up to date"
    )
    run(capsys, "table", "rebuild", "--archive", archive_url)
    code, out, err = run(
        capsys,
        "query",
        "SELECT count(*) AS n FROM articles_all",
        "--archive",
        archive_url,
        "--format",
        "csv",
    )
    assert (out.splitlines(), err) == (['"n"', "3"], "")
