"""The archive's state as ops need it now, in one place: each outlet's latest run (any date) and its state
(running, retrying, failed, ok, stale), today's snapshot, the canary of the newest snapshot and the
deadline. The Archive page, `newsarchive health`, the metrics and the deadline alert all read it from here.

It joins two sources: the snapshots' manifests (what was published) and the live records the tasks write
as they go (newsarchive/ops/live_state.py); for each outlet the newer of the two wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from archive.records import Manifest, OutletCounts
from archive.snapshot import DamagedObject, SnapshotRef, load_manifest, newest_revs
from archive.store import Store
from common.errors import NewsArchiveError
from newsarchive.ops.live_state import RUN, LiveState

# a try that said "running" (or "retrying" past its next try) this long ago is lost: the task's 3-hour
# execution timeout has passed, so its process died without a word, or Airflow was stopped
LOST_AFTER = timedelta(hours=4)


@dataclass(frozen=True)
class OutletStatus:
    outlet: str
    state: str  # running | retrying | failed | ok | stale
    day: str | None  # the latest run's day
    run_id: str | None
    stage: str | None  # the stage running, or the one that failed
    reason: str = ""
    message: str = ""
    next_try_at: str | None = None
    try_number: int = 0
    max_tries: int = 0
    since: str | None = None  # when the state was recorded
    last_complete_day: str | None = None  # the newest day whose snapshot holds the outlet's own run
    stale: bool = False  # no complete snapshot in the last `stale_days` days
    active: bool = True  # crawled daily (paused and retired outlets are never stale)
    window_since: str | None = None  # the first day of the window last_complete_day was read in

    @property
    def last_complete(self) -> str:
        """The last complete day, or how far back none was found (the status reads a window of days,
        so an outlet last complete before it is not «never» complete)."""
        if self.last_complete_day:
            return self.last_complete_day
        return f"none since {self.window_since}" if self.window_since else "none"

    @property
    def failing(self) -> bool:
        return self.state in ("retrying", "failed")

    def describe(self) -> str:
        """One phrase: `crawl http_500, retrying: try 1 of 3, next try 03:04:12Z`."""
        if self.failing:
            where = f"{self.stage} {self.reason}".strip()
            tries = f"try {self.try_number} of {self.max_tries}" if self.max_tries > 1 else ""
            nxt = f"next try {_clock(self.next_try_at)}" if self.next_try_at else ""
            detail = ", ".join(x for x in (tries, nxt) if x)
            return f"{where}, {self.state}" + (f": {detail}" if detail else "")
        if self.state == "running":
            return f"running ({self.stage})"
        if self.state == "stale":
            return f"stale (last complete snapshot: {self.last_complete})"
        return self.state


@dataclass(frozen=True)
class DaySnapshot:
    day: str
    state: str  # complete | incomplete | missing
    snapshot: str | None = None  # "D rev N"
    gaps: tuple[str, ...] = ()  # outlets without their own complete run in it


@dataclass(frozen=True)
class Canary:
    snapshot: str | None  # the newest snapshot, whose quality check this is
    passed: bool | None  # None: no snapshot yet
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchiveStatus:
    now: str
    outlets: tuple[OutletStatus, ...]
    run: LiveState | None  # the latest run's own stages
    today: DaySnapshot
    canary: Canary
    deadline: str | None  # today's deadline (ISO 8601, UTC) when one is set
    deadline_missed: bool
    stale_days: int
    damaged: tuple[str, ...] = ()
    snapshots: int = 0  # complete snapshots read (the window's newest rev of each day)

    def outlet(self, outlet: str) -> OutletStatus | None:
        return next((o for o in self.outlets if o.outlet == outlet), None)

    @property
    def failing(self) -> tuple[OutletStatus, ...]:
        return tuple(o for o in self.outlets if o.failing)

    @property
    def outlets_seen(self) -> bool:
        """Some run has written to the archive (a snapshot, or a live record of a try)."""
        return self.run is not None or any(o.day for o in self.outlets)

    @property
    def stale(self) -> tuple[OutletStatus, ...]:
        return tuple(o for o in self.outlets if o.stale and o.active)


Manifests = list[tuple[SnapshotRef, Manifest]]


def load_recent(store: Store, since: date, until: date) -> tuple[Manifests, list[str], str | None]:
    """The newest complete rev of each day from `since` to `until` with its manifest, oldest first; a
    manifest that cannot be read is named, not fatal. Also the archive's first day with a snapshot."""
    found: Manifests = []
    damaged: list[str] = []
    refs = newest_revs(store)
    first = refs[0].day if refs else None
    for ref in (r for r in refs if since.isoformat() <= r.day <= until.isoformat()):
        try:
            found.append((ref, load_manifest(store, ref)))
        except (DamagedObject, NewsArchiveError, OSError) as exc:
            damaged.append(f"{ref.label}: {exc}")
    return found, damaged, first


