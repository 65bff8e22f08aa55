"""newsarchive/cli/query.py: `newsarchive query` writes the result in the format asked for (a table for
reading, every row in CSV, JSON Lines or Parquet), to stdout or to a file that appears only once the
result is whole; reads SQL from stdin; says how to build a missing table; and `table check|rebuild`
(the views and the sandbox: tests/newsarchive/research/test_query.py)."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from archive.current_table import refresh_day
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from newsarchive.cli.query import MAX_SQL, MAX_TABLE_ROWS
from tests.archive.test_current_table import row
from tests.newsarchive.conftest import DAYS


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def empty(tmp_path) -> str:
    """An archive with nothing in it yet: queries that read no table."""
    (tmp_path / "archive").mkdir()
    return str(tmp_path / "archive")


def test_formats_table_csv_parquet(table_archive, capsys, tmp_path):
    sql = "SELECT outlet, count(*) AS articles FROM articles GROUP BY outlet ORDER BY outlet"
    code, out, _ = run(capsys, "query", sql, "--archive", table_archive)
    assert code == 0 and out.splitlines()[0].split() == ["outlet", "articles"] and "(3 rows)" in out
    query = ("query", sql, "--archive", table_archive)
    code, _, _ = run(capsys, *query, "--format", "csv", "--output", str(tmp_path / "c.csv"))
    assert (tmp_path / "c.csv").read_text().splitlines() == [
        '"outlet","articles"',
        '"anapress",1',
        '"euronews",1',
        '"orient",2',
    ]
    code, _, _ = run(capsys, *query, "--format", "parquet", "--output", str(tmp_path / "c.parquet"))
    assert pq.read_table(tmp_path / "c.parquet").to_pydict() == {
        "outlet": ["anapress", "euronews", "orient"],
        "articles": [1, 1, 2],
    }


def test_parquet_needs_output_and_an_archive_without_table_says_how(tmp_path, capsys):
    store = open_store(tmp_path / "archive")
    publish_snapshot(store, DAYS[0], [row(1)], {})
    code, _, err = run(
        capsys, "query", "SELECT 1", "--archive", str(tmp_path / "archive"), "--format", "parquet"
    )
    assert code == 2 and "--format parquet needs --output FILE" in err
    count = ("query", "SELECT count(*) AS n FROM articles", "--archive", str(tmp_path / "archive"))
    code, out, err = run(capsys, *count, "--format", "csv")
    assert code == 0 and out.splitlines() == ['"n"', "0"] and "newsarchive table rebuild" in err
    code, out, _ = run(capsys, "table", "rebuild", "--archive", str(tmp_path / "archive"))
    assert code == 0 and "2026-11-20  from rev 1" in out
    code, out, _ = run(capsys, *count, "--format", "csv")
    assert out.splitlines() == ['"n"', "1"]


def test_output_that_cannot_be_written_is_one_line(table_archive, capsys, tmp_path):
    (tmp_path / "file").write_text("")
    code, _, err = run(
        capsys,
        "query",
        "SELECT 1",
        "--archive",
        table_archive,
        "--format",
        "csv",
        "--output",
        str(tmp_path / "file" / "x.csv"),
    )
    assert code == 2 and "cannot write --output" in err and len(err.strip().splitlines()) == 1


def test_sql_from_stdin(table_archive, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT count(*) AS n\nFROM articles\n"))
    code, out, _ = run(capsys, "query", "-", "--archive", table_archive, "--format", "csv")
    assert (code, out.splitlines()) == (0, ['"n"', "4"])


def test_the_table_is_for_reading_every_cell_shown_not_obeyed(empty, capsys):
    sql = (
        "SELECT range AS n, 'x' || chr(27) || '[31m' || chr(8238) AS s, NULL AS z, "
        "repeat('ب', 80) AS long FROM range(2)"
    )
    code, out, err = run(capsys, "query", sql, "--archive", empty)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["n", "s", "z", "long"] and lines[-1] == "(2 rows)"
    assert "x\\x1b[31m\\u202e" in lines[1] and "\x1b" not in out and "\u202e" not in out
    assert "NULL" in lines[1] and "ب" * 59 + "…" in lines[1] and "ب" * 60 not in out
    code, out, _ = run(capsys, "query", "SELECT 1 AS one", "--archive", empty)
    assert out.splitlines()[-1] == "(1 row)"


def test_the_table_shows_the_first_rows_and_says_how_to_get_them_all(empty, capsys):
    sql = f"SELECT range AS n FROM range({MAX_TABLE_ROWS + 5})"
    code, out, _ = run(capsys, "query", sql, "--archive", empty)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 1 + MAX_TABLE_ROWS + 1
    assert lines[-1] == f"(the first {MAX_TABLE_ROWS} rows; --format csv or jsonl gives them all)"
    code, out, _ = run(capsys, "query", sql, "--archive", empty, "--format", "jsonl")
    assert len(out.splitlines()) == MAX_TABLE_ROWS + 5


def test_jsonl_writes_dates_and_times_as_iso_text(empty, capsys):
    sql = "SELECT DATE '2026-11-21' AS d, TIMESTAMPTZ '2026-11-21 03:00:00+00' AS t, [1, 2] AS l"
    code, out, _ = run(capsys, "query", sql, "--archive", empty, "--format", "jsonl")
    assert code == 0
    assert json.loads(out) == {"d": "2026-11-21", "t": "2026-11-21T03:00:00+00:00", "l": [1, 2]}


def test_an_output_file_appears_only_once_the_result_is_whole(empty, capsys, tmp_path):
    """A query that fails part way through its rows leaves the file as it was, and nothing half-written."""
    out_file = tmp_path / "out" / "result.csv"
    assert (
        run(
            capsys,
            "query",
            "SELECT 1 AS n",
            "--archive",
            empty,
            "--output",
            str(out_file),
            "--format",
            "csv",
        )[0]
        == 0
    )
    assert out_file.read_text().splitlines() == ['"n"', "1"]
    failing = "SELECT CAST(x AS INTEGER) AS i FROM (VALUES ('1'), ('x')) t(x)"
    code, _, err = run(
        capsys, "query", failing, "--archive", empty, "--format", "csv", "--output", str(out_file)
    )
    assert code == 2 and "query failed: Conversion Error" in err and err.count("\n") == 1
    assert out_file.read_text().splitlines() == ['"n"', "1"]
    assert sorted(p.name for p in out_file.parent.iterdir()) == ["result.csv"]


def test_sql_on_stdin_longer_than_the_limit_is_refused(empty, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("SELECT 1 " + " " * MAX_SQL))
    code, out, err = run(capsys, "query", "-", "--archive", empty)
    assert (code, out) == (2, "")
    assert f"the SQL on stdin is longer than {MAX_SQL:,} characters" in err


def test_table_check_names_each_difference_and_rebuild_mends_them(tmp_path, capsys):
    store = open_store(tmp_path / "archive")
    for n, day in enumerate(DAYS):
        publish_snapshot(store, day, [row(n + 1)], {})
    refresh_day(store, DAYS[0].isoformat())  # the second day's file was never written
    archive = str(tmp_path / "archive")
    code, out, _ = run(capsys, "table", "check", "--archive", archive)
    lines = out.splitlines()
    assert code == 1 and lines[-1] == (
        "current-articles table: 1 problems; `newsarchive table rebuild` writes it again"
    )
    assert len(lines) == 2 and lines[0].startswith("PROBLEM ") and "2026-11-21" in lines[0]
    code, out, _ = run(capsys, "table", "rebuild", "--archive", archive, "--since", "2026-11-21")
    assert (code, out.splitlines()) == (
        0,
        ["2026-11-21  from rev 1", "current-articles table: 1 days written"],
    )
    code, out, _ = run(capsys, "table", "check", "--archive", archive)
    assert (code, out) == (0, "current-articles table: 0 problems\n")
