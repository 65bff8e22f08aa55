"""`newsarchive gc`: what runs that died leave behind.

gc never touches a published snapshot. It
- finishes runs whose staged outputs are published but whose bookkeeping did not finish (crawl states,
  staging; newsarchive/run/lifecycle/);
- removes the staging of runs that died (nothing written for `older_than`), never of a run alive (its
  heartbeat or its claim is fresh: newsarchive/run/liveness.py), whatever `older_than` says;
- removes revs that will never be complete (abandoned, or whose publisher is gone);
- aborts uploads that were started and never completed (S3 multipart uploads, local temp files);
- removes the search segments of superseded revs (derived data: search reads the newest rev of a day only).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from archive import layout
from archive.snapshot import (
    CLAIM_LEASE,
    DamagedObject,
    SnapshotRef,
    day_revs,
    list_snapshots,
    owner_gone,
    read_claim,
)
from archive.store import ObjectInfo, Store, StoreError, open_store
from newsarchive.config import Settings
from newsarchive.run.lifecycle import finish_published
from newsarchive.run.liveness import alive_because
from newsarchive.run.runs import RunRef

logger = logging.getLogger(__name__)
DEFAULT_OLDER_THAN_DAYS = 2.0


@dataclass
class GcResult:
    finished_runs: list[str] = field(default_factory=list)
    removed_staging: list[str] = field(default_factory=list)
    removed_revs: list[str] = field(default_factory=list)
    aborted_uploads: list[str] = field(default_factory=list)
    removed_segments: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # could not be removed (retention), with why
    live_runs: list[str] = field(default_factory=list)  # staging of runs still alive, with why

    def summary(self) -> str:
        return (
            f"finished {len(self.finished_runs)} runs, removed {len(self.removed_staging)} staging prefixes "
            f"and {len(self.removed_revs)} incomplete revs, aborted {len(self.aborted_uploads)} uploads, "
            f"removed {len(self.removed_segments)} superseded search segments"
            + (f", kept {len(self.kept)}" if self.kept else "")
            + (f", left {len(self.live_runs)} live runs alone" if self.live_runs else "")
        )


def collect(
    settings: Settings, older_than: timedelta = timedelta(days=DEFAULT_OLDER_THAN_DAYS)
) -> GcResult:
    store = open_store(settings.archive, create=False)
    cutoff = datetime.now(UTC) - older_than
    result = GcResult()
    _staging(store, cutoff, result, settings)
    _incomplete_revs(store, cutoff, result)
    for upload in store.pending_uploads():
        if upload.started <= cutoff:
            store.abort_upload(upload)
            result.aborted_uploads.append(upload.key)
    _superseded_segments(store, result)
    return result


def _superseded_segments(store: Store, result: GcResult) -> None:
    """A day's search segments below its newest complete rev are never read again; the pointer goes first,
    so a segment half removed reads as missing (rebuildable), never as damaged."""
    newest: dict[str, int] = {}
    for ref in list_snapshots(store):
        newest[ref.day] = max(newest.get(ref.day, 0), ref.rev)
    pointers = {
        SnapshotRef(day, rev)
        for info in store.list(layout.SEARCH_PREFIX)
        if (parsed := layout.parse_search_key(info.key)) and info.key.endswith("/segment.json")
        for _, day, rev in [parsed]
    }
    for ref in sorted(pointers, key=lambda r: (r.day, r.rev)):
        if ref.rev < newest.get(ref.day, 0):
            store.delete(layout.search_pointer_key(ref))
            store.delete(layout.search_segment_key(ref))
            result.removed_segments.append(ref.label)
    # segments of an older format are never read: gone once their rev has one of this format or is
    # superseded (until then `search` names the day as "old format" and `search-index` rebuilds it)
    for prefix in layout.OLD_SEARCH_PREFIXES:
        old: dict[SnapshotRef, list[str]] = {}
        for info in store.list(prefix):
            if parsed := layout.parse_search_key(info.key):
                old.setdefault(SnapshotRef(parsed[1], parsed[2]), []).append(info.key)
        for ref, keys in sorted(old.items(), key=lambda item: (item[0].day, item[0].rev)):
            if ref in pointers or ref.rev < newest.get(ref.day, 0):
                for key in sorted(
                    keys, key=lambda k: not k.endswith("/segment.json")
                ):  # pointer first
                    store.delete(key)
                result.removed_segments.append(f"{ref.label} ({prefix.rstrip('/')})")


def _newest(infos: list[ObjectInfo]) -> datetime:
    return max((i.modified for i in infos if i.modified), default=datetime.min.replace(tzinfo=UTC))


def _staging(store: Store, cutoff: datetime, result: GcResult, settings: Settings) -> None:
    runs: dict[str, list[ObjectInfo]] = defaultdict(list)
    for info in store.list(f"{layout.STAGING}/"):
        parts = info.key.split("/")
        runs[
            "/".join(parts[:3]) + "/"
            if len(parts) > 3 and parts[2].startswith("run=")
            else "/".join(parts[:2]) + "/"
        ].append(info)
    published: dict[str, dict[str, str]] = {}  # day -> run key -> run id of a complete rev
    publishing: dict[str, dict[str, str]] = {}  # day -> run key -> the rev it is publishing
    now = datetime.now(UTC)
    for prefix, infos in sorted(runs.items()):
        parsed = layout.parse_staging_key(prefix)
        if parsed:
            day, key = parsed
            if day not in published:
                revs = day_revs(store, date.fromisoformat(day)).values()
                published[day] = {
                    layout.run_key(s.claim.run_id): s.claim.run_id
                    for s in revs
                    if s.complete and not s.abandoned and s.claim
                }
                publishing[day] = {
                    layout.run_key(s.claim.run_id): f"it is publishing {day} rev {s.rev}"
                    for s in revs
                    if not s.complete
                    and not s.abandoned
                    and s.claim
                    and not owner_gone(s.claim, CLAIM_LEASE)
                }
            if key in published[day]:
                run_id = published[day][key]
                try:
                    done = finish_published(
                        store, RunRef(date.fromisoformat(day), run_id), settings
                    )
                except DamagedObject as exc:  # its staging stays until the rev is repaired
                    result.kept.append(f"{prefix}: {exc}")
                    continue
                if done:
                    result.finished_runs.append(f"{run_id} ({', '.join(r.label for r in done)})")
                if not any(store.list(prefix)):
                    continue
                infos = list(store.list(prefix))  # outputs staged after its publish: dead below?
        if _newest(infos) <= cutoff:
            why = None
            if parsed:
                why = publishing[parsed[0]].get(parsed[1]) or alive_because(
                    store, prefix, {i.key for i in infos}, now
                )
            if why:  # whatever its age: a live run's staging is its work in progress
                result.live_runs.append(f"{prefix}: {why}")
                continue
            if parsed:
                store.delete_prefix(prefix)
            else:  # staging of an older version, keyed by the day only: its own objects, not the runs beside them
                for info in infos:
                    store.delete(info.key)
            result.removed_staging.append(prefix)


def _incomplete_revs(store: Store, cutoff: datetime, result: GcResult) -> None:
    """Revs that will never be complete (abandoned, or their publisher gone), from one listing of the
    snapshots; only an incomplete rev's claim is read."""
    revs: dict[tuple[str, int], list[ObjectInfo]] = defaultdict(list)
    for info in store.list(f"{layout.SNAPSHOTS}/"):
        if parsed := layout.parse_snapshot_key(info.key):
            revs[parsed].append(info)
    for (day, rev), infos in sorted(revs.items()):
        names = {info.key.rsplit("/", 1)[-1] for info in infos}
        abandoned = layout.ABANDONED in names
        if (layout.SUCCESS in names and not abandoned) or _newest(infos) > cutoff:
            continue
        ref = SnapshotRef(day, rev)
        if not abandoned:
            try:
                claim = read_claim(store, ref)
            except DamagedObject as exc:
                logger.warning("%s", exc)
                claim = None
            if not owner_gone(claim, CLAIM_LEASE):
                continue
        try:
            store.delete_prefix(ref.prefix)
            result.removed_revs.append(ref.label)
        except StoreError as exc:
            result.kept.append(f"{ref.label}: {exc}")
