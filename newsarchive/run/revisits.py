"""The revisit schedule: which archived articles of an outlet a crawl of `day` fetches again, decided
from the archive's stories (the current-articles table's story columns, archive/stories.py), for the
crawl to read (spiders/revisits.py, NEWSARCHIVE_REVISIT_FILE).

- due: a story whose first capture was `age` days before `day`, for each age of the schedule
  (Settings.revisit_days, NEWSARCHIVE_REVISIT_DAYS, default 1, 7, 30), unless it is gone; fetched at
  the URL it was last captured at, conditionally: If-Modified-Since when it was last fetched, or the
  end (UTC) of the day whose snapshot holds that capture if the fetch came later (a run of a past day:
  the page as that day left it);
- known: every live story first captured within the schedule's longest age: when discovery lists one
  again, the crawl revisits it instead of skipping it as seen.
The table is derived data: a day it does not vouch for is left out (its stories are not revisited from
it), named in a warning.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from archive.store import Store
from archive.table_read import read_table_days

logger = logging.getLogger(__name__)
COLUMNS = ["outlet", "url", "story_id", "change", "fetched_at", "snapshot_date"]


@dataclass(frozen=True)
class RevisitPlan:
    due: list[tuple[str, str]]  # (URL, If-Modified-Since as ISO 8601 UTC)
    known: dict[str, str]  # URL -> If-Modified-Since

    def write(self, path: Path) -> Path:
        path.write_text(
            json.dumps({"due": self.due, "known": self.known}, ensure_ascii=False), encoding="utf-8"
        )
        return path


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def plan(store: Store, outlet: str, day: date, ages: tuple[int, ...]) -> RevisitPlan:
    """The outlet's revisits on `day` (nothing when the schedule is empty: relisted pages are then
    skipped as seen, as before the schedule)."""
    if not ages:
        return RevisitPlan([], {})
    read = read_table_days(store, day - timedelta(days=max(ages)), day - timedelta(days=1))
    for problem in read.problems:
        logger.warning("revisits of %s: %s", outlet, problem)
    tables = []
    for found in read.days:
        if "story_id" not in pq.read_schema(found.source()).names:
            continue  # a day written before stories: not followed
        table = pq.read_table(found.source(), columns=COLUMNS)
        tables.append(table.filter(pc.equal(table["outlet"], outlet)))
    if not tables:
        return RevisitPlan([], {})
    rows = pa.concat_tables(tables).sort_by([("fetched_at", "ascending")]).to_pylist()
    first: dict[str, date] = {}
    last: dict[str, tuple[str, datetime, bool]] = {}  # story -> (URL, fetched, gone)
    for row in rows:
        story = row["story_id"]
        if story is None or row["fetched_at"] is None:
            continue
        if row["change"] == "new":
            first.setdefault(story, row["snapshot_date"])
        gone = row["change"] == "gone" or (
            row["change"] is None and last.get(story, ("", 0, False))[2]
        )
        end_of_day = datetime.combine(row["snapshot_date"] + timedelta(days=1), time(0), UTC)
        last[story] = (row["url"], min(row["fetched_at"], end_of_day), bool(gone))
    wanted = {day - timedelta(days=age) for age in ages}
    due, known = [], {}
    for story, (url, fetched, gone) in sorted(last.items()):
        if gone or story not in first:
            continue
        known[url] = _iso(fetched)
        if first[story] in wanted:
            due.append((url, _iso(fetched)))
    return RevisitPlan(due, known)
