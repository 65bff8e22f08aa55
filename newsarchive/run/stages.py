"""The pipeline's stages as plain functions: the CLI and the Airflow tasks call these same ones.

Stages share nothing but the archive store: each reads and writes only its own run's staging objects
(newsarchive/run/runs.py), so any worker can run any stage, a rerun of a stage rewrites its own run's objects
only, and no run ever sees another's. A stage that fails for one outlet notes why (a gap record) before it
raises, so the snapshot's manifest says which stage failed and the cause.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from archive.dedup_index import load_window, write_segment
from archive.records import ArchivedRow, CrawlReport
from archive.snapshot import SnapshotRef, load_manifest, resolve_snapshot
from archive.store import ObjectNotFound, Store, open_store
from archive.warc_digests import archived_digests, write_digests
from archive.warc_read import ARTICLE_KINDS, Capture, CaptureNotFound, Originals, iter_captures
from common.errors import ExtractionError, NewsArchiveError
from dedup.engine import Deduplicator, Document
from extract.batch import Page, extract_pages
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.run import quality
from newsarchive.run.crawl import CrawlError, run_crawl
from newsarchive.run.runs import RunRef, clear_gap, put_json, record_gap
from outlets.registry import load_registry
from spiders.state import load_crawl_state
from spiders.warc import capture_paths

logger = logging.getLogger(__name__)


def _clear(store: Store, *keys: str) -> None:
    for key in keys:
        store.delete(key)


@contextmanager
def _recording_gap(store: Store, run: RunRef, stage: str, outlet: str) -> Iterator[None]:
    """Run a stage body; on any failure note the gap in the run's staging, then let the failure go on."""
    try:
        yield
    except Exception as exc:
        record_gap(store, run, stage, outlet, exc)
        raise


def crawl_stage(settings: Settings, run: RunRef, outlet_id: str) -> CrawlReport:
    """Crawl one outlet, incrementally from its state in the archive; WARC, coverage report and what the
    crawl learnt go to the run's staging (the state itself changes only once the snapshot is published)."""
    store = open_store(settings.archive)
    _clear(
        store,
        run.crawl_report(outlet_id),
        run.warc(outlet_id),
        run.crawl_run(outlet_id),
        run.articles(outlet_id),
        run.extract_report(outlet_id),
    )  # an earlier attempt's outputs never count
    with _recording_gap(store, run, "crawl", outlet_id):
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
            files = capture_paths(out, outlet_id)
            try:
                report = run_crawl(settings, registry, outlet_id, out, state_file, run.day, digests)
            except CrawlError as exc:
                if exc.report is not None and files.warc.exists():  # a whole WARC: the evidence
                    store.put_file(run.warc(outlet_id), files.warc, overwrite=True)
                raise
            store.put_file(run.warc(outlet_id), files.warc, overwrite=True)
            store.put_file(run.crawl_run(outlet_id), files.state, overwrite=True)
        put_json(store, run.crawl_report(outlet_id), report)
        clear_gap(store, run, "crawl", outlet_id)
    return CrawlReport.from_dict(report)


