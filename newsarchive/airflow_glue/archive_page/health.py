"""The archive's health as ops read it, from the snapshots' manifests (the archive is the only database).

Per outlet: new articles per day over the window, the last run's counts; every gap and its cause; the
canary's problems; the latest snapshots with size, article count and verify status. Manifests are read
through the archive's readers (checked against their success markers); a damaged one is named, not fatal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from archive.snapshot import DamagedObject, SnapshotRef, load_manifest, newest_revs
from archive.store import Store
from archive.verify import verify
from common.errors import NewsArchiveError
from newsarchive.run.quality import QualityFigures

WINDOW_DAYS = 30
VERIFIED_SNAPSHOTS = 7  # the latest snapshots whose files are verified (SHA-256 of every file)


@dataclass(frozen=True)
class DayPoint:
    day: str
    new: int  # the day's articles that are not duplicates
    status: str  # ok | gap


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
    last: LastRun | None


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


Verifier = Callable[[Store, SnapshotRef], tuple[str, ...]]


def verify_problems(store: Store, ref: SnapshotRef) -> tuple[str, ...]:
    return tuple(verify(store, ref, retention=False).problems)


def collect(
    store: Store,
    *,
    until: date | None = None,
    window_days: int = WINDOW_DAYS,
    verified: int = VERIFIED_SNAPSHOTS,
    verifier: Verifier = verify_problems,
) -> ArchiveHealth:
    """The health of the archive over the window ending at `until` (default: the newest snapshot's day)."""
    refs = newest_revs(store)
    if until is None:
        until = date.fromisoformat(refs[-1].day) if refs else date.today()
    since = until - timedelta(days=window_days - 1)
    refs = [r for r in refs if since <= date.fromisoformat(r.day) <= until]
    points: dict[str, list[DayPoint]] = {}
    gaps: list[GapRow] = []
    problems: list[ProblemRow] = []
    snapshots: list[SnapshotRow] = []
    damaged: list[str] = []
    last: dict[str, LastRun] = {}
    for n, ref in enumerate(reversed(refs)):  # newest first
        try:
            manifest = load_manifest(store, ref)
        except (DamagedObject, NewsArchiveError, OSError) as exc:
            damaged.append(f"{ref.label}: {exc}")
            continue
        for outlet, counts in manifest.outlets.items():
            status = "gap" if counts.gap else counts.status
            points.setdefault(outlet, []).append(DayPoint(ref.day, counts.current, status))
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
            if outlet not in last and n == 0:
                crawl = counts.crawl
                last[outlet] = LastRun(
                    day=ref.day,
                    run_id=manifest.run_id,
                    status=status,
                    discovered=crawl.discovered if crawl else 0,
                    fetched=crawl.fetched if crawl else 0,
                    failed=dict(crawl.failed) if crawl else {},
                    extracted=counts.extracted,
                    duplicates=counts.duplicates,
                    archived=counts.archived,
                    revisions=counts.revisions,
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
    days = tuple((since + timedelta(days=k)).isoformat() for k in range(window_days))
    outlets = tuple(
        OutletHealth(o, tuple(reversed(points[o])), last.get(o)) for o in sorted(points)
    )
    return ArchiveHealth(
        archive=store.url,
        days=days,
        outlets=outlets,
        gaps=tuple(gaps),
        problems=tuple(problems),
        snapshots=tuple(snapshots),
        damaged=tuple(damaged),
    )


def empty(archive: str, until: date | None = None, window_days: int = WINDOW_DAYS) -> ArchiveHealth:
    """An archive with no snapshot yet (a local directory the first run has not created)."""
    until = until or date.today()
    days = tuple(
        (until - timedelta(days=window_days - 1 - k)).isoformat() for k in range(window_days)
    )
    return ArchiveHealth(archive=archive, days=days, outlets=(), gaps=(), problems=(), snapshots=())
