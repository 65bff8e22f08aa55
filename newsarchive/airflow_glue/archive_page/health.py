"""The archive's health as ops read it, from the snapshots' manifests and the live records of the runs
going on (the archive is the only database).

Per outlet: its state now (newsarchive/ops/status.py: running, retrying with the cause and the next
try's time, failed, ok, stale) from its latest run of any date, new articles per day over the window
(with the days that have no snapshot), the latest published run's counts; every gap and its cause; the
canary's problems; the latest snapshots with size, article count and verify status. Manifests are read
through the archive's readers (checked against their success markers); a damaged one is named, not fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from archive.records import Manifest
from archive.snapshot import DamagedObject, SnapshotRef, load_manifest, newest_revs
from archive.store import Store
from archive.verify import verify
from common.errors import NewsArchiveError
from newsarchive.config import Settings
from newsarchive.ops.live_state import read_all
from newsarchive.ops.status import ArchiveStatus, OutletStatus, compute, latest_published
from newsarchive.run.quality import QualityFigures

WINDOW_DAYS = 30
VERIFIED_SNAPSHOTS = 7  # the latest snapshots whose files are verified (SHA-256 of every file)


@dataclass(frozen=True)
class DayPoint:
    day: str
    new: int  # the day's articles that are not duplicates
    status: str  # ok | gap
    cause: str = ""  # a gap's stage, reason and message


@dataclass(frozen=True)
class LastRun:
    day: str
    run_id: str
    status: str
    discovered: int
    fetched: int
    failed: dict[str, int]
    extracted: int
    duplicates: int
    archived: int
    revisions: int = 0


@dataclass(frozen=True)
class OutletHealth:
    outlet: str
    points: tuple[DayPoint, ...]  # oldest first, one per day with a snapshot
    last: LastRun | None  # the latest published run (by publish time, any date)
    status: OutletStatus | None = None  # its state now, from its latest run (live or published)


@dataclass(frozen=True)
class GapRow:
    day: str
    outlet: str
    stage: str
    reason: str
    message: str
    run_id: str


@dataclass(frozen=True)
class ProblemRow:
    day: str
    run_id: str
    message: str


@dataclass(frozen=True)
class SnapshotRow:
    day: str
    rev: int
    run_id: str
    size: int  # bytes, every file of the snapshot
    articles: int
    verify: str  # ok | failed | not checked
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchiveHealth:
    archive: str
    days: tuple[str, ...]  # the window's days, oldest first
    outlets: tuple[OutletHealth, ...]
    gaps: tuple[GapRow, ...]  # newest first
    problems: tuple[ProblemRow, ...]  # newest first
    snapshots: tuple[SnapshotRow, ...]  # newest first
    damaged: tuple[str, ...] = field(default=())
    missing: tuple[
        str, ...
    ] = ()  # days of the window, from its first snapshot, without any snapshot
    status: ArchiveStatus | None = None


Verifier = Callable[[Store, SnapshotRef], tuple[str, ...]]


def verify_problems(store: Store, ref: SnapshotRef) -> tuple[str, ...]:
    return tuple(verify(store, ref, retention=False).problems)


ManifestReader = Callable[[Store, SnapshotRef], Manifest]


def collect(
    store: Store,
    *,
    until: date | None = None,
    window_days: int = WINDOW_DAYS,
    verified: int = VERIFIED_SNAPSHOTS,
    verifier: Verifier = verify_problems,
    active: Iterable[str] = (),
    now: datetime | None = None,
    stale_days: int = Settings.stale_days,
    deadline: time | None = None,
    reader: ManifestReader = load_manifest,
) -> ArchiveHealth:
    """The health of the archive over the window ending at `until` (default: the newest day with a
    snapshot or a run going on); `active`: the outlets crawled daily (the registry's)."""
    now = now or datetime.now(UTC)
    live, broken = read_all(store)
    refs = newest_revs(store)
    first_day = refs[0].day if refs else None
    if until is None:
        newest = max([r.day for r in refs[-1:]] + [r.day for r in live.values()], default=None)
        until = date.fromisoformat(newest) if newest else now.date()
    since = until - timedelta(days=window_days - 1)
    refs = [r for r in refs if since <= date.fromisoformat(r.day) <= until]
    damaged: list[str] = []
    loaded: list[tuple[SnapshotRef, Manifest]] = []
    for ref in refs:
        try:
            loaded.append((ref, reader(store, ref)))
        except (DamagedObject, NewsArchiveError, OSError) as exc:
            damaged.append(f"{ref.label}: {exc}")
    points: dict[str, list[DayPoint]] = {}
    gaps: list[GapRow] = []
    problems: list[ProblemRow] = []
    snapshots: list[SnapshotRow] = []
    for n, (ref, manifest) in enumerate(reversed(loaded)):  # newest first
        for outlet, counts in manifest.outlets.items():
            status = "gap" if counts.gap else counts.status
            cause = (
                f"{counts.gap.stage} {counts.gap.reason}: {counts.gap.message}"
                if counts.gap
                else ""
            )
            points.setdefault(outlet, []).append(DayPoint(ref.day, counts.current, status, cause))
            if counts.gap:
                gaps.append(
                    GapRow(
                        ref.day,
                        outlet,
                        counts.gap.stage,
                        counts.gap.reason,
                        counts.gap.message,
                        manifest.run_id,
                    )
                )
        problems += [
            ProblemRow(ref.day, manifest.run_id, p) for p in QualityFigures.of(manifest).problems
        ]
        check = verifier(store, ref) if n < verified else None
        snapshots.append(
            SnapshotRow(
                day=ref.day,
                rev=ref.rev,
                run_id=manifest.run_id,
                size=sum(f.size for f in manifest.files),
                articles=manifest.archived,
                verify="not checked" if check is None else ("ok" if not check else "failed"),
                problems=check or (),
            )
        )
    last = {
        outlet: _last_run(outlet, ref, m) for outlet, (ref, m) in latest_published(loaded).items()
    }
    state = compute(
        loaded,
        live,
        active,
        now=now,
        stale_days=stale_days,
        deadline=deadline,
        damaged=damaged + broken,
        first_day=first_day,
        window_since=since,
    )
    days = tuple((since + timedelta(days=k)).isoformat() for k in range(window_days))
    held = {r.day for r in refs} | {d.split(" ")[0] for d in damaged}
    going = {r.day for r in live.values() if r.state in ("running", "retrying")}
    first = min(held, default=None)
    missing = tuple(d for d in days if first and first <= d and d not in held | going)
    names = sorted(set(points) | {s.outlet for s in state.outlets})
    outlets = tuple(
        OutletHealth(o, tuple(reversed(points.get(o, []))), last.get(o), state.outlet(o))
        for o in names
    )
    return ArchiveHealth(
        archive=store.url,
        days=days,
        outlets=outlets,
        gaps=tuple(gaps),
        problems=tuple(problems),
        snapshots=tuple(snapshots),
        damaged=tuple(damaged + broken),
        missing=missing,
        status=state,
    )


def _last_run(outlet: str, ref: SnapshotRef, manifest: Manifest) -> LastRun:
    counts = manifest.outlets[outlet]
    crawl = counts.crawl
    return LastRun(
        day=ref.day,
        run_id=manifest.run_id,
        status="gap" if counts.gap else counts.status,
        discovered=crawl.discovered if crawl else 0,
        fetched=crawl.fetched if crawl else 0,
        failed=dict(crawl.failed) if crawl else {},
        extracted=counts.extracted,
        duplicates=counts.duplicates,
        archived=counts.archived,
        revisions=counts.revisions,
    )


def empty(archive: str, until: date | None = None, window_days: int = WINDOW_DAYS) -> ArchiveHealth:
    """An archive with no snapshot yet (a local directory the first run has not created)."""
    until = until or date.today()
    days = tuple(
        (until - timedelta(days=window_days - 1 - k)).isoformat() for k in range(window_days)
    )
    return ArchiveHealth(archive=archive, days=days, outlets=(), gaps=(), problems=(), snapshots=())
