"""The day's rows and the one dedup pass every publish of a day makes (a run's and a re-extraction's).

A rev holds the whole day: the rows a publish brings (a run's extractions, or rows extracted again) and
the rows of the day's newest rev whose URL it did not capture again, carried forward with their
provenance (`carried_from`: the rev whose WARC holds the capture). Dedup decides over that whole day at
once, against the window of the days before it, in the order of dedup/order.py (the articles' own
facts, never arrival): a row's decision depends neither on which rev or run brought it nor on the order
crawls finished, so the same day gives the same `duplicate_of` and `revision_of` on every path.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from archive.dedup_index import load_window
from archive.records import ArchivedRow, Manifest
from archive.snapshot import SnapshotRef, load_manifest, read_rows
from archive.store import Store
from dedup.engine import Deduplicator, Document
from dedup.order import OrderKey, original_order
from dedup.urls import canonical_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayDedup:
    rows: list[ArchivedRow]  # the day's rows in dedup order, each with its decision
    segment: dict[str, np.ndarray]  # their dedup index entries (the snapshot's dedup/index.npz)
    reasons: dict[str, int]
    window: list[str]  # the snapshots the day was checked against
    window_skipped: list[str]
    window_articles: int


def carry_forward(
    store: Store, base: SnapshotRef | None, rows: list[ArchivedRow]
) -> tuple[list[ArchivedRow], Manifest | None]:
    """The base rev's rows whose URL `rows` did not capture again, each naming the rev holding its
    capture, and the base's manifest."""
    if base is None:
        return [], None
    manifest = load_manifest(store, base)
    recaptured = {canonical_url(r.url) for r in rows}
    carried = [
        replace(r, carried_from=r.carried_from or base.label)
        for r in read_rows(store, manifest)
        if canonical_url(r.url) not in recaptured
    ]
    logger.info("%s: %d rows carried forward", base.label, len(carried))
    return carried, manifest


def original_first(row: ArchivedRow) -> OrderKey:
    """dedup/order.py's key for a row."""
    return original_order(
        row.published,
        row.outlet,
        canonical_url(row.url, row.canonical_url),
        row.id,
        row.published_date,
    )


def dedup_day(
    store: Store, day: date, rows: list[ArchivedRow], window_days: int, threshold: float
) -> DayDedup:
    """The day's rows deduplicated against each other and the window of earlier days. Nothing is
    dropped: every row keeps its place, marked with duplicate_of / revision_of / reason / similarity."""
    index, window, skipped = load_window(store, day, window_days)
    ordered = sorted((r for r in rows if not r.gone), key=original_first)
    history = len(index)
    deduplicator = Deduplicator(index, threshold=threshold)
    documents = (Document(r.id, r.text, r.url, r.canonical_url) for r in ordered)
    # a deletion's evidence (no text: newsarchive/run/gone.py) is no one's duplicate or revision
    decided: list[ArchivedRow] = sorted((r for r in rows if r.gone), key=original_first)
    reasons: Counter[str] = Counter()
    for row, decision in zip(ordered, deduplicator.run(documents), strict=True):
        decided.append(
            replace(
                row,
                duplicate_of=decision.duplicate_of,
                revision_of=decision.revision_of,
                reason=decision.reason,
                similarity=decision.similarity,
            )
        )
        if decision.reason:
            reasons[decision.reason] += 1
    segment = deduplicator.index.segment(history)
    return DayDedup(decided, segment, dict(reasons), window, skipped, history)
