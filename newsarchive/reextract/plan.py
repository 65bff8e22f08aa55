"""Re-extracting one day's archived captures (no request to any outlet): what the day's newest rev holds,
extracted again by the current extractor and rules, deduplicated again, with a diff per outlet.

The captures are read from the WARCs of the revs that hold them: the source rev's own WARC for the rows
its run captured, the WARC of the rev named by `carried_from` for the others; each WARC is checked
against its rev's manifest before it is read, then streamed record by record into the time-limited
worker pool (extract/batch.py). Memory holds one day's rows.

A row the current extractor no longer gets an article from keeps its archived row (nothing archived
leaves the readers' view of the day) and is reported as newly failing."""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from archive import layout
from archive.dedup_index import load_window
from archive.records import ArchivedRow, Manifest
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    download_checked,
    list_snapshots,
    load_manifest,
    read_rows,
)
from archive.store import ObjectNotFound, Store
from archive.warc_read import Capture
from archive.warc_stream import MissingCapture, RevisitRef, find_original, iter_captures
from common.errors import ExtractionError
from dedup.engine import Deduplicator, Document
from dedup.urls import canonical_url
from extract.batch import Page, extract_pages
from extract.engine import OutletContext
from extract.provenance import extractor_id
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.reextract.report import OutletDiff
from outlets.model import Outlet

logger = logging.getLogger(__name__)
# outlets of a day extracted at once, each by its own worker pool: one pool's start-up and tail overlap
# the other's work (as `newsarchive run` overlaps its outlets)
OUTLETS_AT_ONCE = 2


@dataclass
class OutletWork:
    """One outlet of the day re-extracted: its diff and its new extraction counts."""

    outlet: str
    extractor: str
    diff: OutletDiff
    extracted: int = 0  # own captures (the source run's) with an article now
    failed: Counter[str] = field(default_factory=Counter)  # own captures without, by reason
    own_lost: int = 0  # own rows the current extractor gets no article from (kept as archived)
    restamped: int = 0  # rows whose only change is the extractor that made them
    problems: list[str] = field(default_factory=list)


@dataclass
class DayPlan:
    """A day's rows after re-extraction and dedup, ready to publish as a rev derived from `source`."""

    source: SnapshotRef
    manifest: Manifest  # the source's
    rows: list[ArchivedRow]
    own: set[
        str
    ]  # ids of the rows whose captures the source's crawl made (the others are carried in it)
    work: dict[str, OutletWork]
    dedup: dict
    segment: dict
    changed: bool


def _where(row: ArchivedRow, source: SnapshotRef) -> str:
    """The rev whose WARC holds the row's capture."""
    return row.carried_from or source.label


class _Warcs:
    """The WARCs of a day's revs, each downloaded once and checked against its rev's manifest."""

    def __init__(self, store: Store, tmp: Path):
        self.store, self.tmp = store, tmp
        self.manifests: dict[str, Manifest] = {}
        self.paths: dict[tuple[str, str], Path | None] = {}

    def path(self, label: str, outlet: str) -> Path | None:
        if (label, outlet) not in self.paths:
            ref = SnapshotRef.from_label(label)
            if label not in self.manifests:
                self.manifests[label] = load_manifest(self.store, ref)
            entry = self.manifests[label].file(layout.warc_key(ref.prefix, outlet))
            local = self.tmp / f"{ref.day}-{ref.rev}-{outlet}.warc.gz"
            if entry is not None:
                download_checked(self.store, entry, local)
            self.paths[(label, outlet)] = local if entry is not None else None
        return self.paths[(label, outlet)]

    def drop(self, label: str, outlet: str) -> None:
        path = self.paths.get((label, outlet))
        if path is not None:
            path.unlink(missing_ok=True)


def resolve_revisit(
    store: Store, warcs: _Warcs, source: SnapshotRef, outlet: str, ref: RevisitRef
) -> Capture | None:
    """A revisit's original, from the same outlet's WARCs of the day's revs up to `source`, newest first.
    (The one place revisits are resolved: swapped for archive's resolver when there is one.)"""
    day = date.fromisoformat(source.day)
    for earlier in reversed([r for r in list_snapshots(store, day, day) if r.rev <= source.rev]):
        try:
            path = warcs.path(earlier.label, outlet)
        except (DamagedObject, ObjectNotFound):
            continue
        if path is not None and (original := find_original(path, ref)) is not None:
            return original
    return None


