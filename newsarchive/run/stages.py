"""The per-outlet stages as plain functions: the CLI and the Airflow tasks call these same ones.

Stages share nothing but the archive store: each reads and writes only its own run's staging objects
(newsarchive/run/runs.py) through the staged records' codec (newsarchive/run/staged.py), so any worker can
run any stage, a rerun of a stage rewrites its own run's objects only, and no run ever sees another's.
A stage attempt first stages a `not_finished` gap for its outlet, then its outputs, or the gap with the
cause when it fails: an attempt that was killed is named as such, never mistaken for one that never ran.
What happens to the staged outputs next (dedup, publish, finish) is the run's lifecycle
(newsarchive/run/lifecycle/).
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from archive.records import ArchivedRow, CrawlReport, Gap
from archive.store import ObjectNotFound, Store, StoreError, open_store
from archive.warc_digests import archived_digests, write_digests
from archive.warc_read import ARTICLE_KINDS, Capture, CaptureNotFound, Originals, iter_captures
from common.errors import ExtractionError, NewsArchiveError
from common.timing import timed
from common.warc_reader import DamagedWarc
from extract.batch import Page, extract_pages
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.run import staged
from newsarchive.run.crawl import CrawlError, run_crawl
from newsarchive.run.gone import gone_reason, gone_row
from newsarchive.run.revisits import plan
from newsarchive.run.runs import RunRef
from newsarchive.run.staged import ExtractReport, StagedCrawl, StagedGap, new_attempt
from outlets.registry import load_registry
from spiders.state import load_crawl_state
from spiders.warc import CrawlFiles, capture_paths

logger = logging.getLogger(__name__)
T = TypeVar("T")


class StageNotReady(NewsArchiveError):
    """A stage whose input its run has not staged (the extraction of an outlet whose crawl did not run)."""

    reason = "not_staged"
    retryable = False


def not_finished(stage: str) -> Gap:
    return Gap(
        stage=stage,
        reason="not_finished",
        message=f"the {stage} of this outlet did not finish in this run",
    )


def _gap(stage: str, exc: BaseException) -> Gap:
    reason = getattr(exc, "reason", None) or f"{stage}_error"
    message = (str(exc).splitlines() or [""])[0] or type(exc).__name__
    records = exc.records if isinstance(exc, CrawlError) else ()  # its error answers, in its WARC
    return Gap(stage=stage, reason=str(reason), message=message, records=records)


@contextmanager
def _attempt(store: Store, run: RunRef, stage: str, outlet: str, attempt: str) -> Iterator[None]:
    """Run a stage body: its outlet is a `not_finished` gap until the body succeeds; on any failure the
    gap names the cause (best effort: with the store down, the not_finished gap stays)."""
    key = run.gap(stage, outlet)
    staged.write(store, key, StagedGap(outlet, attempt, not_finished(stage)))
    try:
        yield
    except BaseException as exc:
        if isinstance(exc, Exception):
            try:
                staged.write(store, key, StagedGap(outlet, attempt, _gap(stage, exc)))
            except StoreError:
                pass
        raise
    store.delete(key)


def crawl_stage(settings: Settings, run: RunRef, outlet_id: str) -> CrawlReport:
    """Crawl one outlet, incrementally from its state in the archive; WARC, coverage report and what the
    crawl learnt go to the run's staging (the state itself changes only once the snapshot is published)."""
    store = open_store(settings.archive)
    for key in run.outlet_outputs(outlet_id):  # an earlier attempt's outputs never count
        store.delete(key)
    attempt = new_attempt()
    with timed("crawl", outlet_id), _attempt(store, run, "crawl", outlet_id, attempt):
        registry = load_registry(settings.outlets_path)
        with tempfile.TemporaryDirectory(prefix=f"newsarchive-crawl-{outlet_id}-") as tmp:
            state_file = None
            if not settings.refetch:
                state_file = Path(tmp) / "state.json.gz"
                state_file.write_bytes(load_crawl_state(store, outlet_id).to_bytes())
            out = Path(tmp) / "out"
            digests = write_digests(
                archived_digests(store, run.day, outlet_id, Path(tmp)), Path(tmp) / "digests.json"
            )
            revisits = None
            if not settings.refetch:  # a refetch fetches every listed page anyway
                schedule = plan(store, outlet_id, run.day, settings.revisit_days)
                revisits = schedule.write(Path(tmp) / "revisits.json")
            files = capture_paths(out, outlet_id)
            try:
                report = run_crawl(
                    settings, registry, outlet_id, out, state_file, run.day, digests, revisits
                )
            except CrawlError as exc:
                if exc.report is not None and files.warc.exists():  # a whole WARC: the evidence
                    _stage_warc(store, run, outlet_id, files)
                raise
            _stage_warc(store, run, outlet_id, files)
            store.put_file(run.crawl_run(outlet_id), files.state, overwrite=True)
        staged.write(store, run.crawl_report(outlet_id), StagedCrawl(outlet_id, attempt, report))
    return report


