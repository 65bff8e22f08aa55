"""newsarchive/cli/csv_out.py: the CSV sink. Text cells can never be formulas and show their controls,
numbers, dates and booleans stay values, zoned times are ISO 8601 UTC, nested and binary values their
JSON text, and a reader without rows still gives its header."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pyarrow as pa

from newsarchive.cli.csv_out import write_csv, write_rows


def _csv(table: pa.Table, max_chunksize: int | None = None) -> list[list[str]]:
    out = io.StringIO()
    write_csv(pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize)), out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_text_is_never_a_formula_and_values_stay_values():
    table = pa.table(
        {
            "title": ['=HYPERLINK("http://evil")', "خبر عاجل", "+1", None],
            "words": [3, 2, 1, None],
            "day": [date(2026, 11, 21)] * 4,
            "fetched_at": pa.array(
                [datetime(2026, 11, 21, 3, 38, 48, tzinfo=UTC)] * 4, pa.timestamp("us", tz="UTC")
            ),
            "labels": [["a", "b"], [], None, ["=x"]],
            "duplicate": [True, False, None, False],
        }
    )
    header, *rows = _csv(table, max_chunksize=2)  # two batches: the header once
    assert header == ["title", "words", "day", "fetched_at", "labels", "duplicate"]
    assert len(rows) == 4 and not any(cell.startswith(("=", "+")) for row in rows for cell in row)
    assert rows[0][0] == '\'=HYPERLINK("http://evil")' and rows[1][0] == "خبر عاجل"
    assert [r[1] for r in rows] == ["3", "2", "1", ""]
    assert rows[0][2] == "2026-11-21" and rows[0][3] == "2026-11-21T03:38:48Z"
    assert rows[0][4] == '["a", "b"]' and rows[2][4] == ""
    assert rows[0][5] == "true" and rows[2][5] == ""


def test_a_reader_without_rows_gives_the_header_and_header_cells_are_escaped():
    table = pa.table({"=sum": pa.array([], pa.string()), "n": pa.array([], pa.int64())})
    assert _csv(table) == [["'=sum", "n"]]


def test_python_rows_are_escaped_the_same_way():
    out = io.StringIO()
    write_rows(
        ["outlet", "total", "gap"], [["@anapress", 3, None], ["orient\x1b[31m", 0, "crawl"]], out
    )
    header, first, second = csv.reader(io.StringIO(out.getvalue()))
    assert header == ["outlet", "total", "gap"] and first == ["'@anapress", "3", ""]
    assert "\x1b" not in second[0] and second[1:] == ["0", "crawl"]
