"""newsarchive/run/lifecycle/transaction.py: the one publish transaction (the day's next rev claimed,
the lower revs waited for, the snapshot built against the base they leave and written whole, or the
claim abandoned), the figures and manifest a rev gets, and the derived data that takes it in."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from archive import layout
from archive.records import OutletCounts
from archive.snapshot import SnapshotRef, list_snapshots, load_manifest, publish_snapshot, read_rows
from archive.store import open_store
from archive.verify import verify_snapshot
from newsarchive.run.lifecycle.dedup import dedup_day
from newsarchive.run.lifecycle.transaction import (
    Snapshot,
    config_hash,
    count_rows,
    manifest_of,
    refresh_derived,
    segment_file,
    transact,
)
from outlets.registry import load_registry
from tests.archive.test_stories import DAY, capture
from tests.archive.warcs import Page, page_html, write_warc
from tests.conftest import ROOT
from tests.newsarchive.run.staging import text

REGISTRY = load_registry(ROOT / "outlets.toml")
RUN = "cli__2026-11-21__test"


def _build(store, rows, seen=None):
    """A build as a publish makes one: the rows deduplicated, the manifest with their figures."""

    def build(ref, base, tmp):
        if seen is not None:
            seen.append((ref, base))
        day = dedup_day(store, DAY, rows, 7, 0.8)
        outlets = {o: OutletCounts() for o in sorted({r.outlet for r in day.rows})}
        count_rows(outlets, day.rows, own=lambda r: True)
        manifest = manifest_of(ref, RUN, REGISTRY, outlets, day.rows, base, day, {})
        pages = [
            Page(r.url, r.capture_id, "2026-11-21T03:00:00Z", page_html(r.title, r.text))
            for r in rows
        ]
        warc = write_warc(tmp / "orient.warc.gz", pages)
        return Snapshot(day.rows, {"orient": warc}, manifest, segment_file(day, tmp))

    return build


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "archive")


def test_a_build_is_published_whole_as_the_days_next_rev_against_the_base_below_it(store):
    first, _ = publish_snapshot(store, DAY, [capture(1, DAY, text=text(1))], {})
    seen: list = []
    done = transact(
        store, DAY, RUN, "anapress:abc", _build(store, [capture(2, DAY, text=text(2))], seen=seen)
    )
    assert done is not None
    ref, manifest = done
    assert ref == SnapshotRef(DAY.isoformat(), 2) and seen == [(ref, first)]
    assert list_snapshots(store) == [first, ref] and verify_snapshot(store, ref) == []
    assert load_manifest(store, ref).to_dict() == manifest.to_dict()
    assert (manifest.run_id, manifest.base, manifest.archived, manifest.new) == (
        RUN,
        first.label,
        1,
        1,
    )
    assert store.exists(layout.dedup_index_key(ref.prefix))  # the day's dedup segment


def test_a_build_with_nothing_to_publish_or_that_fails_leaves_no_rev(store):
    assert transact(store, DAY, RUN, "", lambda ref, base, tmp: None) is None

    def broken(ref, base, tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        transact(store, DAY, RUN, "", broken)
    assert list_snapshots(store) == []
    for rev, why in ((1, "nothing changed, nothing published"), (2, f"publish of {RUN} failed")):
        marker = layout.snapshot_prefix(DAY, rev) + layout.ABANDONED
        assert why in store.get_bytes(marker).decode()
    # the next publish takes the next rev, and never sees the abandoned ones as its base
    seen: list = []
    done = transact(store, DAY, RUN, "", _build(store, [capture(1, DAY, text=text(1))], seen=seen))
    assert done is not None and done[0].rev == 3 and seen[0][1] is None


def test_own_rows_are_counted_as_new_and_carried_ones_as_carried(store):
    rows = [
        capture(1, DAY, text=text(1)),
        capture(2, DAY, url="https://www.orient-news.net/news/2", text=text(1)),  # its duplicate
        capture(3, DAY, url="https://www.orient-news.net/news/3", text=text(3), carried_from="x"),
        capture(4, DAY, url="https://www.anapress.net/a/4", outlet="anapress", text=text(4)),
    ]
    day = dedup_day(store, DAY, rows, 7, 0.8)
    outlets = {"orient": OutletCounts(), "anapress": OutletCounts(), "euronews": OutletCounts()}
    count_rows(outlets, day.rows, own=lambda r: r.carried_from is None)
    orient = outlets["orient"]
    assert (orient.new, orient.duplicates, orient.carried, orient.archived, orient.current) == (
        1,
        1,
        1,
        3,
        2,
    )
    assert orient.languages == {"ar": 3} and outlets["anapress"].new == 1
    assert outlets["euronews"].archived == 0
    ref = SnapshotRef(DAY.isoformat(), 2)
    base = SnapshotRef(DAY.isoformat(), 1)
    manifest = manifest_of(ref, RUN, REGISTRY, outlets, day.rows, base, day, {"problems": []})
    assert (manifest.new, manifest.carried, manifest.duplicates, manifest.archived) == (2, 1, 1, 4)
    assert manifest.base == "2026-11-21 rev 1" and list(manifest.outlets) == sorted(outlets)
    assert manifest.dedup == {"reasons": {"exact_content": 1}, "window": [], "window_skipped": []}
    assert manifest.config_hash == config_hash(REGISTRY)


def test_the_config_hash_names_the_registry_file_as_it_was(tmp_path):
    copy = tmp_path / "outlets.toml"
    copy.write_bytes((ROOT / "outlets.toml").read_bytes())
    assert config_hash(load_registry(copy)) == config_hash(REGISTRY)
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert config_hash(load_registry(copy)) != config_hash(REGISTRY)


def test_the_derived_data_takes_in_the_days_newest_rev(store, tmp_path):
    old, _ = publish_snapshot(store, DAY, [capture(1, DAY)], {})
    new, _ = publish_snapshot(store, DAY, [capture(2, DAY, title="محدّث")], {})
    refresh_derived(store, new)
    table = layout.current_table_key(DAY.isoformat())
    local = tmp_path / "t.parquet"
    store.download(table, local)
    assert pq.read_table(local, columns=["title"]).column("title").to_pylist() == ["محدّث"]
    assert store.exists(layout.search_pointer_key(new)) and store.exists(layout.DATASET_CARD)
    assert [r.id for r in read_rows(store, load_manifest(store, old))] == [capture(1, DAY).id]
