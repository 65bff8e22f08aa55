"""`newsarchive export --format csv` (the one CSV sink: typed columns as a spreadsheet reads them) and the
reading commands over any date range (a day before the archive or after today is no error)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from archive.current_table import refresh_day
from archive.schema import TABLE_SCHEMA
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.test_current_table import row

DAYS = (date(2026, 11, 20), date(2026, 11, 21))
ANY = ("--since", "0001-01-01", "--until", "9999-12-31")


@pytest.fixture
def archive(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "search-cache"))
    store = open_store(tmp_path / "archive")
    for n, day in enumerate(DAYS):
        rows = [
            row(10 * n + 1, published=f"{day}T01:30:00+03:00", fetched_at=f"{day}T03:00:00Z"),
            row(10 * n + 2, outlet="anapress", published=str(day)),  # a day alone
            row(10 * n + 3, duplicate_of=f"{10 * n + 1:016x}", reason="near_duplicate"),
        ]
        publish_snapshot(store, day, rows, {})
        refresh_day(store, day.isoformat())
    return str(tmp_path / "archive")


def test_export_csv_has_the_tables_columns_typed_as_a_spreadsheet_reads_them(
    archive, tmp_path, capsys
):
    out = tmp_path / "articles.csv"
    assert main(["export", "--archive", archive, *ANY, "--format", "csv", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("4 articles written to")
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == TABLE_SCHEMA.names
    assert main(["query", "SELECT count(*) FROM articles", "--archive", archive]) == 0
    assert capsys.readouterr().out.splitlines()[1].strip() == str(len(rows))
    first = next(r for r in rows if r["id"] == f"{1:016x}")
    assert (first["published"], first["published_date"]) == ("2026-11-19T22:30:00Z", "2026-11-20")
    assert (first["fetched_at"], first["is_duplicate"]) == ("2026-11-20T03:00:00Z", "false")
    alone = next(r for r in rows if r["id"] == f"{2:016x}")
    assert (alone["published"], alone["published_date"]) == ("", "2026-11-20")
    frame = pd.read_csv(io.StringIO(text), parse_dates=["published", "fetched_at"])
    assert str(frame["published"].dtype).startswith("datetime64") and len(frame) == 4


def test_export_jsonl_and_parquet_carry_the_same_typed_rows(archive, tmp_path):
    jsonl, parquet = tmp_path / "a.jsonl", tmp_path / "a.parquet"
    for fmt, out in (("jsonl", jsonl), ("parquet", parquet)):
        assert main(["export", "--archive", archive, *ANY, "--format", fmt, "--out", str(out)]) == 0
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    frame = pd.read_parquet(parquet)
    assert [r["id"] for r in lines] == list(frame["id"])
    assert {r["id"]: r["published"] for r in lines}[f"{1:016x}"] == "2026-11-19T22:30:00+00:00"
    assert str(frame["published"].dtype) == "datetime64[us, UTC]"


@pytest.mark.parametrize(
    "argv",
    [
        ("snapshots", "list", *ANY),
        ("table", "check", *ANY),
        ("table", "rebuild", *ANY),
        ("captures", "https://www.orient-news.net/news/1", *ANY),
        ("search-index", *ANY),
        ("search", "نص", *ANY),
    ],
)
def test_reading_commands_take_any_date_range(archive, argv, capsys):
    code = main([*argv, "--archive", archive])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "out of range" not in err
    assert code in (0, 1), err  # 1: captures found none in a snapshot without WARCs


def test_stats_over_any_range_names_the_archives_days_only(archive, capsys):
    assert main(["search-index", "--archive", archive]) == 0
    capsys.readouterr()
    assert main(["stats", "--by", "day", "--format", "csv", *ANY, "--archive", archive]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    today = datetime.now(UTC).date()
    assert [r["day"] for r in rows] == [
        str(DAYS[0] + timedelta(days=n)) for n in range((today - DAYS[0]).days + 1)
    ]  # from the archive's first day to today: never a day before it or in the future
    assert [(r["matches"], r["total"], r["gap"]) for r in rows[:2]] == [("2", "2", "")] * 2
    assert {r["gap"] for r in rows[2:]} == {"anapress no_snapshot; orient no_snapshot"}
