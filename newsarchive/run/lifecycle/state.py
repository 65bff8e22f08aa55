"""What a run's state is, read from the archive alone (any worker, any retry, after any clear):

- what its staging holds per outlet (`Staged`: each outlet's staged crawl, extraction, gap, with the
  attempts that wrote them; an outlet's `token` names exactly its outputs, the `generation` of a set
  of outlets is their tokens);
- what it published already (`run_revs`: the day's complete revs claimed by the run, oldest first; a
  rev's claim names the generation it was published from, so `published` tells, outlet by outlet,
  which staged outputs a rev holds already: a finish cut short leaves nothing ambiguous behind).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from archive.records import CrawlReport, Gap, Manifest
from archive.snapshot import SnapshotRef, day_revs, load_manifest
from archive.store import ObjectNotFound, Store
from newsarchive.run import staged
from newsarchive.run.runs import RunRef
from newsarchive.run.staged import (
    DedupReport,
    ExtractReport,
    StagedCrawl,
    StagedGap,
    StagedRecordError,
)
from newsarchive.run.stages import not_finished

R = TypeVar("R")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutletStaged:
    """One outlet's outputs in the run's staging."""

    outlet: str
    crawl: StagedCrawl | None = None
    extract: ExtractReport | None = None
    gaps: tuple[StagedGap, ...] = ()  # crawl's and extraction's, as staged
    has_rows: bool = False

    @property
    def attempts(self) -> tuple[str, ...]:
        found = [g.attempt for g in self.gaps]
        found += [r.attempt for r in (self.crawl, self.extract) if r is not None]
        return tuple(sorted(found))

    @property
    def token(self) -> str:
        """Names these outputs (the attempts that wrote them) in a rev's claim."""
        digest = hashlib.sha256(repr(self.attempts).encode()).hexdigest()[:12]
        return f"{self.outlet}:{digest}"

    @property
    def ok(self) -> bool:
        """A finished crawl and its finished extraction."""
        return (
            self.crawl is not None
            and self.extract is not None
            and self.extract.crawl_attempt == self.crawl.attempt
            and self.has_rows
        )

    @property
    def report(self) -> CrawlReport | None:
        return self.crawl.report if self.crawl else None

    @property
    def gap(self) -> Gap:
        """Why the outlet is not ok: its crawl's gap, else its extraction's, else not finished."""
        stage = "extract" if self.crawl is not None else "crawl"
        for staged_gap in self.gaps:
            if staged_gap.gap.stage == stage:
                return staged_gap.gap
        return not_finished(stage)


@dataclass(frozen=True)
class Staged:
    run: RunRef
    outlets: dict[str, OutletStaged] = field(default_factory=dict)  # outlets with anything staged
    dedup: DedupReport | None = None

    @property
    def empty(self) -> bool:
        return not self.outlets

    @property
    def generation(self) -> str:
        """Names this set of staged outputs: what a rev is claimed for, and published from."""
        return ",".join(sorted(o.token for o in self.outlets.values()))

    def only(self, outlets: set[str]) -> Staged:
        return Staged(self.run, {o: s for o, s in self.outlets.items() if o in outlets}, self.dedup)

    @property
    def dedup_fresh(self) -> DedupReport | None:
        """The staged dedup pass, if it read exactly these outputs."""
        if self.dedup is not None and self.dedup.generation == self.generation:
            return self.dedup
        return None


def read_staged(store: Store, run: RunRef, outlet_ids: list[str] | None = None) -> Staged:
    """The run's staging, listed once; only the objects present are read (None: every outlet found).
    A staged record that does not decode (damaged, or staged by another version) makes its outlet a
    gap naming the object, so it costs only that outlet."""
    keys = {info.key for info in store.list(run.staging)}
    found = {o for key in keys if (o := run.outlet_of(key))}
    outlets = {}
    for outlet in sorted(found if outlet_ids is None else found & set(outlet_ids)):
        reader = _Reader(store, keys, outlet)
        gaps = (
            reader.get(run.gap("crawl", outlet), StagedGap, "crawl"),
            reader.get(run.gap("extract", outlet), StagedGap, "extract"),
        )
        crawl = reader.get(run.crawl_report(outlet), StagedCrawl, "crawl")
        extract = reader.get(run.extract_report(outlet), ExtractReport, "extract")
        outlets[outlet] = OutletStaged(
            outlet,
            crawl,
            extract,
            tuple(g for g in (*reader.damaged, *gaps) if g is not None),
            run.articles(outlet) in keys,
        )
    dedup = None
    if {run.dedup_rows, run.dedup_segment} <= keys:
        dedup = _Reader(store, keys, "").get(run.dedup_report, DedupReport, "dedup")
    return Staged(run, {o: s for o, s in outlets.items() if s.attempts}, dedup)


class _Reader:
    def __init__(self, store: Store, keys: set[str], outlet: str):
        self.store, self.keys, self.outlet = store, keys, outlet
        self.damaged: list[StagedGap] = []

    def get(self, key: str, cls: type[R], stage: str) -> R | None:
        if key not in self.keys:
            return None
        try:
            return staged.read(self.store, key, cls)
        except ObjectNotFound:  # removed since the listing (a finish, or a new attempt starting)
            return None
        except StagedRecordError as exc:
            logger.warning("%s", exc)
            gap = Gap(stage, "damaged_staging", f"{exc}; run the {stage} of {self.outlet} again")
            self.damaged.append(StagedGap(self.outlet, f"damaged:{key}", gap))
            return None


@dataclass(frozen=True)
class PublishedRev:
    ref: SnapshotRef
    manifest: Manifest
    tokens: frozenset[str]  # the staged outputs it was published from (outlet:digest)


def run_revs(store: Store, run: RunRef) -> list[PublishedRev]:
    """The day's complete revs the run published, oldest first."""
    revs = []
    for state in sorted(day_revs(store, run.day).values(), key=lambda s: s.rev):
        claim = state.claim
        if state.complete and not state.abandoned and claim and claim.run_id == run.run_id:
            ref = SnapshotRef(run.day.isoformat(), state.rev)
            tokens = frozenset(t for t in claim.generation.split(",") if t)
            revs.append(PublishedRev(ref, load_manifest(store, ref), tokens))
    return revs


def published(state: Staged, history: list[PublishedRev]) -> dict[str, PublishedRev]:
    """The staged outlets a rev of the run holds already (published, their finish cut short) -> that rev."""
    holding = {}
    for outlet_id, outlet in state.outlets.items():
        for rev in history:
            if outlet.token in rev.tokens:
                holding[outlet_id] = rev
    return holding


def newest_of_day(store: Store, day: date) -> SnapshotRef | None:
    """The day's newest complete rev (the day as readers see it now)."""
    states = day_revs(store, day, claims_of_complete=False)
    complete = [r for r, s in states.items() if s.complete and not s.abandoned]
    return SnapshotRef(day.isoformat(), max(complete)) if complete else None
