"""The canary: is each outlet still yielding clean articles? Figures go into the snapshot's manifest
(`counts.quality`), computed at publish; the DAG's quality task fails when they name a problem.

Per outlet:
- `new`: articles this run archived that are not duplicates;
- `recent_median`: the median of `new` over the newest snapshot of each of the last `history_days`
  days (only when at least `min_history` of them have the outlet); a run below `min_share` of it is a drop;
- `furniture_lines`: archived text lines that are known page furniture (extract/furniture.py rules);
- `repeated_lines`: short lines found in at least half of the outlet's new articles (at least 5): the
  signature of furniture nobody has a rule for yet.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from datetime import date, timedelta

from archive.snapshot import DamagedObject, load_manifest, newest_revs
from archive.store import Store
from common.errors import NewsArchiveError
from extract.furniture import MAX_FURNITURE_WORDS, FurnitureFilter
from newsarchive.config import QualityRules
from outlets.model import Registry

EXAMPLES = 3
logger = logging.getLogger(__name__)
DEFAULT_RULES = QualityRules()


class QualityCheckFailed(NewsArchiveError):
    retryable = False  # the figures will not change on a retry


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
    outlets: dict[str, dict],
    articles: list[dict],
    history: dict[str, list[int]],
    rules: QualityRules = DEFAULT_RULES,
) -> dict:
    """{"outlets": {id: figures}, "problems": [message, ...]} for this run."""
    figures: dict[str, dict] = {}
    problems: list[str] = []
    for outlet_id, counts in outlets.items():
        rows = [a for a in articles if a["outlet"] == outlet_id and not a.get("duplicate_of")]
        furniture = FurnitureFilter(registry.get(outlet_id).cleanup)
        bad = [
            line for row in rows for line in furniture.furniture_lines(row["text"], row.get("url"))
        ]
        repeated = _repeated_lines(rows, rules)
        past = history.get(outlet_id, [])
        median = statistics.median(past) if len(past) >= rules.min_history else None
        figures[outlet_id] = {
            "new": len(rows),
            "recent_median": median,
            "recent_days": len(past),
            "furniture_lines": len(bad),
            "furniture_examples": sorted(set(bad))[:EXAMPLES],
            "repeated_lines": repeated,
        }
        if "gap" in counts or not rows:
            cause = counts.get("gap") or _zero_cause(counts)
            problems.append(f"outlet {outlet_id}: 0 new articles this run ({cause})")
        elif median and len(rows) < rules.min_share * median:
            problems.append(
                f"outlet {outlet_id}: {len(rows)} new articles, below {rules.min_share:.0%} of its "
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
    return {"outlets": figures, "problems": problems, "rules": rules.__dict__}


def _repeated_lines(rows: list[dict], rules: QualityRules) -> list[str]:
    if len(rows) < rules.repeated_min_articles:
        return []
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(
            {
                line.strip()
                for line in row["text"].split("\n")
                if line.strip() and len(line.split()) <= MAX_FURNITURE_WORDS
            }
        )
    return sorted(line for line, n in counts.items() if n >= rules.repeated_share * len(rows))


def _zero_cause(counts: dict) -> str:
    skipped = counts.get("skipped", {})
    if counts.get("fetched", 0) == 0 and (skipped.get("seen") or counts.get("not_modified")):
        return (
            f"nothing new: {skipped.get('seen', 0)} already archived, {counts.get('not_modified', 0)} "
            "discovery documents not modified"
        )
    failed = {**counts.get("failed", {}), **counts.get("extract_failed", {})}
    return f"fetched {counts.get('fetched', 0)}, extracted {counts.get('extracted', 0)}, failed {failed or 0}"


def check(quality: dict, snapshot: str) -> str:
    """A one-line verdict, or QualityCheckFailed naming every problem."""
    if quality["problems"]:
        raise QualityCheckFailed(
            f"quality check of snapshot {snapshot} failed:\n- " + "\n- ".join(quality["problems"])
        )
    new = {o: f["new"] for o, f in quality["outlets"].items()}
    return f"quality check of snapshot {snapshot} passed: new articles {new}"