def _complete(counts: OutletCounts) -> bool:
    """The outlet's own articles are in the rev: it ran and had no gap, or they were carried forward."""
    if counts.gap is not None:
        return False
    return counts.status == "ok" or (counts.status == "not_run" and counts.archived > 0)


def _parse(when: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(when) if when else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _clock(when: str | None) -> str:
    parsed = _parse(when)
    return parsed.astimezone(UTC).strftime("%H:%M:%SZ") if parsed else "?"


def latest_published(manifests: Manifests) -> dict[str, tuple[SnapshotRef, Manifest]]:
    """Per outlet, the snapshot of its latest run (by publish time, any day): the rev in which it ran."""
    latest: dict[str, tuple[SnapshotRef, Manifest]] = {}
    for ref, manifest in manifests:
        for outlet, counts in manifest.outlets.items():
            if counts.status == "not_run":
                continue
            held = latest.get(outlet)
            if held is None or manifest.created_at >= held[1].created_at:
                latest[outlet] = (ref, manifest)
    return latest


def _from_live(
    outlet: str, record: LiveState, now: datetime, last: str | None, active: bool
) -> OutletStatus:
    state, reason, message = record.state, record.reason, record.message
    moment = _parse(record.next_try_at) if record.state == "retrying" else _parse(record.updated_at)
    if state in ("running", "retrying") and moment is not None and now - moment > LOST_AFTER:
        state, reason = "failed", "lost"
        message = (
            f"no word from its {record.stage} task since {record.updated_at}: the task died or "
            "Airflow was stopped"
        )
    return OutletStatus(
        outlet=outlet,
        state=state,
        day=record.day,
        run_id=record.run_id,
        stage=record.stage,
        reason=reason,
        message=message,
        next_try_at=record.next_try_at if state == "retrying" else None,
        try_number=record.try_number,
        max_tries=record.max_tries,
        since=record.updated_at,
        last_complete_day=last,
        active=active,
    )


def _from_manifest(
    outlet: str, ref: SnapshotRef, manifest: Manifest, last: str | None, active: bool
) -> OutletStatus:
    counts = manifest.outlets[outlet]
    gap = counts.gap
    return OutletStatus(
        outlet=outlet,
        state="failed" if gap else "ok",
        day=ref.day,
        run_id=manifest.run_id,
        stage=gap.stage if gap else "publish",
        reason=gap.reason if gap else "",
        message=gap.message if gap else "",
        since=manifest.created_at,
        last_complete_day=last,
        active=active,
    )


def compute(
    manifests: Manifests,
    live: Mapping[str, LiveState],
    active: Iterable[str],
    *,
    now: datetime,
    stale_days: int,
    deadline: time | None = None,
    damaged: Iterable[str] = (),
    first_day: str | None = None,
    window_since: date | None = None,
) -> ArchiveStatus:
    """The status at `now` from the window's manifests (oldest first) and the live records.
    `first_day`: the archive's first day with a snapshot (default: the window's first); an outlet is
    stale only in an archive older than `stale_days` (a new archive's first days are not stale).
    `window_since`: the first day the manifests were read from (default: `stale_days` before today,
    as read_status reads them), named when an outlet has no complete day in them."""
    active = tuple(active)
    first_day = first_day or (manifests[0][0].day if manifests else None)
    today = now.astimezone(UTC).date()
    last_complete: dict[str, str] = {}
    for ref, manifest in manifests:
        for outlet, counts in manifest.outlets.items():
            if _complete(counts) and ref.day > last_complete.get(outlet, ""):
                last_complete[outlet] = ref.day
    latest = latest_published(manifests)
    names = sorted(set(active) | set(latest) | {s for s in live if s != RUN})
    fresh_since = (today - timedelta(days=stale_days - 1)).isoformat()
    since = (window_since or today - timedelta(days=stale_days)).isoformat()
    outlets = []
    for outlet in names:
        record, published = live.get(outlet), latest.get(outlet)
        last, is_active = last_complete.get(outlet), outlet in active
        stamp = _parse(record.updated_at) if record else None
        newer = _parse(published[1].created_at) if published else None
        if record is not None and (newer is None or (stamp is not None and stamp >= newer)):
            status = _from_live(outlet, record, now, last, is_active)
        elif published is not None:
            status = _from_manifest(outlet, *published, last, is_active)
        else:
            status = OutletStatus(outlet, "stale", None, None, None, active=is_active)
        old_enough = first_day is not None and first_day < fresh_since
        stale = is_active and old_enough and (last is None or last < fresh_since)
        if stale and status.state == "ok":
            status = replace(status, state="stale")
        outlets.append(replace(status, stale=stale, window_since=since))
    day = day_snapshot(manifests, active, today)
    newest = manifests[-1] if manifests else None
    problems = tuple(str(p) for p in (newest[1].quality.get("problems") or [])) if newest else ()
    canary = Canary(
        newest[0].label if newest else None, (not problems) if newest else None, problems
    )
    due = datetime.combine(today, deadline, UTC) if deadline is not None else None
    return ArchiveStatus(
        now=now.astimezone(UTC).isoformat(timespec="seconds"),
        outlets=tuple(outlets),
        run=live.get(RUN),
        today=day,
        canary=canary,
        deadline=due.isoformat() if due else None,
        deadline_missed=bool(due and now >= due and day.state != "complete"),
        stale_days=stale_days,
        damaged=tuple(damaged),
        snapshots=len(manifests),
    )


def day_snapshot(manifests: Manifests, active: Iterable[str], day: date) -> DaySnapshot:
    """The day's newest snapshot among `manifests`: complete when every active outlet has its own
    run (or carried articles) in it without a gap."""
    active = tuple(active)
    held = [(r, m) for r, m in manifests if r.day == day.isoformat()]
    if not held:
        return DaySnapshot(day.isoformat(), "missing")
    ref, manifest = held[-1]
    gaps = tuple(
        o for o in active if o not in manifest.outlets or not _complete(manifest.outlets[o])
    )
    return DaySnapshot(day.isoformat(), "incomplete" if gaps else "complete", ref.label, gaps)


def read_status(
    store: Store,
    active: Iterable[str],
    *,
    now: datetime,
    stale_days: int,
    deadline: time | None = None,
) -> tuple[ArchiveStatus, Manifests, dict[str, LiveState]]:
    """The status from the archive itself: the manifests of the last `stale_days` days and today, and
    the live records; the manifests and records read are returned too (the metrics take their counts)."""
    from newsarchive.ops.live_state import read_all

    today = now.astimezone(UTC).date()
    manifests, damaged, first = load_recent(store, today - timedelta(days=stale_days), today)
    live, broken = read_all(store)
    status = compute(
        manifests,
        live,
        active,
        now=now,
        stale_days=stale_days,
        deadline=deadline,
        damaged=damaged + broken,
        first_day=first,
    )
    return status, manifests, live
