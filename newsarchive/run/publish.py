"""Publishing a run's snapshot: exactly once per run, carrying forward whatever the day already held.

1. A retried publish of a run that already completed returns that snapshot (and finishes its bookkeeping).
2. Each outlet's status comes from this run's staging only: ok, gap (the stage that failed and why) or
   not_run (in the day's earlier rev but not selected or no longer in the registry).
3. The run claims a rev, waits for lower revs of the day still being published, and carries forward every
   row of the newest complete one whose URL this run did not capture again (`carried_from` names the rev
   whose WARC holds its capture). So no article of a day ever leaves the readers' view of that day.
4. Files, manifest, `_SUCCESS`; then the crawl states take in what this run archived; then the run's
   staging is deleted.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from archive import layout
from archive.current_table import refresh_day
from archive.dedup_index import concat, read_segment, read_snapshot_segment, select, write_segment
from archive.records import ArchivedRow, CrawlReport, Manifest, OutletCounts, RecordError
from archive.snapshot import (
    SnapshotRef,
    abandon,
    claim_rev,
    load_manifest,
    published_by,
    read_rows,
    wait_for_lower_revs,
    write_snapshot,
)
from archive.store import ObjectNotFound, Store, open_store
from archive.warc import append_article_links
from dedup.urls import canonical_url
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.run import quality
from newsarchive.run.runs import RunRef, get_json, read_gap
from newsarchive.run.stages import NothingToPublish
from newsarchive.run.stages import read_rows as read_staged_rows
from outlets.model import Registry
from outlets.registry import load_registry
from search.segment import index_published
from spiders.state import CrawlRun, commit_crawl_run

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    ref: SnapshotRef
    store: str
    manifest: Manifest

    def to_dict(self) -> dict:
        return {
            "snapshot": self.ref.label,
            "prefix": self.ref.prefix,
            "store": self.store,
            "counts": self.manifest.to_dict()["counts"],
        }


def publish_stage(settings: Settings, run: RunRef, outlet_ids: list[str]) -> Published:
    store = open_store(settings.archive, retention_days=settings.retention_days)
    try:
        dedup_report = get_json(store, run.dedup_report)
    except ObjectNotFound:
        dedup_report = None  # nothing staged: published and cleaned up already, or dedup never ran
    generation = dedup_report.get("generation", "") if dedup_report else None
    done = published_by(store, run.day, run.run_id, generation)
    if done and dedup_report is None and any(True for _ in store.list(run.staging)):
        # staged data of a later attempt (a cleared run) whose dedup did not run: never mistake it for the
        # finished snapshot of an earlier attempt, whose bookkeeping would mark the new crawls as archived
        done = None
    if done:
        logger.info(
            "run %s already published %s; finishing its bookkeeping", run.run_id, done.label
        )
        manifest = load_manifest(store, done)
        finish_run(store, run, manifest)
        return Published(done, store.url, manifest)
    if dedup_report is None:
        raise NothingToPublish(
            f"run {run.run_id} has nothing staged for {run.day}: its dedup stage has not run"
        )
    registry = load_registry(settings.outlets_path)
    rows = read_staged_rows(store, run.dedup_rows)
    outlets = {outlet_id: _outlet_counts(store, run, outlet_id) for outlet_id in outlet_ids}
    if not any(c.status == "ok" for c in outlets.values()):
        causes = "; ".join(f"{o}: {c.gap.message}" for o, c in outlets.items() if c.gap)
        raise NothingToPublish(
            f"nothing to publish for {run.day}: every outlet's crawl or extraction failed "
            f"in run {run.run_id} ({causes})"
        )
    _count_new_rows(outlets, rows)
    quality_figures = quality.quality_figures(
        registry,
        {o: c.to_dict() for o, c in outlets.items()},
        [r.to_dict() for r in rows],
        quality.recent_yields(store, run.day, settings.quality_rules.history_days),
        settings.quality_rules,
    )
    ref = claim_rev(store, run.day, run.run_id, generation or "")
    try:
        base = wait_for_lower_revs(store, ref)
        with tempfile.TemporaryDirectory(prefix="newsarchive-stage-") as tmp:
            carried, carried_segment, base_manifest = _carry_forward(store, base, rows, Path(tmp))
            for outlet_id in {r.outlet for r in carried} | set(
                base_manifest.outlets if base_manifest else ()
            ):
                outlets.setdefault(outlet_id, OutletCounts(status="not_run"))
            _count_all_rows(outlets, rows + carried)
            warcs = _staged_warcs(store, run, outlets, rows, Path(tmp))
            segment = Path(tmp) / "dedup-index.npz"
            store.download(run.dedup_segment, segment)
            if carried_segment is not None:
                write_segment(concat(read_segment(segment), carried_segment), segment)
            manifest = Manifest(
                day=ref.day,
                rev=ref.rev,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                run_id=run.run_id,
                software=f"newsarchive {__version__}",
                config_hash=config_hash(registry),
                outlets=dict(sorted(outlets.items())),
                files=[],
                base=base.label if base else None,
                archived=len(rows) + len(carried),
                new=sum(c.new for c in outlets.values()),
                carried=len(carried),
                duplicates=sum(c.duplicates for c in outlets.values()),
                dedup={
                    "reasons": dedup_report.get("reasons", {}),
                    "window": dedup_report.get("window", []),
                    "window_skipped": dedup_report.get("window_skipped", []),
                },
                quality=quality_figures,
            )
            manifest = write_snapshot(
                store,
                ref,
                rows + carried,
                warcs,
                manifest,
                extra={layout.dedup_index_key(""): segment},
            )
    except BaseException:
        abandon(
            store, ref, f"publish of {run.run_id} failed"
        )  # best effort; gc removes it either way
        raise
    finish_run(store, run, manifest)
    return Published(ref, store.url, manifest)


def _outlet_counts(store: Store, run: RunRef, outlet_id: str) -> OutletCounts:
    try:
        crawl = CrawlReport.from_dict(get_json(store, run.crawl_report(outlet_id)))
    except (ObjectNotFound, ValueError, RecordError):
        return OutletCounts(status="gap", gap=read_gap(store, run, "crawl", outlet_id))
    try:
        extract = get_json(store, run.extract_report(outlet_id))
        if not store.exists(run.articles(outlet_id)):
            raise ObjectNotFound(run.articles(outlet_id))
    except (ObjectNotFound, ValueError):
        return OutletCounts(
            status="gap", crawl=crawl, gap=read_gap(store, run, "extract", outlet_id)
        )
    return OutletCounts(
        status="ok",
        crawl=crawl,
        extracted=int(extract.get("extracted", 0)),
        extract_failed=dict(extract.get("extract_failed", {})),
    )


def _count_new_rows(outlets: dict[str, OutletCounts], rows: list[ArchivedRow]) -> None:
    for outlet_id, counts in outlets.items():
        own = [r for r in rows if r.outlet == outlet_id]
        counts.duplicates = sum(1 for r in own if r.duplicate_of)
        counts.revisions = sum(1 for r in own if r.revision_of)
        counts.new = len(own) - counts.duplicates


def _count_all_rows(outlets: dict[str, OutletCounts], rows: list[ArchivedRow]) -> None:
    for outlet_id, counts in outlets.items():
        own = [r for r in rows if r.outlet == outlet_id]
        counts.archived = len(own)
        counts.carried = sum(1 for r in own if r.carried_from)
        counts.current = sum(1 for r in own if not r.duplicate_of)
        counts.languages = dict(Counter(r.language for r in own))


def _carry_forward(store: Store, base: SnapshotRef | None, rows: list[ArchivedRow], tmp: Path):
    """The base rev's rows whose URL this run did not capture again, with their provenance, and their
    entries of the base's dedup index segment."""
    if base is None:
        return [], None, None
    manifest = load_manifest(store, base)
    recaptured = {canonical_url(r.url) for r in rows}
    carried = [
        replace(r, carried_from=r.carried_from or base.label)
        for r in read_rows(store, manifest)
        if canonical_url(r.url) not in recaptured
    ]
    segment = (
        select(read_snapshot_segment(store, base, tmp), {r.id for r in carried})
        if carried
        else None
    )
    logger.info("%s: %d rows carried forward", base.label, len(carried))
    return carried, segment, manifest


