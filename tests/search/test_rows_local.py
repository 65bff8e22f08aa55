"""search/rows_local.py: the rows a hit is quoted from, made once per snapshot into the search cache from
its checked Parquet parts and read one row at a time; a row that is not the article the segment placed
there, parts other than the snapshot's, or a damaged rows file are each a SegmentError naming the day."""

from __future__ import annotations

import pytest

from archive.snapshot import load_manifest, read_articles
from search.rows_local import SnapshotRows, rows_path
from search.segment import Location, SegmentError, id_key, parts_digest


def test_a_snapshots_rows_are_made_once_and_read_by_their_place(corpus, tmp_path):
    _, store, built = corpus
    ref = built.refs[0]
    parts = parts_digest(load_manifest(store, ref))
    path = rows_path(store, ref, parts, tmp_path / "cache")
    made = path.stat().st_mtime_ns
    assert rows_path(store, ref, parts, tmp_path / "cache") == path
    assert path.stat().st_mtime_ns == made and [p.name for p in path.parent.iterdir()] == [
        path.name
    ]
    articles = read_articles(store, ref).to_pylist()
    rows = SnapshotRows(ref, path)
    for n in (0, 31, 32, len(articles) - 1):  # across the batches of 32
        row = rows.row(Location(ref.day, ref.rev, n, id_key(articles[n]["id"])))
        assert (row["id"], row["url"], row["text"]) == (
            articles[n]["id"],
            articles[n]["url"],
            articles[n]["text"],
        )


def test_other_rows_other_parts_and_a_damaged_file_are_named(corpus, tmp_path):
    _, store, built = corpus
    ref = built.refs[0]
    parts = parts_digest(load_manifest(store, ref))
    with pytest.raises(SegmentError, match="built from other Parquet parts"):
        rows_path(store, ref, "0" * 64, tmp_path / "cache")
    rows = SnapshotRows(ref, rows_path(store, ref, parts, tmp_path / "cache"))
    first = read_articles(store, ref).to_pylist()[0]
    with pytest.raises(SegmentError, match="names another article at row 0"):
        rows.row(Location(ref.day, ref.rev, 0, id_key(first["id"]) ^ 1))
    with pytest.raises(SegmentError, match="no row 100000"):
        rows.row(Location(ref.day, ref.rev, 100_000, 0))
    damaged = tmp_path / "damaged.arrow"
    damaged.write_bytes(b"not arrow" * 10)
    with pytest.raises(SegmentError, match=f"{ref.label}: cannot read its rows"):
        SnapshotRows(ref, damaged)