def _stage_warc(store: Store, run: RunRef, outlet_id: str, files: CrawlFiles) -> None:
    """The WARC, then its CDXJ sidecar: an earlier attempt's sidecar goes first, so a sidecar staged is
    always the staged WARC's (publish reads the WARC again without one)."""
    store.delete(run.warc_index(outlet_id))
    store.put_file(run.warc(outlet_id), files.warc, overwrite=True)
    if files.cdxj.exists():
        store.put_file(run.warc_index(outlet_id), files.cdxj, overwrite=True)


def _undamaged(run: RunRef, outlet_id: str, results: Iterator[T]) -> Iterator[T]:
    """The results of reading the run's staged WARC of one outlet; a damaged one names the outlet, the
    run and the remedy (the crawl wrote it whole, so the staging was altered since)."""
    try:
        yield from results
    except DamagedWarc as exc:
        raise DamagedWarc(
            f"outlet {outlet_id}: the staged WARC of run {run.run_id} is damaged ({exc}); crawl the "
            "outlet again (in Airflow: clear its crawl task with its downstream tasks)",
            exc.offset,
        ) from None


def extract_stage(settings: Settings, run: RunRef, outlet_id: str) -> ExtractReport:
    """Extract every captured article page of this run's crawl of one outlet; errors are counted by reason
    and listed by URL (the crawl state gives those pages up, or keeps a timeout pending)."""
    # imported here: it imports trafilatura, and only the tasks that extract should pay for that
    from extract.engine import OutletContext
    from extract.provenance import extractor_id

    store = open_store(settings.archive)
    try:
        crawl = staged.read(store, run.crawl_report(outlet_id), StagedCrawl)
    except ObjectNotFound:
        raise StageNotReady(
            f"outlet {outlet_id}: run {run.run_id} has no staged crawl of it to extract (it never "
            "finished, or a rev of the run published it and its staging is gone): crawl it again "
            f"(in Airflow: clear per_outlet.crawl[{outlet_id}] with its downstream tasks)"
        ) from None
    for key in run.extract_outputs(outlet_id):
        store.delete(key)
    attempt = new_attempt()
    with timed("extract", outlet_id), _attempt(store, run, "extract", outlet_id, attempt):
        outlet = load_registry(settings.outlets_path).get(outlet_id)
        errors: Counter[str] = Counter()
        failed_urls: dict[str, str] = {}
        rows: list[ArchivedRow] = []
        with tempfile.TemporaryDirectory(prefix=f"newsarchive-extract-{outlet_id}-") as tmp:
            warc = Path(tmp) / "captures.warc.gz"
            store.download(run.warc(outlet_id), warc)
            captures: dict[str, Capture] = {}
            unresolved: list[CaptureNotFound] = []
            originals = Originals(store, run.day.isoformat(), outlet_id, Path(tmp))

            def pages() -> Iterator[Page]:
                # robots.txt, feeds, sitemaps, section pages, requisites: kept, not extracted
                for capture in iter_captures(warc, originals, unresolved, kinds=ARTICLE_KINDS):
                    if reason := gone_reason(capture, outlet):  # a deletion, kept as evidence
                        rows.append(gone_row(capture, outlet, reason, extractor))
                        continue
                    if not 200 <= capture.status < 300:
                        continue  # a redirect hop, an error answer, a 304: evidence the report counts
                    if capture.status != 200:
                        errors[f"http_{capture.status}"] += 1
                        continue
                    captures[capture.record_id] = capture
                    yield Page(
                        capture.body, capture.url, capture.content_type, source=capture.record_id
                    )

            context = OutletContext.for_outlet(outlet)
            extractor = extractor_id(context, __version__)  # each row names what made it
            for page, result in _undamaged(
                run,
                outlet_id,
                extract_pages(
                    context,
                    pages(),
                    workers=settings.extract_workers,
                    timeout_s=settings.extract_timeout_s,
                    memory_mb=settings.extract_memory_mb,
                ),
            ):
                capture = captures.pop(page.source)
                if isinstance(result, ExtractionError):
                    errors[result.reason] += 1
                    failed_urls[capture.url] = result.reason
                    logger.info("%s: no article in %s: %s", outlet_id, capture.url, result)
                    continue
                rows.append(
                    ArchivedRow.from_dict(
                        {
                            **result.to_dict(),
                            "capture_id": capture.record_id,
                            "fetched_at": capture.fetched_at,
                            "via": capture.via,
                            "discovered_at": capture.discovered_at,
                            "extractor": extractor,
                        }
                    )
                )
            if unresolved:
                errors["revisit_unresolved"] += len(unresolved)
        staged.write_rows(store, run.articles(outlet_id), rows)
        report = ExtractReport(
            outlet_id, attempt, crawl.attempt, len(rows), dict(errors), failed_urls
        )
        staged.write(store, run.extract_report(outlet_id), report)
    return report
