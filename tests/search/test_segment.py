"""Search segments (search/segment.py): built at publish and by `search-index`, one per snapshot rev; a
missing, damaged, old-format or other-stemmer segment, or one of other rows, is named and costs only its
day; a segment's tar cannot write outside its directory. On the search corpus (tests/search/corpus.py)."""

from __future__ import annotations

import io
import json

import pytest

from archive import layout
from archive.store import open_store
from tests.search.cli import cli, hits
from tests.search.corpus import DAYS, stories

SINCE, UNTIL = DAYS[0].isoformat(), DAYS[-1].isoformat()


def test_missing_and_damaged_segments_are_named_and_cost_only_their_day(corpus, capsys):
    archive, store, built = corpus
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive, "--json")
    assert (
        code == 0
        and out == ""
        and "3 day(s) have no search segment yet" in err
        and "search-index" in err
    )
    assert (
        cli(capsys, "search-index", "--archive", archive, "--since", SINCE, "--until", SINCE)[0]
        == 0
    )
    code, out, err = cli(capsys, "search-index", "--archive", archive)
    assert code == 0 and "2 segment(s) built, 0 failed, 1 already there" in out
    newest = built.refs[-1]
    data = bytearray(store.get_bytes(layout.search_segment_key(newest)))
    data[len(data) // 2] ^= 0xFF
    store.put_bytes(layout.search_segment_key(newest), bytes(data), overwrite=True)
    found = hits(capsys, archive, "دوما", "--limit", "1000")
    err = capsys.readouterr().err
    assert found and {h["day"] for h in found} == {SINCE, DAYS[1].isoformat()}
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive, "--limit", "1")
    assert f"not searched: {newest.label}" in err and "search-index --rebuild" in err
    assert (
        cli(
            capsys,
            "search-index",
            "--archive",
            archive,
            "--rebuild",
            "--since",
            DAYS[2].isoformat(),
        )[0]
        == 0
    )
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive, "--limit", "1")
    assert "not searched" not in err
    assert (
        store.exists(layout.search_pointer_key(built.refs[-2])) is False
    )  # a superseded rev gets no segment


def test_hits_are_quoted_from_the_snapshot_and_a_segment_of_other_rows_is_named(
    corpus, capsys, tmp_path
):
    """A segment keeps where each article is, not its text (formats 3 and 4): a hit's citation and
    snippet are its snapshot row's; a segment whose rows are not the snapshot's costs only its day."""
    import tantivy

    from archive.snapshot import read_articles
    from search.segment import Pointer, open_index, unpack

    archive, store, built = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    first = built.refs[0]
    rows = {r["id"]: r for r in read_articles(store, first).to_pylist()}
    found = [h for h in hits(capsys, archive, "دوما", "--limit", "1000") if h["day"] == SINCE]
    assert found
    for hit in found:
        row = rows[hit["id"]]
        assert hit["citation"]["url"] == row["url"] and hit["citation"]["title"] == row["title"]
        words = hit["snippet"].replace("**", "").strip(" …").split()
        assert " ".join(words) in " ".join(row["text"].split())
    store.download(layout.search_segment_key(first), tmp_path / "segment.tar")
    unpack(
        tmp_path / "segment.tar", tmp_path / "segment"
    )  # no stored field: the places are fast fields
    searcher = open_index(tmp_path / "segment").searcher()
    doc = searcher.doc(searcher.search(tantivy.Query.all_query(), 1).hits[0][1])
    assert doc.to_dict() == {}
    pointer = Pointer.from_bytes(store.get_bytes(layout.search_pointer_key(first)))
    store.put_bytes(
        layout.search_pointer_key(first),
        Pointer(**{**pointer.__dict__, "parts": "0" * 64}).to_bytes(),
        overwrite=True,
    )
    code, out, err = cli(
        capsys, "search", "دوما", "--archive", archive, "--json", "--limit", "1000"
    )
    assert code == 0 and f"not searched: {first.label}" in err and "other Parquet parts" in err
    assert {json.loads(line)["day"] for line in out.splitlines()} == {
        d.isoformat() for d in DAYS[1:]
    }


