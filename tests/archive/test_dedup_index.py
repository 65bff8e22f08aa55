"""The window of earlier days' dedup segments, loaded from snapshots: signatures mapped from the files,
the same decisions as from segments read whole, and a segment that is not ours named and skipped."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from archive import layout
from archive.dedup_index import load_window, read_segment, write_segment
from archive.snapshot import publish_snapshot
from archive.store import open_store
from common.errors import DamagedObject
from dedup.engine import Deduplicator, Document
from dedup.index import DedupIndex
from dedup.signatures import ALGORITHM
from tests.dedup.labelled_set import seed_stories

DAY = date(2026, 11, 21)


def _publish(store, day: date, segment: dict[str, np.ndarray], tmp: Path, compressed=False):
    path = tmp / f"{day}.npz"
    if compressed:
        np.savez_compressed(path, algorithm=np.array(ALGORITHM), **segment)
    else:
        write_segment(segment, path)
    publish_snapshot(
        store, day, [], {}, run_id=f"test-{day}", extra={layout.dedup_index_key(""): path}
    )


def _day_segment(docs: list[Document]) -> dict[str, np.ndarray]:
    deduplicator = Deduplicator()
    list(deduplicator.run(docs))
    return deduplicator.index.segment()


@pytest.fixture
def days(tmp_path):
    """Two days in a local archive: the seed stories, then one filler story a day."""
    store = open_store(tmp_path / "archive")
    stories = seed_stories()
    first = [Document(f"a{n}", "\n".join(ps), url) for n, (_, url, ps) in enumerate(stories)]
    second = [
        Document("b0", "خبر اليوم الثاني عن الطقس والأسعار والطرق " * 20, "https://x.example/b0")
    ]
    _publish(store, DAY, _day_segment(first), tmp_path)
    _publish(store, DAY + timedelta(days=1), _day_segment(second), tmp_path, compressed=True)
    return store, stories, first + second


def test_the_window_maps_signatures_and_decides_as_a_segment_read_whole(days, tmp_path):
    store, stories, earlier = days
    index, used, skipped = load_window(store, DAY + timedelta(days=2), window_days=30)
    assert used == [f"{DAY} rev 1", f"{DAY + timedelta(days=1)} rev 1"] and skipped == []
    assert len(index) == len(earlier)
    whole = DedupIndex()
    whole.add_segment(_day_segment(earlier))
    # the uncompressed segment's signatures are mapped, the compressed one's read; the same values
    assert [type(c["signatures"]) for c in index._chunks] == [np.memmap, np.ndarray]
    assert (index.segment()["signatures"] == whole.segment()["signatures"]).all()
    today = [
        Document("c-copy", "\n".join(stories[3][2][1:]), "https://elsewhere.example/c"),
        Document("c-same", "\n".join(stories[1][2]), stories[1][1] + "?fbclid=1"),
        Document("c-new", "نص جديد لم ينشر قبل اليوم عن موضوع آخر " * 15),
    ]
    decisions = [d.to_dict() for d in Deduplicator(index).run(today)]
    assert decisions == [d.to_dict() for d in Deduplicator(whole).run(today)]
    assert [(d["duplicate_of"], d["reason"]) for d in decisions] == [
        ("a3", "near_duplicate"),
        ("a1", "canonical_url"),
        (None, None),
    ]


def test_a_segment_with_foreign_signatures_is_named_and_skipped(days, tmp_path):
    store, _, _ = days
    segment = _day_segment([Document("z", "نص " * 50, "https://x.example/z")])
    segment["signatures"] = segment["signatures"].astype(">u4")  # not the layout this version reads
    _publish(store, DAY + timedelta(days=2), segment, tmp_path)
    with pytest.raises(DamagedObject, match="signatures: is >u4"):
        read_segment(tmp_path / f"{DAY + timedelta(days=2)}.npz", mapped=True)
    index, used, skipped = load_window(store, DAY + timedelta(days=3), window_days=30)
    assert len(used) == 2 and len(skipped) == 1
    assert skipped[0].startswith(f"{DAY + timedelta(days=2)} rev 1: ") and ">u4" in skipped[0]