def _staged_warcs(
    store: Store, run: RunRef, outlets: dict[str, OutletCounts], rows: list[ArchivedRow], tmp: Path
) -> dict[str, Path]:
    """This run's WARC of every outlet it crawled (kept even when extraction failed: the raw captures are
    the archive; and when the crawl failed: its error answers are the evidence its gap names), with a
    metadata record linking each archived article to its capture."""
    warcs = {}
    for outlet_id, counts in outlets.items():
        if counts.crawl is None and not (counts.gap and store.exists(run.warc(outlet_id))):
            continue
        path = tmp / f"{outlet_id}.warc.gz"
        store.download(run.warc(outlet_id), path)
        append_article_links(
            path,
            [
                {
                    "url": r.url,
                    "capture_id": r.capture_id,
                    "article_id": r.id,
                    "canonical_url": r.canonical_url,
                }
                for r in rows
                if r.outlet == outlet_id and r.capture_id
            ],
        )
        warcs[outlet_id] = path
    return warcs


def finish_run(store: Store, run: RunRef, manifest: Manifest) -> None:
    """After the snapshot is complete: each crawl that ran whole in this run marks what it archived as seen
    (idempotent), then the run's staging goes. Safe to repeat (a retried publish, `newsarchive gc`).
    First the current-articles table takes in the day's newest rev (a failure leaves the staging for the retry)."""
    refresh_day(store, manifest.day)
    for outlet_id, counts in manifest.outlets.items():
        if counts.status != "ok":
            continue
        try:
            crawl_run = CrawlRun.from_bytes(store.get_bytes(run.crawl_run(outlet_id)))
            failed = get_json(store, run.extract_report(outlet_id)).get("failed_urls", {})
        except ObjectNotFound:
            continue  # committed and cleaned up by an earlier attempt
        state = commit_crawl_run(store, crawl_run, failed)
        logger.info(
            "%s: crawl state now has %d seen, %d pending",
            outlet_id,
            len(state.seen),
            len(state.pending),
        )
    index_published(
        store, SnapshotRef(manifest.day, manifest.rev)
    )  # best effort: search-index builds a missing one
    store.delete_prefix(run.staging)


def config_hash(registry: Registry) -> str:
    import hashlib

    return hashlib.sha256(registry.path.read_bytes()).hexdigest()[:16]
