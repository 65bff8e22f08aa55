"""Re-extracting one day's archived captures (no request to any outlet): what the day's newest rev holds,
extracted again by the current extractor and rules, with a diff per outlet (the publish deduplicates the
day again, newsarchive/run/lifecycle/dedup.py).

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
from pathlib import Path

from archive import layout
from archive.records import ArchivedRow, Manifest
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    download_checked,
    load_manifest,
    read_rows,
)
from archive.store import ObjectNotFound, Store
from archive.warc_read import Capture, CaptureNotFound, Originals, iter_captures
from common.errors import ExtractionError
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
    """A day's rows after re-extraction, ready to publish (deduplicated by the publish's one dedup pass)
    as a rev derived from `source`."""

    source: SnapshotRef
    manifest: Manifest  # the source's
    rows: list[ArchivedRow]
    own: set[
        str
    ]  # ids of the rows whose captures the source's crawl made (the others are carried in it)
    work: dict[str, OutletWork]
    changed: bool  # text, metadata or newly extracted articles (deduplicated again at publish)


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
    # a row whose only change is the extractor id that made it is no change: nothing to publish
    changed = any(w.diff.changed for w in work.values())
    return DayPlan(source, manifest, all_rows, own, work, changed)


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
    # revisits of every WARC read are resolved by the one rule (archive/warc_read.py): within the WARCs
    # read so far, then the outlet's WARCs of the day's revs up to the source
    originals = Originals(store, source.day, outlet.id, warcs.tmp, below_rev=source.rev + 1)

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

            unresolved: list[CaptureNotFound] = []
            for capture in iter_captures(path, originals, unresolved, wanted):
                wanted_ids.discard(capture.record_id)
                if capture.status != 200:
                    if own and 200 <= capture.status < 300:  # 3xx, 4xx, 5xx: the crawl's evidence
                        work.failed[f"http_{capture.status}"] += 1
                    continue
                located[capture.record_id] = (label, capture)
                yield Page(
                    capture.body, capture.url, capture.content_type, source=capture.record_id
                )
            for missing in unresolved:
                wanted_ids.discard(missing.record_id)
                work.problems.append(f"{outlet.id}: {missing.url}: {missing}")
            if wanted_ids:
                work.problems.append(
                    f"{outlet.id}: {len(wanted_ids)} captures not in the WARC of {label} "
                    f"(e.g. {sorted(wanted_ids)[0]}); their rows kept as archived"
                )
            if label != own_label:
                warcs.drop(label, outlet.id)

    for page, result in extract_pages(
        context,
        pages(),
        workers=settings.extract_workers,
        timeout_s=settings.extract_timeout_s,
        memory_mb=settings.extract_memory_mb,
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
