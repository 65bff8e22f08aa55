"""The one publish transaction, for runs (newsarchive/run/lifecycle/run.py) and re-extraction
(newsarchive/reextract/day.py): the day's next rev claimed under (run id, generation), the lower revs
waited for, the snapshot built against the base they leave (its rows carried forward, the whole day
deduplicated) and written (files, manifest, `_SUCCESS` last); the claim abandoned on any failure; a
build that finds nothing to publish abandons it too. Then the day's derived data (current-articles
table, search segment) takes in the day's newest rev (`refresh_derived`).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive import layout
from archive.current_table import refresh_day
from archive.dedup_index import write_segment
from archive.records import ArchivedRow, Manifest, OutletCounts
from archive.snapshot import (
    SnapshotRef,
    abandon,
    claim_rev,
    wait_for_lower_revs,
    write_snapshot,
)
from archive.store import Store
from common.timing import timed
from newsarchive import __version__
from newsarchive.run import dataset_docs
from newsarchive.run.lifecycle.dedup import DayDedup
from outlets.model import Registry
from search.segment import index_published

if TYPE_CHECKING:
    from archive.seal import Sealer
    from newsarchive.config import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What a publish writes: the day's rows, the WARCs it brings, the manifest (files filled in by
    write_snapshot), and extra files (key under the rev's prefix -> local path)."""

    rows: list[ArchivedRow]
    warcs: dict[str, Path]
    manifest: Manifest
    extra: dict[str, Path]


# (the claimed rev, the base the lower revs left, a temp directory) -> the snapshot, or None: nothing
Build = Callable[[SnapshotRef, SnapshotRef | None, Path], Snapshot | None]


def transact(
    store: Store,
    day: date,
    run_id: str,
    generation: str,
    build: Build,
    seal: Sealer | None = None,
) -> tuple[SnapshotRef, Manifest] | None:
    """Publish what `build` makes as the day's next rev, exactly as built or not at all; `seal` (the
    operator's signing key and TSA, Settings.sealer: loaded before a rev is claimed, so a bad key path
    stops here) signs and timestamps its manifest before `_SUCCESS`."""
    ref = claim_rev(store, day, run_id, generation)
    try:
        base = wait_for_lower_revs(store, ref)
        with tempfile.TemporaryDirectory(prefix="newsarchive-stage-") as tmp:
            snapshot = build(ref, base, Path(tmp))
            if snapshot is None:
                abandon(store, ref, f"{run_id}: nothing changed, nothing published")
                return None
            manifest = write_snapshot(
                store,
                ref,
                snapshot.rows,
                snapshot.warcs,
                snapshot.manifest,
                extra=snapshot.extra,
                seal=seal,
            )
    except BaseException:
        abandon(store, ref, f"publish of {run_id} failed")  # best effort; gc removes it either way
        raise
    return ref, manifest


def refresh_derived(store: Store, ref: SnapshotRef, settings: Settings | None = None) -> None:
    """The day's derived data takes in its newest rev: the current-articles table (rewritten from the
    day's newest complete rev, whichever publisher comes last), `ref`'s search segment (best effort:
    `search-index` builds a missing one), then the dataset card and Croissant file (best effort:
    `newsarchive dataset card` writes them)."""
    with timed("publish.current_table"):
        refresh_day(store, ref.day)
    with timed("publish.search_segment"):
        index_published(store, ref)
    with timed("publish.dataset_card"):
        dataset_docs.refresh(store, settings)


def segment_file(day: DayDedup, tmp: Path) -> dict[str, Path]:
    """The day's dedup index segment as the snapshot's extra file."""
    path = tmp / "dedup-index.npz"
    write_segment(day.segment, path)
    return {layout.dedup_index_key(""): path}


def count_rows(
    outlets: dict[str, OutletCounts],
    rows: list[ArchivedRow],
    own: Callable[[ArchivedRow], bool],
) -> None:
    """Each outlet's row figures: `own` rows are the ones whose capture the publishing run made (new,
    duplicates, revisions count those); the rest are carried; archived, current and languages count all."""
    for outlet_id, counts in outlets.items():
        every = [r for r in rows if r.outlet == outlet_id]
        mine = [r for r in every if own(r)]
        counts.duplicates = sum(1 for r in mine if r.duplicate_of)
        counts.revisions = sum(1 for r in mine if r.revision_of)
        counts.new = len(mine) - counts.duplicates
        counts.archived = len(every)
        counts.carried = len(every) - len(mine)
        counts.current = sum(1 for r in every if not r.duplicate_of)
        counts.languages = dict(Counter(r.language for r in every))


def manifest_of(
    ref: SnapshotRef,
    run_id: str,
    registry: Registry,
    outlets: dict[str, OutletCounts],
    rows: list[ArchivedRow],
    base: SnapshotRef | None,
    day: DayDedup,
    quality: dict[str, Any],
    **derived: Any,
) -> Manifest:
    """A rev's manifest (its files are listed by write_snapshot)."""
    return Manifest(
        day=ref.day,
        rev=ref.rev,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id=run_id,
        software=f"newsarchive {__version__}",
        config_hash=config_hash(registry),
        outlets=dict(sorted(outlets.items())),
        files=[],
        base=base.label if base else None,
        archived=len(rows),
        new=sum(c.new for c in outlets.values()),
        carried=sum(c.carried for c in outlets.values()),
        duplicates=sum(c.duplicates for c in outlets.values()),
        dedup={"reasons": day.reasons, "window": day.window, "window_skipped": day.window_skipped},
        quality=quality,
        **derived,
    )


def config_hash(registry: Registry) -> str:
    return hashlib.sha256(registry.path.read_bytes()).hexdigest()[:16]
