"""A run's way from staged outputs to a finished snapshot: deduplicate, publish, finish, conclude.

Each step reads the run's state from the archive (state.py) and moves it on from wherever it is, so a
first try, a retry, a cleared task and a whole cleared run all end the same way:

- staged: the per-outlet stages (newsarchive/run/stages.py) left outputs, each named by its attempt;
- deduplicated: a dedup pass over the whole day (these outputs and the rows carried from the day's
  newest rev) is staged, naming the outputs (`generation`) and the base it read;
- published: a complete rev claimed by the run for that generation exists;
- finished: the crawl states took in what it archived, the day's derived data is current, and the
  outputs it consumed are gone from staging (a newer attempt staged meanwhile stays, unpublished).

An outlet with nothing staged is whatever the run published of it last (its counts and gap carried from
the run's newest rev that has it: a cleared run never reports an outlet it already published as a gap),
or a `not_finished` gap if the run never staged or published it.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from archive.dedup_index import read_segment, write_segment
from archive.records import ArchivedRow, Manifest, OutletCounts
from archive.snapshot import SnapshotRef, load_manifest, published_by
from archive.store import ObjectNotFound, Store, open_store
from archive.warc import append_article_links
from common.cdxj_entry import sidecar_name
from common.errors import DamagedObject, NewsArchiveError
from common.timing import timed
from newsarchive.config import Settings
from newsarchive.run import quality, staged
from newsarchive.run.lifecycle.dedup import DayDedup, carry_forward, dedup_day
from newsarchive.run.lifecycle.state import (
    PublishedRev,
    Staged,
    newest_of_day,
    published,
    read_staged,
    run_revs,
)
from newsarchive.run.lifecycle.transaction import (
    Snapshot,
    count_rows,
    manifest_of,
    refresh_derived,
    segment_file,
    transact,
)
from newsarchive.run.runs import RunRef
from newsarchive.run.staged import DedupReport
from newsarchive.run.stages import not_finished
from outlets.registry import load_registry
from spiders.state import commit_crawl_run, load_crawl_run

logger = logging.getLogger(__name__)


def preflight(settings: Settings) -> Store:
    """What would stop a run from publishing, named before anything is crawled or written: a registry
    that does not load, a signing key, certificate or TSA CA file that does not load, a retention on
    an archive that cannot hold one (a local directory), an S3 bucket that does not answer. Every run
    calls it first (`newsarchive run`, `demo` and `outlets capture` before their heartbeat, the DAG's
    first task); the archive's store is returned. Not checked here: whether an S3 bucket has Object
    Lock (its first retained write says so) and whether the TSA answers (publish asks it)."""
    load_registry(settings.outlets_path)
    settings.sealer()
    return open_store(settings.archive, retention_days=settings.retention_days)


class NothingToPublish(NewsArchiveError):
    reason = "nothing_to_publish"
    retryable = False  # every outlet failed in this run: a retry cannot change that


@dataclass(frozen=True)
class Published:
    VERSION: ClassVar[int] = 1
    ref: SnapshotRef
    store: str
    manifest: Manifest

    def to_dict(self) -> dict[str, Any]:
        """What the publish task's XCom and asset event carry."""
        return {
            "snapshot": self.ref.label,
            "store": self.store,
            "prefix": self.ref.prefix,
            "archived": self.manifest.archived,
        }


# -- deduplicated ------------------------------------------------------------------------------------
def deduplicate(settings: Settings, run: RunRef, outlet_ids: list[str]) -> DedupReport | None:
    """Stage the dedup pass over the day as it would be published now (None: nothing staged that the
    run has not published)."""
    with timed("dedup"):
        return _deduplicate(settings, run, outlet_ids)


