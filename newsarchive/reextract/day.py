"""`newsarchive reextract` and the `news_reextract` DAG: archived days extracted again from their WARCs
(newsarchive/reextract/plan.py) and published, per day, as a new rev derived from the day's newest one.

The new rev goes through the run lifecycle's publish transaction and dedup pass
(newsarchive/run/lifecycle/): a claimed rev, the lower revs waited for, the whole day deduplicated in
the articles' own order, files then manifest then `_SUCCESS`, exactly once per run id. A day whose
re-extraction changes no text, metadata or article publishes nothing (a new extractor id alone is no
change). It holds no WARC of its own: every row's `carried_from` names the rev whose WARC holds its
capture, so nothing is copied and the source rev is never touched. Its manifest says `derived` (from,
reason), `extractor` (engine, rules per outlet); crawl counts are the source's, extraction counts the
new ones; `reextract/<outlet>.diff.json` is the diff report. No request is made to any outlet.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from archive import layout
from archive.records import OutletCounts
from archive.snapshot import SnapshotRef, newest_revs, published_by
from archive.store import Store, open_store
from common.errors import NewsArchiveError
from common.values import BadValue, day_range
from extract.engine import OutletContext
from extract.provenance import engine_version, rules_hash
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.reextract.plan import DayPlan, plan_day
from newsarchive.reextract.report import OutletDiff
from newsarchive.run import quality
from newsarchive.run.lifecycle.dedup import dedup_day
from newsarchive.run.lifecycle.transaction import (
    Snapshot,
    count_rows,
    manifest_of,
    refresh_derived,
    segment_file,
    transact,
)
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "source": self.source,
            "published": self.published,
            "note": self.note,
            "problems": self.problems,
            "reports": [r.to_dict() for r in self.reports],
        }


def days_between(since: date, until: date) -> list[date]:
    try:
        day_range(since, until, MAX_DAYS)  # the one check of a range of days (common/values.py)
    except BadValue as exc:
        raise ReextractError(f"--since {since} --until {until}: {exc}") from None
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
        try:
            build = partial(_build, settings, store, registry, plan, request, run_id)
            published = transact(store, day, run_id, generation, build, settings.sealer())
        except _SourceSuperseded as exc:
            logger.info("%s: the day changed while re-extracting (%s); planning again", day, exc)
            continue
        if published is None:
            result.note = "nothing changed: no rev published"
            return result
        refresh_derived(store, published[0], settings)
        result.published = published[0].label
        return result
    raise DayChanged(
        f"{day}: the day's newest rev changed {MAX_ATTEMPTS} times while re-extracting; run again"
    )


class _SourceSuperseded(NewsArchiveError):
    """A rev published while the day was re-extracted: its rows are the day now."""


def _generation(plan: DayPlan, request: ReextractRequest) -> str:
    what = [plan.source.label, request.only_stale, request.reason] + sorted(
        w.extractor for w in plan.work.values()
    )
    return hashlib.sha256(repr(what).encode()).hexdigest()[:16]


def _counts(plan: DayPlan) -> dict[str, OutletCounts]:
    """The source's counts, crawl figures unchanged; extraction figures new for the outlets re-extracted."""
    outlets = {o: OutletCounts.from_dict(c.to_dict(), o) for o, c in plan.manifest.outlets.items()}
    for outlet_id, work in plan.work.items():
        counts = outlets.setdefault(outlet_id, OutletCounts(status="not_run"))
        if counts.crawl is not None:
            counts.extracted, counts.extract_failed = work.extracted, dict(work.failed)
    return outlets


def _build(
    settings: Settings,
    store: Store,
    registry: Registry,
    plan: DayPlan,
    request: ReextractRequest,
    run_id: str,
    ref: SnapshotRef,
    base: SnapshotRef | None,
    tmp: Path,
) -> Snapshot:
    """The derived rev, deduplicated by the one dedup pass; the row figures counted as a run's are
    (`own`: captured by the source's run, the rest carried)."""
    if base != plan.source:
        raise _SourceSuperseded(
            f"{base.label if base else 'no rev'} is newer than {plan.source.label}"
        )
    day = dedup_day(
        store,
        date.fromisoformat(ref.day),
        plan.rows,
        settings.dedup_window_days,
        settings.dedup_threshold,
    )
    outlets = _counts(plan)
    count_rows(outlets, day.rows, lambda r: r.id in plan.own)
    figures = quality.quality_figures(
        registry,
        outlets,
        day.rows,
        quality.recent_yields(
            store, date.fromisoformat(ref.day), settings.quality_rules.history_days
        ),
        settings.quality_rules,
    )
    rules = {o: rules_hash(OutletContext.for_outlet(registry.get(o))) for o in plan.work}
    manifest = manifest_of(
        ref,
        run_id,
        registry,
        outlets,
        day.rows,
        plan.source,
        day,
        figures.to_dict(),
        derived_from=plan.source.label,
        derived_reason=request.reason or None,
        extractor=engine_version(__version__),
        rules=rules,
    )
    extra = segment_file(day, tmp)
    for outlet_id, work in plan.work.items():
        path = tmp / f"{outlet_id}.diff.json"
        path.write_bytes(work.diff.to_bytes())
        extra[layout.reextract_report_key("", outlet_id)] = path
    return Snapshot(day.rows, {}, manifest, extra)
