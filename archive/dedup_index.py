"""The dedup index in the archive: one segment per snapshot (`dedup/index.npz`, listed in its manifest
with its SHA-256), so a run on any machine checks against the days before it without a database."""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from archive import layout
from archive.snapshot import SnapshotRef, list_snapshots, read_manifest
from archive.store import Store
from dedup.index import DedupIndex
from dedup.signatures import ALGORITHM

logger = logging.getLogger(__name__)
SEGMENT_FIELDS = ("ids", "root_ids", "url_keys", "contents", "signatures")


class IncompatibleSegment(ValueError):
    pass


def write_segment(segment: dict[str, np.ndarray], path: Path) -> None:
    with path.open("wb") as fh:
        np.savez(fh, algorithm=np.array(ALGORITHM), **segment)


def read_segment(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        missing = [name for name in (*SEGMENT_FIELDS, "algorithm") if name not in data.files]
        if missing:
            raise IncompatibleSegment(f"dedup index segment {path} lacks {missing}")
        if str(data["algorithm"]) != ALGORITHM:
            raise IncompatibleSegment(f"signatures made by {data['algorithm']}, this version makes {ALGORITHM}")
        return {name: data[name] for name in SEGMENT_FIELDS}


def load_window(store: Store, day: date, window_days: int) -> tuple[DedupIndex, list[str]]:
    """An index of the newest complete snapshot of each of the `window_days` days before `day`, oldest
    first. Returns the index and the snapshots it was built from."""
    index = DedupIndex()
    first = day - timedelta(days=window_days)
    newest: dict[str, int] = {}
    for ref in list_snapshots(store):
        if first.isoformat() <= ref.day < day.isoformat():
            newest[ref.day] = max(ref.rev, newest.get(ref.day, 0))
    used = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-dedup-index-") as tmp:
        for day_str, rev in sorted(newest.items()):
            prefix = layout.snapshot_prefix(date.fromisoformat(day_str), rev)
            key = layout.dedup_index_key(prefix)
            if not any(f["key"] == key for f in read_manifest(store, SnapshotRef(day_str, rev))["files"]):
                logger.warning("snapshot %s rev %d has no dedup index; not checked against", day_str, rev)
                continue
            local = Path(tmp) / "segment.npz"
            store.download(key, local)
            try:
                index.add_segment(read_segment(local))
            except IncompatibleSegment as exc:
                logger.warning("snapshot %s rev %d: dedup index not usable (%s); not checked against",
                               day_str, rev, exc)
                continue
            local.unlink()
            used.append(f"{day_str} rev {rev}")
    return index, used