def extract_stage(settings: Settings, run: RunRef, outlet_id: str) -> dict:
    """Extract every captured article page of this run's crawl of one outlet; errors are counted by reason
    and listed by URL (the crawl state gives those pages up, or keeps a timeout pending)."""
    # imported here: it imports trafilatura, and only the tasks that extract should pay for that
    from extract.engine import OutletContext
    from extract.provenance import extractor_id

    store = open_store(settings.archive)
    _clear(store, run.articles(outlet_id), run.extract_report(outlet_id))
    with _recording_gap(store, run, "extract", outlet_id):
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
                for capture in iter_captures(warc, originals, unresolved, ARTICLE_KINDS):
                    if not 200 <= capture.status < 300:
                        continue  # a redirect hop or an error answer: evidence the crawl report counts
                    if capture.status != 200:
                        errors[f"http_{capture.status}"] += 1
                        continue
                    captures[capture.record_id] = capture
                    yield Page(
                        capture.body, capture.url, capture.content_type, source=capture.record_id
                    )

            context = OutletContext.for_outlet(outlet)
            extractor = extractor_id(context, __version__)  # each row names what made it
            for page, result in extract_pages(
                context,
                pages(),
                workers=settings.extract_workers,
                timeout_s=settings.extract_timeout_s,
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
        body = "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rows)
        store.put_bytes(run.articles(outlet_id), body.encode("utf-8"), overwrite=True)
        report = {
            "outlet": outlet_id,
            "extracted": len(rows),
            "extract_failed": dict(errors),
            "failed_urls": failed_urls,
        }
        put_json(store, run.extract_report(outlet_id), report)
        clear_gap(store, run, "extract", outlet_id)
    return {k: v for k, v in report.items() if k != "failed_urls"}


def read_rows(store: Store, key: str) -> list[ArchivedRow]:
    return [
        ArchivedRow.from_dict(json.loads(line))
        for line in store.get_bytes(key).decode("utf-8").splitlines()
        if line
    ]


def dedup_stage(settings: Settings, run: RunRef, outlet_ids: list[str]) -> dict:
    """Deduplicate the run's articles against each other and the archived window (dedup/engine.py).

    Nothing is dropped: every article keeps its row, marked with duplicate_of / revision_of / reason /
    similarity. The run's index segment goes to staging and is published inside the snapshot."""
    store = open_store(settings.archive)
    index, window, skipped = load_window(store, run.day, settings.dedup_window_days)
    rows: list[ArchivedRow] = []
    for outlet_id in outlet_ids:
        try:
            rows += read_rows(store, run.articles(outlet_id))
        except ObjectNotFound:
            continue  # the outlet's crawl or extraction failed in this run; publish records the gap
    rows.sort(key=lambda r: (r.fetched_at or "", r.outlet, r.url))  # first seen, first kept
    history = len(index)
    deduplicator = Deduplicator(index, threshold=settings.dedup_threshold)
    documents = (Document(r.id, r.text, r.url, r.canonical_url) for r in rows)
    duplicates: Counter[str] = Counter()
    revisions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for row, decision in zip(rows, deduplicator.run(documents), strict=True):
        row.duplicate_of, row.revision_of = decision.duplicate_of, decision.revision_of
        row.reason, row.similarity = decision.reason, decision.similarity
        if decision.duplicate_of:
            duplicates[row.outlet] += 1
        if decision.revision_of:
            revisions[row.outlet] += 1
        if decision.reason:
            reasons[decision.reason] += 1
    store.put_bytes(
        run.dedup_rows,
        "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rows).encode(),
        overwrite=True,
    )
    with tempfile.TemporaryDirectory(prefix="newsarchive-dedup-") as tmp:
        segment = Path(tmp) / "index.npz"
        write_segment(deduplicator.index.segment(history), segment)
        store.put_file(run.dedup_segment, segment, overwrite=True)
    report = {
        "articles": len(rows),
        "duplicates": dict(duplicates),
        "revisions": dict(revisions),
        "reasons": dict(reasons),
        "window": window,
        "window_skipped": skipped,
        "window_articles": history,
        "generation": secrets.token_hex(8),
    }  # what publish was given: a retry of publish sees the same
    put_json(store, run.dedup_report, report)
    return report


def quality_stage(settings: Settings, day: date, snapshot: str | None = None) -> str:
    """The canary over a published snapshot (default: the day's newest): a verdict line, or
    QualityCheckFailed naming every problem. The figures are in the manifest's counts.quality."""
    store = open_store(settings.archive, create=False)
    ref = SnapshotRef.from_label(snapshot) if snapshot else resolve_snapshot(store, day.isoformat())
    return quality.check(load_manifest(store, ref).quality, ref.label)


class NothingToPublish(NewsArchiveError):
    reason = "nothing_to_publish"
    retryable = False  # every outlet failed in this run: a retry cannot change that