def crawl_rev(store: Store, source: SnapshotRef, manifest: Manifest) -> str:
    """The rev whose run crawled the source's own captures: the source, or for a derived rev (which has
    no WARC of its own) the rev it was derived from, followed back to one a run published."""
    label, seen = source.label, {source.label}
    while manifest.derived_from and manifest.derived_from not in seen:
        label = manifest.derived_from
        seen.add(label)
        manifest = load_manifest(store, SnapshotRef.from_label(label))
    return label


def plan_day(
    settings: Settings,
    store: Store,
    source: SnapshotRef,
    outlets: list[Outlet],
    *,
    only_stale: bool,
) -> DayPlan:
    manifest = load_manifest(store, source)
    own_label = crawl_rev(store, source, manifest)
    rows = read_rows(store, manifest)
    selected = {o.id: o for o in outlets}
    work: dict[str, OutletWork] = {}
    kept: list[ArchivedRow] = [
        replace(r, carried_from=_where(r, source)) for r in rows if r.outlet not in selected
    ]
    new_rows: list[ArchivedRow] = []
    with (
        tempfile.TemporaryDirectory(prefix="newsarchive-reextract-") as tmp,
        ThreadPoolExecutor(max_workers=OUTLETS_AT_ONCE) as pool,
    ):
        warcs = _Warcs(store, Path(tmp))
        results = pool.map(
            lambda outlet: _outlet(
                settings,
                store,
                warcs,
                source,
                own_label,
                manifest,
                outlet,
                [r for r in rows if r.outlet == outlet.id],
                only_stale=only_stale,
            ),
            outlets,
        )
        for outlet, result in zip(outlets, results, strict=True):
            own_rows = [r for r in rows if r.outlet == outlet.id]
            if result is None:
                kept += [replace(r, carried_from=_where(r, source)) for r in own_rows]
                continue
            work[outlet.id], outlet_rows = result
            new_rows += outlet_rows
    all_rows = kept + new_rows
    own = {r.id for r in all_rows if r.carried_from == own_label}
    changed = any(w.diff.changed or w.restamped for w in work.values())
    dedup, segment = (
        _dedup(settings, store, date.fromisoformat(source.day), all_rows) if changed else ({}, {})
    )
    return DayPlan(source, manifest, all_rows, own, work, dedup, segment, changed)


