"""`gc` (newsarchive/run/gc.py) on the search corpus (tests/search/corpus.py): the segments of superseded
revs and old-format segments go once a current one replaces them, and search is unchanged."""

from __future__ import annotations

from archive import layout
from tests.search.cli import cli, hits
from tests.search.corpus import DAYS


def test_gc_removes_the_segments_of_superseded_revs_and_search_is_unchanged(
    corpus, capsys, tmp_path
):
    from archive.snapshot import SnapshotRef
    from newsarchive.config import Settings
    from newsarchive.run.gc import collect
    from search.segment import index_snapshot, indexed_refs

    archive, store, built = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    superseded = SnapshotRef(DAYS[2].isoformat(), 1)  # day 3 was published twice
    index_snapshot(store, superseded)  # as publish's hook built it before the rerun
    before = hits(capsys, archive, "دوما", "--limit", "1000")
    assert superseded in indexed_refs(store)
    result = collect(Settings(archive=archive))
    assert result.removed_segments == [superseded.label]
    assert superseded not in indexed_refs(store) and not store.exists(
        layout.search_segment_key(superseded)
    )
    assert SnapshotRef(DAYS[2].isoformat(), 2) in indexed_refs(store)
    assert hits(capsys, archive, "دوما", "--limit", "1000") == before
    assert collect(Settings(archive=archive)).removed_segments == []  # nothing left to remove


def test_gc_removes_old_format_segments_once_a_current_one_replaces_them(corpus, capsys):
    """A segment of an earlier format is never read: gc removes it once its rev has one of the current
    format (pointer first), and keeps it while it is the only one (search names the day as old format)."""
    from archive.snapshot import SnapshotRef
    from newsarchive.config import Settings
    from newsarchive.run.gc import collect

    archive, store, built = corpus
    newest = built.refs[-1]
    indexed, unindexed = SnapshotRef(newest.day, newest.rev), built.refs[0]
    old_keys = {
        ref: [
            f"{layout.OLD_SEARCH_PREFIXES[-1]}date={ref.day}/rev={ref.rev}/segment.json",
            f"{layout.OLD_SEARCH_PREFIXES[-1]}date={ref.day}/rev={ref.rev}/segment.tar",
        ]
        for ref in (indexed, unindexed)
    }
    for keys in old_keys.values():
        for key in keys:
            store.put_bytes(key, b"an old format", overwrite=True)
    assert (
        cli(
            capsys,
            "search-index",
            "--archive",
            archive,
            "--since",
            newest.day,
            "--until",
            newest.day,
        )[0]
        == 0
    )
    removed = collect(Settings(archive=archive)).removed_segments
    assert f"{indexed.label} ({layout.OLD_SEARCH_PREFIXES[-1].rstrip('/')})" in removed
    assert not any(store.exists(k) for k in old_keys[indexed])
    assert all(store.exists(k) for k in old_keys[unindexed])  # no current segment yet: kept
