"""The archive's edits and deletions, from the current-articles table's story columns (archive/stories.py):
per outlet and day for the Archive page's "changes" panel, and the stories that changed or went for
`search --changed` / `--deleted`. Only the small columns are read (no text)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from archive.stat_cache import StatCache
from archive.store import Store
from archive.table_read import read_table_days

COLUMNS = ["id", "outlet", "story_id", "change", "gone", "title", "snapshot_date"]
SHOWN = 5  # stories named per outlet and day


@dataclass(frozen=True)
class DayChanges:
    day: str
    outlet: str
    edited: int
    gone: int
    stories: tuple[
        tuple[str, str, str], ...
    ]  # (story_id, change or gone reason, title), first SHOWN


def _table(
    store: Store,
    since: date | None,
    until: date | None,
    warn: Callable[[str], None],
    cache: StatCache | None = None,
) -> pa.Table:
    read = read_table_days(store, since, until, cache=cache, footers=False, in_memory=False)
    for problem in read.problems:
        warn(str(problem))
    parts = []
    for day in read.days:
        if "story_id" in pq.read_schema(day.source()).names:
            parts.append(pq.read_table(day.source(), columns=COLUMNS))
    if not parts:
        return pa.table({name: pa.array([], pa.string()) for name in COLUMNS[:-1]})
    return pa.concat_tables(parts)


def per_day(
    store: Store, since: date, until: date, warn: Callable[[str], None]
) -> list[DayChanges]:
    """Edits and deletions per day and outlet in [since, until], newest day first."""
    table = _table(store, since, until, warn)
    if not table.num_rows:
        return []
    table = table.filter(pc.is_in(table["change"], pa.array(["edited", "gone"])))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in table.to_pylist():
        groups.setdefault((str(row["snapshot_date"]), row["outlet"]), []).append(row)
    out = []
    for (day, outlet), rows in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        rows.sort(key=lambda r: r["story_id"])
        out.append(
            DayChanges(
                day,
                outlet,
                sum(1 for r in rows if r["change"] == "edited"),
                sum(1 for r in rows if r["change"] == "gone"),
                tuple(
                    (r["story_id"], r["gone"] or r["change"], r["title"] or "")
                    for r in rows[:SHOWN]
                ),
            )
        )
    return sorted(out, key=lambda c: (c.day, c.outlet), reverse=True)


def article_ids(
    store: Store, which: str, warn: Callable[[str], None], cache: StatCache | None = None
) -> set[str]:
    """The ids of every row of the stories that changed (`which` = "changed": edited or gone) or went
    ("deleted")."""
    table = _table(store, None, None, warn, cache)
    if not table.num_rows:
        return set()
    kinds = ["edited", "gone"] if which == "changed" else ["gone"]
    stories = pc.unique(table.filter(pc.is_in(table["change"], pa.array(kinds)))["story_id"])
    return set(table.filter(pc.is_in(table["story_id"], stories))["id"].to_pylist())
