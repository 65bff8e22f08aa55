"""The dedup index in the archive: one segment per snapshot (`dedup/index.npz`, listed in its manifest
with its SHA-256), so a run on any machine checks against the days before it without a database."""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from archive import layout
from archive.snapshot import list_snapshots
from archive.store import ObjectNotFound, Store
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
    used: list[str] = []
    if window_days <= 0:
        return index, used
    newest = {ref.day: ref for ref in list_snapshots(store, day - timedelta(days=window_days), day - timedelta(days=1))}
    with tempfile.TemporaryDirectory(prefix="newsarchive-dedup-index-") as tmp:
        local = Path(tmp) / "segment.npz"
        for ref in newest.values():  # oldest first
            try:
                store.download(layout.dedup_index_key(ref.prefix), local)
                index.add_segment(read_segment(local))
            except (ObjectNotFound, IncompatibleSegment) as exc:
                logger.warning("snapshot %s rev %d: no usable dedup index (%s); not checked against",
                               ref.day, ref.rev, exc)
                continue
            used.append(ref.label)
    return index, used
