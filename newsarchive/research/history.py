"""A story's history (`newsarchive history URL`): its versions, dated, each with what changed since the
one before (archive/version_diff.py), read from the current-articles table (archive/stories.py decided
the story columns when each day was written).

The table is read as its record vouches for it (archive/table_read.py, local files pinned and hashed
unless the user's cache already verified them): first the few columns that find the story (url,
canonical_url, story_id) of every day, then the whole rows of that story only, from the days that hold it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from archive.schema import TIMESTAMPS
from archive.stat_cache import StatCache
from archive.store import Store
from archive.stories import story_id_of, url_key
from archive.table_read import TableDay, read_table_days
from archive.version_diff import VersionDiff, diff
from common.errors import NewsArchiveError
from dedup.urls import canonical_url

STORY_ID = re.compile(r"[0-9a-f]{16}")
FIND = ["url", "canonical_url", "story_id"]


class StoryNotFound(NewsArchiveError, LookupError):
    reason = "not_found"
    retryable = False


@dataclass(frozen=True)
class Version:
    version: int
    change: str  # new, edited, gone
    fetched_at: datetime | None
    snapshot: str  # "D rev N"
    row: dict[str, Any]  # the table's row (title, text, url, capture_id, gone ...)
    diff: VersionDiff | None  # against the version before (None: the first)
    seen_again: int  # captures of this same version after it (revisits, identical pages)
    last_seen: datetime | None

    def to_dict(self) -> dict[str, Any]:
        row = self.row
        return {
            "version": self.version,
            "change": self.change,
            "fetched_at": _iso(self.fetched_at),
            "snapshot": self.snapshot,
            "id": row["id"],
            "url": row["url"],
            "title": row["title"],
            "gone": row["gone"],
            "capture_id": row["capture_id"],
            "seen_again": self.seen_again,
            "last_seen": _iso(self.last_seen),
            "diff": self.diff.to_dict() if self.diff else None,
        }


@dataclass(frozen=True)
class StoryHistory:
    story_id: str
    outlet: str
    urls: tuple[str, ...]  # every URL the story was captured at, first first
    versions: tuple[Version, ...]

    @property
    def gone(self) -> bool:
        return bool(self.versions) and self.versions[-1].change == "gone"

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "outlet": self.outlet,
            "urls": list(self.urls),
            "gone": self.gone,
            "versions": [v.to_dict() for v in self.versions],
        }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _candidates(url: str) -> list[str]:
    """The forms a user's URL may be stored under (as fetched, as its canonical key)."""
    forms = {url, url.rstrip("/"), canonical_url(url)}
    forms |= {form.replace("https://", "https://www.", 1) for form in list(forms)}
    return sorted(forms)


def _read(day: TableDay, columns: list[str] | None = None) -> pa.Table:
    """A day file's columns (ParquetFile: pq.read_table would import pyarrow.dataset, and pandas)."""
    return pq.ParquetFile(day.source()).read(columns=columns)


def _has_stories(day: TableDay) -> bool:
    return "story_id" in pq.ParquetFile(day.source()).schema_arrow.names


def _story_of(days: list[TableDay], ids: list[list[str | None]], wanted: str) -> str | None:
    """The story id of a URL (or a story id itself): the story first captured at that URL has its id
    made from it (archive/stories.py story_id_of); any other URL of a story is looked up, newest day
    first. (Plain Python over the columns: pyarrow imports pandas, 0.5 s, to turn a Python value into
    an Arrow one.)"""
    if STORY_ID.fullmatch(wanted):
        return wanted
    forms = set(_candidates(wanted))
    made = {story_id_of(key) for form in forms if (key := url_key(form))}
    for column in ids:
        if not made.isdisjoint(column):
            return next(v for v in column if v in made)
    for day in reversed(days):
        table = _read(day, FIND)
        urls, canonicals = table["url"].to_pylist(), table["canonical_url"].to_pylist()
        for n, story in enumerate(table["story_id"].to_pylist()):
            if story is not None and (urls[n] in forms or canonicals[n] in forms):
                return str(story)
    return None


def story_history(
    store: Store,
    url_or_story: str,
    warn: Callable[[str], None],
    cache: StatCache | None = None,
) -> StoryHistory:
    """The versions of the story a URL (or a story id) belongs to; StoryNotFound if none."""
    read = read_table_days(store, cache=cache, footers=False, in_memory=False)
    for problem in read.problems:
        warn(str(problem))
    days = [day for day in read.days if _has_stories(day)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # pyarrow decodes without the GIL
        ids = list(pool.map(lambda day: _read(day, ["story_id"])["story_id"].to_pylist(), days))
    story_id = _story_of(days, ids, url_or_story)
    if story_id is None:
        raise StoryNotFound(
            f"{url_or_story[:200]} is in no story of the archive's table; give the URL of an archived "
            "article (as `newsarchive captures` or `query` show it) or its story_id"
        )
    holding = [
        (day, [n for n, v in enumerate(column) if v == story_id])
        for day, column in zip(days, ids, strict=True)
        if story_id in column
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        tables = list(pool.map(lambda held: _read(held[0]), holding))
    parts = [
        table.slice(n, 1)
        for table, (_, positions) in zip(tables, holding, strict=True)
        for n in positions
    ]
    if not parts:
        raise StoryNotFound(f"story {story_id} is not in the archive's table")
    rows = _rows(pa.concat_tables(parts, promote_options="default"))
    rows.sort(key=lambda r: (r["fetched_at"] or datetime.min.replace(tzinfo=UTC), r["id"]))
    return _assemble(story_id, rows)


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """The rows as Python values, times in UTC; tz-aware Arrow times are made Python values here, since
    pyarrow's own conversion of them imports pandas (0.5 s of a fresh process)."""
    for name in TIMESTAMPS:
        table = table.set_column(
            table.column_names.index(name), name, table[name].cast(pa.timestamp("us"))
        )
    rows: list[dict[str, Any]] = table.to_pylist()
    for row in rows:
        for name in TIMESTAMPS:
            if row[name] is not None:
                row[name] = row[name].replace(tzinfo=UTC)
    return rows


def _assemble(story_id: str, rows: list[dict[str, Any]]) -> StoryHistory:
    versions: list[Version] = []
    previous: dict[str, Any] | None = None
    urls: list[str] = []
    again: dict[int, list[datetime]] = {}
    for row in rows:
        if row["url"] not in urls:
            urls.append(row["url"])
        if row["change"] is None:
            if row["version"] is not None and row["fetched_at"] is not None:
                again.setdefault(row["version"], []).append(row["fetched_at"])
            continue
        versions.append(
            Version(
                row["version"],
                row["change"],
                row["fetched_at"],
                f"{row['snapshot_date']} rev {row['snapshot_rev']}",
                row,
                diff(previous, row) if previous is not None and row["change"] == "edited" else None,
                0,
                None,
            )
        )
        if row["change"] != "gone":
            previous = row
    versions = [
        Version(
            v.version,
            v.change,
            v.fetched_at,
            v.snapshot,
            v.row,
            v.diff,
            len(again.get(v.version, [])),
            max(again[v.version]) if again.get(v.version) else None,
        )
        for v in versions
    ]
    outlet = rows[0]["outlet"] if rows else ""
    return StoryHistory(story_id, outlet, tuple(urls), tuple(versions))