def _deduplicate(settings: Settings, run: RunRef, outlet_ids: list[str]) -> DedupReport | None:
    store = open_store(settings.archive)
    state = _unpublished(store, run, outlet_ids)
    if state.empty:
        return None
    base = newest_of_day(store, run.day)
    day = _day(settings, store, run, state, base)
    staged.write_rows(store, run.dedup_rows, day.rows)
    with tempfile.TemporaryDirectory(prefix="newsarchive-dedup-") as tmp:
        segment = Path(tmp) / "index.npz"
        write_segment(day.segment, segment)
        store.put_file(run.dedup_segment, segment, overwrite=True)
    report = DedupReport(
        generation=state.generation,
        base=base.label if base else None,
        articles=len(day.rows),
        reasons=day.reasons,
        window=day.window,
        window_skipped=day.window_skipped,
        window_articles=day.window_articles,
    )
    staged.write(store, run.dedup_report, report)  # last: the pass is staged whole or not at all
    return report


def _unpublished(store: Store, run: RunRef, outlet_ids: list[str] | None) -> Staged:
    state = read_staged(store, run, outlet_ids)
    return state.only(set(state.outlets) - set(published(state, run_revs(store, run))))


def _day(
    settings: Settings, store: Store, run: RunRef, state: Staged, base: SnapshotRef | None
) -> DayDedup:
    """The one dedup pass: the run's staged rows and the base's rows it did not capture again."""
    rows: list[ArchivedRow] = []
    for outlet in state.outlets.values():
        if outlet.ok:
            rows += staged.read_rows(store, run.articles(outlet.outlet))
    carried, _ = carry_forward(store, base, rows)
    return dedup_day(
        store, run.day, rows + carried, settings.dedup_window_days, settings.dedup_threshold
    )


# -- published ---------------------------------------------------------------------------------------
def publish(settings: Settings, run: RunRef, outlet_ids: list[str]) -> Published:
    """The run's staged outputs that it has not published as the day's next rev, exactly once; then
    finished. Outputs a rev of the run holds already are finished only (a retry, a finish cut short).
    Its log times the whole (`TIMING publish run`) and each part (`publish.<part>`: common/timing.py)."""
    with timed("publish"):
        return _publish(settings, run, outlet_ids)


def _publish(settings: Settings, run: RunRef, outlet_ids: list[str]) -> Published:
    store = open_store(settings.archive, retention_days=settings.retention_days)
    full, history = read_staged(store, run, outlet_ids), run_revs(store, run)
    held = published(full, history)
    for rev in {r.ref: r for r in held.values()}.values():
        logger.info("run %s published %s already; finishing it", run.run_id, rev.ref.label)
        finish(
            store,
            run,
            rev.ref,
            rev.manifest,
            full.only({o for o, r in held.items() if r.ref == rev.ref}),
            settings,
        )
    state = full.only(set(full.outlets) - set(held))
    if state.empty:
        if not history:
            raise NothingToPublish(
                f"run {run.run_id} has nothing staged for {run.day} and published nothing: "
                "none of its crawls ran"
            )
        for key in run.dedup_outputs:
            store.delete(key)
        return Published(history[-1].ref, store.url, history[-1].manifest)
    outlets = outlet_counts(state, history, outlet_ids)
    if not any(c.status == "ok" for c in outlets.values()):
        causes = "; ".join(f"{o}: {c.gap.message}" for o, c in outlets.items() if c.gap)
        raise NothingToPublish(
            f"nothing to publish for {run.day}: every outlet's crawl or extraction failed "
            f"in run {run.run_id} ({causes})"
        )
    registry = load_registry(settings.outlets_path)
    mine = {r.ref.label for r in history}

    def build(ref: SnapshotRef, base: SnapshotRef | None, tmp: Path) -> Snapshot:
        with timed("publish.rows"):  # the staged dedup pass (or the pass again), the base's rows
            day = _staged_day(store, run, state, base, tmp) or _day(
                settings, store, run, state, base
            )
        counts = {o: replace(c) for o, c in outlets.items()}
        earlier = set(load_manifest(store, base).outlets) if base else set()
        for outlet_id in earlier | {r.outlet for r in day.rows}:  # in the day, not in this run
            counts.setdefault(outlet_id, OutletCounts(status="not_run"))
        count_rows(counts, day.rows, lambda r: r.carried_from is None or r.carried_from in mine)
        figures = quality.quality_figures(
            registry,
            counts,
            day.rows,
            quality.recent_yields(store, run.day, settings.quality_rules.history_days),
            settings.quality_rules,
        )
        manifest = manifest_of(
            ref, run.run_id, registry, counts, day.rows, base, day, figures.to_dict()
        )
        with timed("publish.warc"):  # the staged WARCs fetched, each with its article links
            warcs = _staged_warcs(store, run, state, day.rows, tmp)
        return Snapshot(day.rows, warcs, manifest, segment_file(day, tmp))

    done = transact(store, run.day, run.run_id, state.generation, build, settings.sealer())
    assert done is not None  # a run's build always makes a snapshot
    ref, manifest = done
    finish(store, run, ref, manifest, state, settings)
    for key in run.dedup_outputs:  # consumed, or made for outputs older than these
        store.delete(key)
    return Published(ref, store.url, manifest)


