"""archive/readers.py: what archivists and researchers read back. A snapshot (or one outlet of it) is
downloaded with every file checked against its manifest, a damaged one named and never trusted; the
articles of a range of days come from each day's newest complete rev, filtered, with a damaged manifest
named and its day left out when asked; an export writes dates as ISO 8601 and a text header that cannot
carry a terminal escape."""

import json
import subprocess
import sys
from datetime import date

import pyarrow.parquet as pq
import pytest

from archive.readers import FixityError, get_snapshot, load_articles, write_export
from archive.schema import TABLE_SCHEMA
from archive.snapshot import DamagedObject
from archive.store import open_store
from tests.archive.test_snapshot import DAY, _article, _publish


def test_get_downloads_and_checks_every_file(archive_url, warc, tmp_path):
    store = open_store(archive_url)
    ref, _ = _publish(store, warc)
    files = get_snapshot(store, ref, tmp_path / "dest")
    assert (
        len(files) == 5
        and (tmp_path / "dest" / "warc" / "orient.warc.gz").read_bytes() == warc.read_bytes()
    )
    only = get_snapshot(store, ref, tmp_path / "one", outlet="euronews")
    assert sorted(p.name for p in only) == ["euronews.warc.gz", "part-0000.parquet"]


@pytest.mark.slow  # CLI subprocesses
def test_researcher_filters_and_formats(archive_url, warc, tmp_path):
    store = open_store(archive_url)
    _publish(store, warc)
    _publish(store, warc, day=date(2026, 11, 22), articles=[_article(9)])
    everything = load_articles(
        store, date(2026, 11, 1), date(2026, 11, 30), include_duplicates=True
    )
    assert everything.num_rows == 5
    assert load_articles(store, DAY, DAY).num_rows == 3  # the duplicate left out by default
    assert load_articles(store, DAY, DAY, outlet="euronews").column("id").to_pylist() == ["id0003"]
    assert load_articles(store, DAY, date(2026, 11, 22), lang="ar").num_rows == 3
    df = load_articles(store, date(2026, 11, 22), date(2026, 11, 22)).to_pandas()
    assert list(df["id"]) == ["id0009"] and list(df["snapshot_date"]) == [date(2026, 11, 22)]
    for fmt in ("jsonl", "parquet", "txt"):
        out = tmp_path / f"export.{fmt}"
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsarchive.cli.main",
                "export",
                "--archive",
                archive_url,
                "--since",
                "2026-11-21",
                "--until",
                "2026-11-22",
                "--format",
                fmt,
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stderr
        assert "4 articles written" in r.stdout
    rows = [json.loads(x) for x in (tmp_path / "export.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in rows) == ["id0001", "id0002", "id0003", "id0009"]
    assert "### id0009 | orient |" in (tmp_path / "export.txt").read_text()


def test_an_outlet_a_snapshot_lacks_is_named_with_those_it_has(tmp_path, warc):
    store = open_store(tmp_path / "archive")
    ref, _ = _publish(store, warc)
    with pytest.raises(LookupError, match=r"has no outlet 'enab'; it has euronews, orient$"):
        get_snapshot(store, ref, tmp_path / "dest", outlet="enab")
    assert not (tmp_path / "dest").exists()


def test_a_damaged_file_is_named_never_trusted_and_the_rest_is_written(tmp_path, warc):
    store = open_store(tmp_path / "archive")
    ref, manifest = _publish(store, warc)
    part = next(f.key for f in manifest.files if "outlet=orient" in f.key)
    (tmp_path / "archive" / part).write_bytes(b"rotten bits")
    with pytest.raises(FixityError, match=f"do not trust these files: {part}$"):
        get_snapshot(store, ref, tmp_path / "dest")
    dest = tmp_path / "dest"
    assert (dest / "warc" / "orient.warc.gz").read_bytes() == warc.read_bytes()
    assert json.loads((dest / "manifest.json").read_bytes())["snapshot"]["rev"] == ref.rev


def test_a_damaged_manifest_costs_only_its_day_when_asked_to_name_it(tmp_path, warc):
    store = open_store(tmp_path / "archive")
    damaged_ref, _ = _publish(store, warc)
    _publish(store, warc, day=date(2026, 11, 22), articles=[_article(9)])
    (tmp_path / "archive" / damaged_ref.prefix / "manifest.json").write_bytes(b"{}")
    with pytest.raises(DamagedObject):
        load_articles(store, DAY, date(2026, 11, 22))
    damaged: list[str] = []
    table = load_articles(store, DAY, date(2026, 11, 22), damaged=damaged)
    assert table.column("id").to_pylist() == ["id0009"]
    assert len(damaged) == 1 and damaged_ref.prefix in damaged[0]
    empty = load_articles(store, date(2026, 1, 1), date(2026, 1, 2))
    assert empty.num_rows == 0 and empty.schema == TABLE_SCHEMA


def test_an_export_writes_iso_dates_and_a_header_without_terminal_escapes(tmp_path, warc):
    store = open_store(tmp_path / "archive")
    hostile = {**_article(1), "title": "\x1b[31mعنوان\x1b[0m\nسطر"}
    _publish(store, warc, articles=[hostile, _article(2)])
    table = load_articles(store, DAY, DAY)
    write_export(table, "jsonl", tmp_path / "out" / "a.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "out" / "a.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["id0001", "id0002"]
    assert rows[0]["published"] == "2026-11-20T06:00:00+00:00"
    assert rows[0]["published_date"] == "2026-11-20" and rows[0]["snapshot_date"] == DAY.isoformat()
    assert rows[0]["title"] == hostile["title"]  # JSON escapes it; the value is the archived one
    write_export(table, "txt", tmp_path / "a.txt")
    text = (tmp_path / "a.txt").read_text()
    assert "\x1b" not in text and text.startswith("### id0001 | orient | 2026-11-20 | ")
    assert text.splitlines()[1] == "نص المقال رقم 1"
    write_export(table, "parquet", tmp_path / "a.parquet")
    assert pq.read_table(tmp_path / "a.parquet").schema == table.schema