def _outlet(
    settings: Settings,
    store: Store,
    warcs: _Warcs,
    source: SnapshotRef,
    own_label: str,
    manifest: Manifest,
    outlet: Outlet,
    rows: list[ArchivedRow],
    *,
    only_stale: bool,
) -> tuple[OutletWork, list[ArchivedRow]] | None:
    """The outlet's rows re-extracted (None: nothing to do for it). `own_label`: the rev whose WARC holds
    the captures of the source's crawl (unlinked ones among them are tried again unless only_stale)."""
    context = OutletContext.for_outlet(outlet)
    extractor = extractor_id(context, __version__)
    targets = {
        r.capture_id: r
        for r in rows
        if r.capture_id and (not only_stale or r.extractor != extractor)
    }
    own_counts = manifest.outlets.get(outlet.id)
    full = not only_stale and own_counts is not None and own_counts.crawl is not None
    if not targets and not full:
        return None
    work = OutletWork(
        outlet.id, extractor, OutletDiff(source.day, outlet.id, source.label, extractor)
    )
    known_urls = {canonical_url(r.url) for r in rows}
    out: list[ArchivedRow] = [
        replace(r, carried_from=_where(r, source)) for r in rows if r.capture_id not in targets
    ]
    by_where: dict[str, set[str]] = {}
    for row in targets.values():
        by_where.setdefault(_where(row, source), set()).add(row.capture_id or "")
    if full:
        by_where.setdefault(own_label, set())
    located: dict[str, tuple[str, Capture]] = {}

    def pages() -> Iterator[Page]:
        for label in sorted(by_where, key=lambda x: SnapshotRef.from_label(x).rev):
            wanted_ids, own = by_where[label], label == own_label
            try:
                path = warcs.path(label, outlet.id)
            except (DamagedObject, ObjectNotFound) as exc:
                work.problems.append(
                    f"{outlet.id}: the WARC of {label} cannot be read ({exc}); "
                    f"{len(wanted_ids)} rows kept as archived"
                )
                continue
            if path is None:
                work.problems.append(
                    f"{outlet.id}: {label} lists no WARC; {len(wanted_ids)} rows kept as archived"
                )
                continue

            def wanted(
                record_id: str, url: str, own: bool = own, ids: set[str] = wanted_ids
            ) -> bool:
                return record_id in ids or (
                    full and own and outlet.is_article(url) and canonical_url(url) not in known_urls
                )

            for capture in iter_captures(
                path, wanted, lambda ref: resolve_revisit(store, warcs, source, outlet.id, ref)
            ):
                if isinstance(capture, MissingCapture):
                    work.problems.append(f"{outlet.id}: {capture.url}: {capture.why}")
                    continue
                wanted_ids.discard(capture.record_id)
                if capture.status != 200:
                    if own and 200 <= capture.status < 300:  # 3xx, 4xx, 5xx: the crawl's evidence
                        work.failed[f"http_{capture.status}"] += 1
                    continue
                located[capture.record_id] = (label, capture)
                yield Page(
                    capture.body, capture.url, capture.content_type, source=capture.record_id
                )
            if wanted_ids:
                work.problems.append(
                    f"{outlet.id}: {len(wanted_ids)} captures not in the WARC of {label} "
                    f"(e.g. {sorted(wanted_ids)[0]}); their rows kept as archived"
                )
            if label != own_label:
                warcs.drop(label, outlet.id)

    for page, result in extract_pages(
        context, pages(), workers=settings.extract_workers, timeout_s=settings.extract_timeout_s
    ):
        label, capture = located.pop(page.source)
        old = targets.pop(capture.record_id, None)
        own = label == own_label
        if isinstance(result, ExtractionError):
            work.diff.failed(capture.url, result.reason, had_row=old is not None)
            if own:
                work.failed[result.reason] += 1
            if old is not None:
                out.append(replace(old, carried_from=label))
                work.own_lost += own
            continue
        new = ArchivedRow.from_dict(
            {
                **result.to_dict(),
                "capture_id": capture.record_id,
                "carried_from": label,
                "extractor": extractor,
                "fetched_at": old.fetched_at if old else capture.fetched_at,
                "via": old.via if old else None,
                "discovered_at": old.discovered_at if old else None,
            }
        )
        if own:
            work.extracted += 1
        if old is None:
            work.diff.extracted(new)
        elif not work.diff.compare(old, new) and old.extractor != extractor:
            work.restamped += 1
        out.append(new)
    out += [
        replace(r, carried_from=_where(r, source)) for r in targets.values()
    ]  # captures not found
    if only_stale and own_counts is not None:  # the rows not re-processed keep their counts
        work.extracted = own_counts.extracted - work.own_lost
        work.failed = Counter(own_counts.extract_failed) + work.failed
    return work, out


def _dedup(
    settings: Settings, store: Store, day: date, rows: list[ArchivedRow]
) -> tuple[dict, dict]:
    """The day's rows deduplicated again, against each other and the window of earlier days."""
    index, window, skipped = load_window(store, day, settings.dedup_window_days)
    rows.sort(key=lambda r: (r.fetched_at or "", r.outlet, r.url))  # first seen, first kept
    history = len(index)
    deduplicator = Deduplicator(index, threshold=settings.dedup_threshold)
    reasons: Counter[str] = Counter()
    documents = (Document(r.id, r.text, r.url, r.canonical_url) for r in rows)
    for row, decision in zip(rows, deduplicator.run(documents), strict=True):
        row.duplicate_of, row.revision_of = decision.duplicate_of, decision.revision_of
        row.reason, row.similarity = decision.reason, decision.similarity
        if decision.reason:
            reasons[decision.reason] += 1
    return {
        "reasons": dict(reasons),
        "window": window,
        "window_skipped": skipped,
    }, deduplicator.index.segment(history)