def outlet_counts(
    state: Staged, history: list[PublishedRev], outlet_ids: list[str]
) -> dict[str, OutletCounts]:
    """Each outlet's status and stage figures: from staging; else as the run published it last."""
    outlets = {}
    for outlet_id in outlet_ids:
        if (staged_outlet := state.outlets.get(outlet_id)) is not None:
            report = staged_outlet.report
            if staged_outlet.ok and staged_outlet.extract is not None:
                extract = staged_outlet.extract
                outlets[outlet_id] = OutletCounts(
                    status="ok",
                    crawl=report,
                    extracted=extract.extracted,
                    extract_failed=dict(extract.failed),
                )
            else:
                outlets[outlet_id] = OutletCounts(status="gap", crawl=report, gap=staged_outlet.gap)
            continue
        earlier = [
            r.manifest.outlets[outlet_id] for r in history if outlet_id in r.manifest.outlets
        ]
        earlier = [c for c in earlier if c.status != "not_run"]
        if earlier:  # published by this run already (a cleared task): as it was published
            last = earlier[-1]
            outlets[outlet_id] = OutletCounts(
                status=last.status,
                crawl=last.crawl,
                extracted=last.extracted,
                extract_failed=dict(last.extract_failed),
                gap=last.gap,
            )
        else:
            outlets[outlet_id] = OutletCounts(status="gap", gap=not_finished("crawl"))
    return outlets


def _staged_day(
    store: Store, run: RunRef, state: Staged, base: SnapshotRef | None, tmp: Path
) -> DayDedup | None:
    """The staged dedup pass, if it read exactly these outputs against this base."""
    report = state.dedup_fresh
    if report is None or report.base != (base.label if base else None):
        return None
    try:
        rows = staged.read_rows(store, run.dedup_rows)
        segment = tmp / "staged-index.npz"
        store.download(run.dedup_segment, segment)
        return DayDedup(
            rows,
            read_segment(segment),
            report.reasons,
            report.window,
            report.window_skipped,
            report.window_articles,
        )
    except (ObjectNotFound, NewsArchiveError) as exc:
        logger.warning(
            "run %s: staged dedup pass not usable (%s); deduplicating again", run.run_id, exc
        )
        return None


def _staged_warcs(
    store: Store, run: RunRef, state: Staged, rows: list[ArchivedRow], tmp: Path
) -> dict[str, Path]:
    """The run's WARC of every outlet it crawled (kept when extraction failed: the raw captures are the
    archive; and when the crawl failed with the error answers its gap names: the evidence), with a
    metadata record linking each of its archived articles to its capture."""
    warcs = {}
    for outlet_id, outlet in state.outlets.items():
        if outlet.crawl is None and not outlet.gap.records:
            continue
        path = tmp / f"{outlet_id}.warc.gz"
        store.download(run.warc(outlet_id), path)
        try:  # the crawl's CDXJ lines, beside it: the index is not made by reading the WARC again
            store.download(run.warc_index(outlet_id), path.with_name(sidecar_name(path.name)))
        except ObjectNotFound:
            pass  # a crawl from before the sidecar: archive/cdxj.py reads the WARC
        links = [
            {
                "url": r.url,
                "capture_id": r.capture_id,
                "article_id": r.id,
                "canonical_url": r.canonical_url,
            }
            for r in rows
            if r.outlet == outlet_id and r.capture_id and r.carried_from is None
        ]
        append_article_links(path, links)
        warcs[outlet_id] = path
    return warcs


