"""The canary: is each outlet still yielding clean articles? Figures go into the snapshot's manifest
(`counts.quality`, a `QualityFigures` record), computed at publish; the DAG's quality task fails when
they name a problem.

Per outlet (every outlet the rev's run crawled, or published earlier in the same run):
- `new`: the day's articles of the outlet in this rev that are not duplicates (its yield: what the run
  captured and what earlier revs of the day hold), so a rerun of a date or a run recovered through a
  clear is judged on the day, as the history is;
- `recent_median`: the median of that yield over the newest snapshot of each of the last `history_days`
  days (only when at least `min_history` of them have the outlet); a day below `min_share` of it is a drop;
- `furniture_lines`: archived text lines that are known page furniture (extract/furniture.py rules);
- `repeated_lines`: short lines found in at least half of the outlet's articles (at least 5): the
  signature of furniture nobody has a rule for yet.
An outlet whose crawl or extraction failed in the run (a gap) is a problem whatever the day holds.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from archive.records import ArchivedRow, Manifest, OutletCounts
from archive.snapshot import DamagedObject, load_manifest, newest_revs
from archive.store import Store
from common.errors import NewsArchiveError
from newsarchive.config import QualityRules
from newsarchive.run.staged import from_json, to_json
from outlets.model import Registry

EXAMPLES = 3
logger = logging.getLogger(__name__)
DEFAULT_RULES = QualityRules()


class QualityCheckFailed(NewsArchiveError):
    retryable = False  # the figures will not change on a retry


@dataclass(frozen=True)
class OutletQuality:
    new: int  # the day's articles of the outlet that are not duplicates
    recent_median: int | float | None
    recent_days: int
    furniture_lines: int
    furniture_examples: list[str]
    repeated_lines: list[str]


@dataclass(frozen=True)
class QualityFigures:
    """The canary's figures of one rev, as the manifest keeps them (`counts.quality`)."""

    VERSION: ClassVar[int] = 1
    outlets: dict[str, OutletQuality]
    problems: list[str]
    rules: dict[str, int | float]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_json(self)
        return out

    @classmethod
    def of(cls, manifest: Manifest) -> QualityFigures:
        """A manifest's figures (none for a rev published before the canary existed)."""
        if not manifest.quality:
            return cls({}, [], {})
        where = f"the quality figures of {manifest.day} rev {manifest.rev}"
        return from_json(cls, manifest.quality, where)


def recent_yields(store: Store, day: date, history_days: int) -> dict[str, list[int]]:
    """outlet -> the day's yield (articles that are not duplicates) per earlier day, from the manifests of
    the days before `day`; a damaged manifest is skipped with a warning (it only shortens the history)."""
    yields: dict[str, list[int]] = {}
    for ref in newest_revs(store, day - timedelta(days=history_days), day - timedelta(days=1)):
        try:
            manifest = load_manifest(store, ref)
        except DamagedObject as exc:
            logger.warning("quality history: %s skipped: %s", ref.label, exc)
            continue
        for outlet, counts in manifest.outlets.items():
            if counts.status == "ok":
                yields.setdefault(outlet, []).append(counts.current)
    return yields


def quality_figures(
    registry: Registry,
    outlets: dict[str, OutletCounts],
    rows: list[ArchivedRow],
    history: dict[str, list[int]],
    rules: QualityRules = DEFAULT_RULES,
) -> QualityFigures:
    """The figures of a rev of `day` holding `rows`, for each outlet of the run (not_run ones and outlets
    no longer in the registry are left out)."""
    from extract.furniture import FurnitureFilter  # lxml: not for readers of the figures

    known = {o.id for o in registry.outlets}
    figures: dict[str, OutletQuality] = {}
    problems: list[str] = []
    for outlet_id, counts in outlets.items():
        if counts.status == "not_run" or outlet_id not in known:
            continue
        current = [r for r in rows if r.outlet == outlet_id and not r.duplicate_of]
        furniture = FurnitureFilter(registry.get(outlet_id).cleanup)
        bad = [line for row in current for line in furniture.furniture_lines(row.text, row.url)]
        repeated = _repeated_lines(current, rules)
        past = history.get(outlet_id, [])
        median = statistics.median(past) if len(past) >= rules.min_history else None
        figures[outlet_id] = OutletQuality(
            new=len(current),
            recent_median=median,
            recent_days=len(past),
            furniture_lines=len(bad),
            furniture_examples=sorted(set(bad))[:EXAMPLES],
            repeated_lines=repeated,
        )
        if counts.gap is not None:
            problems.append(
                f"outlet {outlet_id}: 0 new articles this run ({counts.gap.message}); "
                f"{len(current)} of the day's articles are held from earlier revs"
                if current
                else f"outlet {outlet_id}: 0 new articles this run ({counts.gap.message})"
            )
        elif not current:
            problems.append(
                f"outlet {outlet_id}: 0 new articles on the day ({_zero_cause(counts)})"
            )
        elif median and len(current) < rules.min_share * median:
            problems.append(
                f"outlet {outlet_id}: {len(current)} new articles, below {rules.min_share:.0%} of its "
                f"median of {median:g} over the last {len(past)} days"
            )
        if bad:
            problems.append(
                f"outlet {outlet_id}: {len(bad)} archived lines are known page furniture, e.g. "
                f"{sorted(set(bad))[:EXAMPLES]}"
            )
        if repeated:
            problems.append(
                f"outlet {outlet_id}: lines repeated across most of its articles (furniture without "
                f"a rule? add a label or prune selector in outlets.toml): {repeated[:EXAMPLES]}"
            )
    return QualityFigures(figures, problems, dict(vars(rules)))


def _repeated_lines(rows: list[ArchivedRow], rules: QualityRules) -> list[str]:
    from extract.furniture import MAX_FURNITURE_WORDS

    if len(rows) < rules.repeated_min_articles:
        return []
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(
            {
                line.strip()
                for line in row.text.split("\n")
                if line.strip() and len(line.split()) <= MAX_FURNITURE_WORDS
            }
        )
    return sorted(line for line, n in counts.items() if n >= rules.repeated_share * len(rows))


def _zero_cause(counts: OutletCounts) -> str:
    crawl = counts.crawl
    if crawl is None:
        return "no crawl figures"
    seen = crawl.skipped.get("seen", 0)
    if crawl.fetched == 0 and (seen or crawl.not_modified):
        return (
            f"nothing new: {seen} already archived, {crawl.not_modified} "
            "discovery documents not modified"
        )
    failed = {**crawl.failed, **counts.extract_failed}
    return f"fetched {crawl.fetched}, extracted {counts.extracted}, failed {failed or 0}"


def check(figures: QualityFigures, snapshot: str) -> str:
    """A one-line verdict, or QualityCheckFailed naming every problem."""
    if figures.problems:
        raise QualityCheckFailed(
            f"quality check of snapshot {snapshot} failed:\n- " + "\n- ".join(figures.problems)
        )
    new = {o: f.new for o, f in figures.outlets.items()}
    return f"quality check of snapshot {snapshot} passed: new articles {new}"
