"""Counts for research: per day and outlet, the articles that match a query, all current articles
(duplicates left out) and their ratio, with the outlet's gap that day (from the snapshot's manifest), so
a dip caused by a failed crawl is not read as a dip in coverage. A day in the range with no snapshot at
all is a gap of every outlet (`no_snapshot`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import tantivy

from archive.records import Manifest
from search.engine import Filters, Opened, compile_query, open_segment
from search.query import Query
from search.segment import SegmentError
from search.segments_local import LocalSegment

KEYS = ("day", "outlet")


@dataclass
class Count:
    matches: int = 0
    total: int = 0
    gaps: set[str] | None = None

    @property
    def ratio(self) -> float | None:
        return self.matches / self.total if self.total else None


def day_counts(
    segment: LocalSegment, query: Query | None, filters: Filters
) -> dict[str, tuple[int, int]]:
    """outlet -> (matches, total) in one segment (tantivy's terms aggregation over the outlet column)."""
    opened = open_segment(segment)
    totals = _per_outlet(opened, compile_query(opened, None, filters))
    matches = (
        totals if query is None else _per_outlet(opened, compile_query(opened, query, filters))
    )
    return {o: (matches.get(o, 0), n) for o, n in totals.items()}


def _per_outlet(opened: Opened, query: tantivy.Query) -> dict[str, int]:
    size = max(1, opened.searcher.num_docs)
    try:
        result = opened.searcher.aggregate(
            query, {"outlets": {"terms": {"field": "outlet", "size": size}}}
        )
    except ValueError as exc:
        raise SegmentError(
            f"{opened.segment.ref.label}: cannot count in its search segment ({exc})"
        ) from None
    return {str(b["key"]): int(b["doc_count"]) for b in result["outlets"]["buckets"]}


def gaps_of(manifest: Manifest) -> dict[str, str]:
    """outlet -> why it has nothing of its own that day: `crawl:http_500` (the stage that failed and its
    reason), `not_run` (not selected that day)."""
    return {
        o: (f"{c.gap.stage}:{c.gap.reason}" if c.gap else c.status)
        for o, c in manifest.outlets.items()
        if c.status != "ok"
    }


def aggregate(
    per_day: dict[str, dict[str, tuple[int, int]]],
    gaps: dict[str, dict[str, str]],
    by: tuple[str, ...],
    since: date | None,
    until: date | None,
    outlet: str | None,
    unindexed: frozenset[str] | set[str] = frozenset(),
) -> list[dict[str, object]]:
    """Rows grouped by `by` (day, outlet or both), sorted; days of [since, until] without a snapshot
    (`no_snapshot`) or without a search segment (`not_indexed`) are there too, as gaps: those from the
    archive's first day to today (a range of any length names no day before or after those)."""
    days = set(per_day) | set(gaps) | set(unindexed)
    if since and until and days:  # the range's days from the archive's first to today (any range)
        low = max(since, date.fromisoformat(min(days)))
        high = min(until, max(date.fromisoformat(max(days)), datetime.now(UTC).date()))
        days |= {(low + timedelta(days=n)).isoformat() for n in range((high - low).days + 1)}
    outlets = {o for counts in per_day.values() for o in counts} | {
        o for g in gaps.values() for o in g
    }
    if outlet:
        outlets = {outlet}
    groups: dict[tuple[str, ...], Count] = defaultdict(Count)
    for day in sorted(days):
        counts = per_day.get(day)
        for name in sorted(outlets):
            key = tuple(day if k == "day" else name for k in by)
            count = groups[key]
            matches, total = counts.get(name, (0, 0)) if counts is not None else (0, 0)
            count.matches += matches
            count.total += total
            if day in unindexed:
                why: str | None = "not_indexed"
            elif counts is None and day not in gaps:
                why = "no_snapshot"
            else:
                why = gaps.get(day, {}).get(name)
            if why:
                label = (
                    why if len(by) == 2 else f"{name} {why}" if by == ("day",) else f"{day} {why}"
                )
                count.gaps = (count.gaps or set()) | {label}
    rows = []
    for key, count in sorted(groups.items()):
        row: dict[str, object] = dict(zip(by, key, strict=True))
        ratio = count.ratio
        row.update(
            matches=count.matches,
            total=count.total,
            ratio=round(ratio, 6) if ratio is not None else None,
            gap="; ".join(sorted(count.gaps)) if count.gaps else "",
        )
        rows.append(row)
    return rows