# -- finished ----------------------------------------------------------------------------------------
def finish(
    store: Store,
    run: RunRef,
    ref: SnapshotRef,
    manifest: Manifest,
    state: Staged,
    settings: Settings | None = None,
) -> None:
    """After the rev `ref` published `state`: the day's derived data takes in the day's newest rev
    (current table, search segment); each outlet crawl the rev published whole marks what it archived
    as seen (idempotent); then those outputs go from staging (an output of a newer attempt stays). Safe
    to repeat, and to cut short: what is left is still known as published (a retry, `newsarchive gc`)."""
    refresh_derived(store, ref, settings)  # a failure leaves the staging for the retry
    with timed("publish.commit"):  # crawl states committed, staging removed
        _commit(store, run, manifest, state)


def _commit(store: Store, run: RunRef, manifest: Manifest, state: Staged) -> None:
    now = read_staged(store, run, list(state.outlets))
    consumed = [
        o
        for o, outlet in state.outlets.items()
        if o not in now.outlets or now.outlets[o].attempts == outlet.attempts
    ]  # the others: a newer attempt staged since, not what the rev published
    for outlet_id in consumed:
        outlet, counts = state.outlets[outlet_id], manifest.outlets.get(outlet_id)
        if counts is not None and counts.status == "ok" and outlet.ok and outlet.extract:
            _commit_crawl(store, run, outlet_id, outlet.extract.failed_urls)
    for outlet_id in consumed:
        for key in run.outlet_outputs(outlet_id):  # the records last: they name what is staged
            store.delete(key)


def _commit_crawl(store: Store, run: RunRef, outlet_id: str, failed_urls: dict[str, str]) -> None:
    try:
        crawl_run = load_crawl_run(store, run.crawl_run(outlet_id), outlet_id)
        committed = commit_crawl_run(store, crawl_run, failed_urls)
    except ObjectNotFound:
        return  # committed and cleaned up by an earlier attempt
    except DamagedObject as exc:  # costs only this outlet's bookkeeping, never the others'
        logger.error("%s: crawl state not updated: %s", outlet_id, exc)
        return
    logger.info(
        "%s: crawl state now has %d seen, %d pending",
        outlet_id,
        len(committed.seen),
        len(committed.pending),
    )


class RunNotPublished(NewsArchiveError):
    reason = "not_published"
    retryable = False  # the run's own tasks must run again: the message names which


def conclude(settings: Settings, run: RunRef, outlet_ids: list[str]) -> tuple[Published, str]:
    """The run's last step: whatever it staged and has not published (a task cleared or retried after
    the run's publish) is published now; then the canary's verdict on the run's newest rev
    (QualityCheckFailed naming every problem)."""
    store = open_store(settings.archive)
    if not read_staged(store, run, outlet_ids).empty:
        done = publish(settings, run, outlet_ids)
    elif history := run_revs(store, run):
        done = Published(history[-1].ref, store.url, history[-1].manifest)
    else:
        raise RunNotPublished(
            f"run {run.run_id} has published no snapshot of {run.day} and has nothing staged: "
            "clear its failed crawl tasks with their downstream tasks"
        )
    figures = quality.QualityFigures.of(done.manifest)
    return done, quality.check(figures, done.ref.label)


def published_before(store: Store, run: RunRef) -> SnapshotRef | None:
    """The first rev of its day the run published, if it published one."""
    return published_by(store, run.day, run.run_id)


def finish_published(
    store: Store, run: RunRef, settings: Settings | None = None
) -> list[SnapshotRef]:
    """Finish what the run's staging holds that a rev of the run published (gc): the revs finished.
    Outputs it has not published are left (gc removes them once they are dead)."""
    full, history = read_staged(store, run), run_revs(store, run)
    held = published(full, history)
    revs = {r.ref: r for r in held.values()}
    for rev in revs.values():
        finish(
            store,
            run,
            rev.ref,
            rev.manifest,
            full.only({o for o, r in held.items() if r.ref == rev.ref}),
            settings,
        )
    if revs and read_staged(store, run).empty:  # what is left is a dedup pass of those outputs
        for key in run.dedup_outputs:
            store.delete(key)
    return sorted(revs, key=lambda r: r.rev)
