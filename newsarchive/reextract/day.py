"""`newsarchive reextract` and the `news_reextract` DAG: archived days extracted again from their WARCs
(newsarchive/reextract/plan.py) and published, per day, as a new rev derived from the day's newest one.

The new rev goes through the same machinery as a run's (archive/snapshot.py): a claimed rev, the lower
revs waited for, files then manifest then `_SUCCESS`, exactly once per run id. It holds no WARC of its
own: every row's `carried_from` names the rev whose WARC holds its capture, so nothing is copied and the
source rev is never touched. Its manifest says `derived` (from, reason), `extractor` (engine, rules per
outlet); crawl counts are the source's, extraction counts the new ones; `reextract/<outlet>.diff.json`
is the diff report. No request is made to any outlet.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from archive import layout
from archive.dedup_index import write_segment
from archive.records import Manifest, OutletCounts
from archive.seal import Sealer
from archive.snapshot import (
    SnapshotRef,
    abandon,
    claim_rev,
    newest_revs,
    published_by,
    wait_for_lower_revs,
    write_snapshot,
)
from archive.store import Store, open_store
from common.errors import NewsArchiveError
from extract.engine import OutletContext
from extract.provenance import engine_version, rules_hash
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.reextract.plan import DayPlan, plan_day
from newsarchive.reextract.report import OutletDiff
from newsarchive.run import quality
from newsarchive.run.publish import config_hash
from outlets.model import Registry
from outlets.registry import load_registry

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # the day's newest rev changed while we worked: plan again from the new one
MAX_DAYS = 3660


class ReextractError(NewsArchiveError):
    """A request that cannot be done as given (a range backwards or too long, an archive without the days)."""

    reason = "reextract"
    retryable = False


class DayChanged(NewsArchiveError):
    """Other runs kept publishing the day while it was re-extracted: a later try can succeed."""

    reason = "day_changed"


@dataclass(frozen=True)
class ReextractRequest:
    outlets: tuple[str, ...] = ()  # none: every outlet in the registry
    only_stale: bool = False  # only rows made by another extractor than the current one
    dry_run: bool = False  # the report, nothing published
    reason: str = ""


@dataclass
class DayResult:
    day: str
    source: str | None = None
    published: str | None = None
    note: str = ""  # why nothing was published
    reports: list[OutletDiff] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def headline(self) -> str:
        if self.published:
            return f"{self.day}: published {self.published} (derived from {self.source})"
        return f"{self.day}: {self.note}" + (f" ({self.source})" if self.source else "")

    def to_dict(self) -> dict:
        return {
            "day": self.day,
            "source": self.source,
            "published": self.published,
            "note": self.note,
            "problems": self.problems,
            "reports": [r.to_dict() for r in self.reports],
        }


def days_between(since: date, until: date) -> list[date]:
    if until < since:
        raise ReextractError(
            f"--until {until} is before --since {since}; give a range that runs forward"
        )
    if (until - since).days >= MAX_DAYS:
        raise ReextractError(f"{since} to {until} is more than {MAX_DAYS} days; split the range")
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def archived_days(settings: Settings, since: date, until: date) -> list[date]:
    """The days of the range that have a complete snapshot."""
    days_between(since, until)
    store = open_store(settings.archive, create=False)
    return [date.fromisoformat(ref.day) for ref in newest_revs(store, since, until)]


def reextract_day(
    settings: Settings, day: date, request: ReextractRequest, run_id: str
) -> DayResult:
    """Re-extract one day and publish it as a derived rev (unless a dry run, or nothing changed)."""
    store = open_store(settings.archive, create=False, retention_days=settings.retention_days)
    registry = load_registry(settings.outlets_path)
    outlets = registry.select(list(request.outlets) or None)
    if not request.dry_run and (done := published_by(store, day, run_id)) is not None:
        return DayResult(
            day.isoformat(), published=done.label, note="published by this run already"
        )  # a retry
    for _ in range(MAX_ATTEMPTS):
        refs = newest_revs(store, day, day)
        if not refs:
            return DayResult(day.isoformat(), note="no snapshot of this day")
        source = refs[-1]
        plan = plan_day(settings, store, source, outlets, only_stale=request.only_stale)
        result = DayResult(
            day.isoformat(),
            source.label,
            reports=[w.diff for w in plan.work.values()],
            problems=[p for w in plan.work.values() for p in w.problems],
        )
        if not plan.work:
            result.note = (
                "nothing stale: every row was made by the current extractor"
                if request.only_stale
                else "nothing to re-extract for these outlets"
            )
            return result
        if request.dry_run:
            result.note = "dry run: nothing published"
            return result
        if not plan.changed:
            result.note = "nothing changed: no rev published"
            return result
        generation = _generation(plan, request)
        done = published_by(store, day, run_id, generation)
        if done is not None:  # a retried task: published once already
            result.published = done.label
            return result
        seal = settings.sealer()  # a bad key path stops before a rev is claimed
        ref = claim_rev(store, day, run_id, generation)
        try:
            base = wait_for_lower_revs(store, ref)
            if base != source:  # a rev was published meanwhile: its rows are the day now
                abandon(
                    store,
                    ref,
                    f"reextract {run_id}: {base.label if base else 'no rev'} is newer than {source.label}",
                )
                logger.info("%s: the day changed while re-extracting; planning again", ref.label)
                continue
            _publish(settings, store, registry, ref, plan, request, run_id, seal)
        except BaseException:
            abandon(store, ref, f"reextract {run_id} failed")
            raise
        result.published = ref.label
        return result
    raise DayChanged(
        f"{day}: the day's newest rev changed {MAX_ATTEMPTS} times while re-extracting; run again"
    )


def _generation(plan: DayPlan, request: ReextractRequest) -> str:
    what = [plan.source.label, request.only_stale, request.reason] + sorted(
        w.extractor for w in plan.work.values()
    )
    return hashlib.sha256(repr(what).encode()).hexdigest()[:16]


def _counts(plan: DayPlan) -> dict[str, OutletCounts]:
    """The source's counts, crawl figures unchanged; extraction figures new for the outlets re-extracted;
    the rows' figures counted again (`own`: captured by the source's run, the rest carried)."""
    outlets = {o: OutletCounts.from_dict(c.to_dict(), o) for o, c in plan.manifest.outlets.items()}
    for outlet_id, work in plan.work.items():
        counts = outlets.setdefault(outlet_id, OutletCounts(status="not_run"))
        if counts.crawl is not None:
            counts.extracted, counts.extract_failed = work.extracted, dict(work.failed)
    for outlet_id, counts in outlets.items():
        rows = [r for r in plan.rows if r.outlet == outlet_id]
        own = [r for r in rows if r.id in plan.own]
        counts.duplicates = sum(1 for r in own if r.duplicate_of)
        counts.revisions = sum(1 for r in own if r.revision_of)
        counts.new = len(own) - counts.duplicates
        counts.archived = len(rows)
        counts.carried = len(rows) - len(own)
        counts.current = sum(1 for r in rows if not r.duplicate_of)
        counts.languages = dict(Counter(r.language for r in rows))
    return dict(sorted(outlets.items()))


def _publish(
    settings: Settings,
    store: Store,
    registry: Registry,
    ref: SnapshotRef,
    plan: DayPlan,
    request: ReextractRequest,
    run_id: str,
    seal: Sealer | None = None,
) -> Manifest:
    outlets = _counts(plan)
    own_rows = [r.to_dict() for r in plan.rows if r.id in plan.own]
    known = {o.id for o in registry.outlets}
    figures = quality.quality_figures(
        registry,
        {o: c.to_dict() for o, c in outlets.items() if o in known and c.status != "not_run"},
        own_rows,
        quality.recent_yields(
            store, date.fromisoformat(ref.day), settings.quality_rules.history_days
        ),
        settings.quality_rules,
    )
    rules = {o: rules_hash(OutletContext.for_outlet(registry.get(o))) for o in plan.work}
    manifest = Manifest(
        day=ref.day,
        rev=ref.rev,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id=run_id,
        software=f"newsarchive {__version__}",
        config_hash=config_hash(registry),
        outlets=outlets,
        files=[],
        base=plan.source.label,
        archived=len(plan.rows),
        new=sum(c.new for c in outlets.values()),
        carried=sum(c.carried for c in outlets.values()),
        duplicates=sum(c.duplicates for c in outlets.values()),
        dedup=plan.dedup,
        quality=figures,
        derived_from=plan.source.label,
        derived_reason=request.reason or None,
        extractor=engine_version(__version__),
        rules=rules,
    )
    with tempfile.TemporaryDirectory(prefix="newsarchive-reextract-publish-") as tmp:
        segment = Path(tmp) / "dedup-index.npz"
        write_segment(plan.segment, segment)
        extra = {layout.dedup_index_key(""): segment}
        for outlet_id, work in plan.work.items():
            path = Path(tmp) / f"{outlet_id}.diff.json"
            path.write_bytes(work.diff.to_bytes())
            extra[layout.reextract_report_key("", outlet_id)] = path
        return write_snapshot(store, ref, plan.rows, {}, manifest, extra=extra, seal=seal)