def test_publish_builds_the_segment_of_the_new_snapshot(demo_run, tmp_path, monkeypatch, capsys):
    """The publish hook: a pipeline run's snapshot is searchable at once, with its captures cited."""
    settings, result = demo_run
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache"))
    store = open_store(settings.archive, create=False)
    from archive.snapshot import SnapshotRef

    day, rev = result.snapshot.split(" rev ")
    assert store.exists(layout.search_pointer_key(SnapshotRef(day, int(rev))))
    found = hits(capsys, settings.archive, "دوما", "--limit", "100")
    assert found and {h["day"] for h in found} == {day}
    assert all(
        h["citation"]["capture_id"] and h["citation"]["url"].startswith("http") for h in found
    )
    seed = next(s for s in stories() if s.ref == "anapress/0")
    top = hits(capsys, settings.archive, f'"{seed.title}"')
    assert top and top[0]["citation"]["title"] == seed.title and top[0]["outlet"] == "anapress"


def test_an_old_format_segment_is_named_and_the_new_one_built(corpus, capsys):
    """A day indexed by the SQLite version (search/v1/) is not searched until `search-index` builds the
    tantivy segment (search/v3/); the old one is left where it is."""
    archive, store, built = corpus
    first = built.refs[0]
    old = f"search/v1/date={first.day}/rev={first.rev}/segment.json"
    store.put_bytes(old, b'{"format": 1}')
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive)
    assert (
        code == 0
        and "1 of them have a search segment of the old format" in err
        and "search-index" in err
    )
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive)
    assert code == 0 and "old format" not in err and "no search segment" not in err
    assert store.get_bytes(old) == b'{"format": 1}'


def test_a_segment_made_with_another_stemmer_is_named_and_built_again(corpus, capsys):
    """A segment records its stemmer (name and what it makes of a probe): one made with another
    (Snowball here: importing NLTK's ARLSTem costs seconds) is never searched with this version's
    queries, which would stem differently; the day is named and `search-index` builds it again with the
    chosen stemmer."""
    from search.segment import index_snapshot, read_pointer
    from search.text import Analyzer

    archive, store, built = corpus
    first = built.refs[0]
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    code, before, err = cli(
        capsys, "search", "دوما", "--archive", archive, "--json", "--limit", "1000"
    )
    assert code == 0 and before, err
    index_snapshot(store, first, Analyzer("snowball"))
    code, out, err = cli(
        capsys, "search", "دوما", "--archive", archive, "--json", "--limit", "1000"
    )
    assert code == 0 and "made with another stemmer" in err and "search-index" in err
    assert {json.loads(h)["day"] for h in out.splitlines()} == {
        json.loads(h)["day"] for h in before.splitlines()
    } - {first.day}
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    pointer = read_pointer(store, first)
    assert pointer is not None and pointer.stemmer == Analyzer().identity
    code, out, err = cli(
        capsys, "search", "دوما", "--archive", archive, "--json", "--limit", "1000"
    )
    assert code == 0 and "another stemmer" not in err and out == before


def test_a_segment_tar_cannot_write_outside_its_directory(tmp_path):
    import tarfile

    from search.segment import SegmentError, unpack

    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tar:
        info = tarfile.TarInfo("../escaped")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(SegmentError, match="unexpected member"):
        unpack(bad, tmp_path / "out")
    assert not (tmp_path / "escaped").exists()
    (tmp_path / "junk.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(SegmentError, match="not a search segment"):
        unpack(tmp_path / "junk.tar", tmp_path / "out2")


def test_a_damaged_snapshot_costs_only_its_day_when_days_are_built_in_parallel(corpus, capsys):
    archive, store, built = corpus
    newest = built.refs[-1]
    part = next(info.key for info in store.list(newest.prefix) if info.key.endswith(".parquet"))
    data = bytearray(store.get_bytes(part))
    data[len(data) // 2] ^= 0xFF
    store.put_bytes(part, bytes(data), overwrite=True)
    code, out, err = cli(capsys, "search-index", "--archive", archive, "--workers", "2")
    assert code == 1 and "2 segment(s) built, 1 failed" in out
    assert len(err.strip().splitlines()) == 1 and err.startswith(
        f"newsarchive: error: {newest.label}: "
    )
    assert store.exists(layout.search_pointer_key(built.refs[0])) and not store.exists(
        layout.search_pointer_key(newest)
    )
