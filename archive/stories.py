"""Stories and their versions: which captures show the same story, and which of them are a new version.

A story is an article page followed through time. Its id (`story_id`) is stable:
- it is made once, from the URL key (dedup/urls.py) of the story's first capture's canonical URL;
- a later capture belongs to the story when its URL or its canonical URL has a key the story already
  had (a new slug under the same rel=canonical, an edited page under the same URL), or when it was
  reached from one of the story's pages (`via`: the crawl follows a revisit's redirect to another article
  page and names the old page as where it found the new one: a slug change).

A capture is a new **version** when its `version_sha` (title, text, author, publication day) differs
from the story's latest version: `change` is "new" (version 1), "edited", or "gone" (a deletion, `gone`
says how; it ends the chain, its capture is the evidence). A capture of the same version again (a revisit,
an identical page) keeps the story's version number with `change` null.

`assign` is the one place this is decided: the current-articles table (archive/current_table.py) calls
it for each day with the stories of the days before (`Chains.for_day`), in day order, so
`table rebuild` gives every day the same columns, whatever order days were published in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dedup.urls import canonical_url

GONE = ("http_404", "http_410", "redirect", "soft_404")  # the values of the `gone` column
CHANGES = ("new", "edited", "gone")
STORY_COLUMNS = ("story_id", "version", "change", "version_sha")
# what assign reads of a day's rows, and of the earlier days' (the story columns too)
READS = ("id", "url", "canonical_url", "via", "gone", "fetched_at")
VERSION_READS = ("title", "text", "author", "published_date")


@lru_cache(maxsize=1 << 16)
def url_key(url: str | None) -> str | None:
    """The key a page is known by (dedup/urls.py canonical_url); None for no URL. Cached: a day's rows
    ask for the same URLs several times (their URL, canonical URL and the feed they were found on)."""
    return canonical_url(url) if url else None


def story_id_of(key: str) -> str:
    """A new story's id: from the URL key of its first capture's canonical URL."""
    return hashlib.sha256(f"story\n{key}".encode()).hexdigest()[:16]


def version_sha(title: str | None, text: str | None, author: str | None, day: date | None) -> str:
    """What makes a version: the title, the text, the author and the publication day, whitespace aside."""
    parts = (" ".join((value or "").split()) for value in (title, text, author, str(day or "")))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass
class _Story:
    story_id: str
    version: int | None  # None: only a deletion of a page never archived
    sha: str | None
    gone: bool


@dataclass
class Chains:
    """The stories known before a day: every URL key -> its story, every story's latest version."""

    by_key: dict[str, str] = field(default_factory=dict)
    stories: dict[str, _Story] = field(default_factory=dict)

    @classmethod
    def for_day(cls, tables: list[pa.Table], day: pa.Table) -> Chains:
        """The stories of earlier days' table files (oldest first; columns READS + STORY_COLUMNS) that
        the rows of `day` may belong to: those holding one of its URLs (as written, or the story
        whose id its URL key makes) or reached from one. Matched in bulk, so a day's cost grows with
        its own rows, not with the days before it."""
        chains = cls()
        tables = [t for t in tables if "story_id" in t.column_names]
        if not tables or not day.num_rows:
            return chains
        raw = {v for n in ("url", "canonical_url", "via") for v in day.column(n).to_pylist() if v}
        made = {story_id_of(key) for url in raw if (key := url_key(url))}
        earlier = pa.concat_tables(
            [t.select([*READS, *STORY_COLUMNS, "snapshot_date"]) for t in tables],
            promote_options="default",
        )
        urls = pa.array(sorted(raw), pa.string())
        hit = pc.or_kleene(
            pc.is_in(earlier["story_id"], pa.array(sorted(made), pa.string())),
            pc.or_kleene(pc.is_in(earlier["url"], urls), pc.is_in(earlier["canonical_url"], urls)),
        )
        found = pc.unique(earlier.filter(hit)["story_id"].drop_null())
        mine = earlier.filter(pc.is_in(earlier["story_id"], found))
        chains.take(mine)
        return chains

    def take(self, table: pa.Table) -> None:
        """A day whose story columns are decided: its stories as they stand at its end."""
        if "story_id" not in table.column_names:
            return  # a day file written before stories existed: its captures start no chain
        keys = [("fetched_at", "ascending"), ("id", "ascending")]
        if "snapshot_date" in table.column_names:  # days in order, whenever they were fetched
            keys.insert(0, ("snapshot_date", "ascending"))
        order = pc.sort_indices(table, keys)
        cols = {n: table.column(n).take(order).to_pylist() for n in (*READS, *STORY_COLUMNS)}
        for n, story_id in enumerate(cols["story_id"]):
            if story_id is None:
                continue
            story = self.stories.setdefault(story_id, _Story(story_id, None, None, False))
            if cols["change"][n] is not None:
                story.version, story.sha = cols["version"][n], cols["version_sha"][n]
                story.gone = cols["change"][n] == "gone"
            for key in (url_key(cols["url"][n]), url_key(cols["canonical_url"][n])):
                if key:
                    self.by_key[key] = story_id

    def find(self, url: str | None, canonical: str | None, via: str | None) -> _Story | None:
        for key in (url_key(canonical), url_key(url), url_key(via)):
            if key and key in self.by_key:
                return self.stories[self.by_key[key]]
        return None


def assign(table: pa.Table, chains: Chains) -> pa.Table:
    """The day's table with its story columns appended (in STORY_COLUMNS order): each row decided in
    the order it was fetched, against the stories before it (`chains` is updated as it goes)."""
    order = pc.sort_indices(table, [("fetched_at", "ascending"), ("id", "ascending")]).to_pylist()
    cols = {n: table.column(n).to_pylist() for n in (*READS, *VERSION_READS)}
    n_rows = table.num_rows
    out: dict[str, list[Any]] = {name: [None] * n_rows for name in STORY_COLUMNS}
    for n in order:
        gone = cols["gone"][n]
        sha = version_sha(
            cols["title"][n], cols["text"][n], cols["author"][n], cols["published_date"][n]
        )
        if gone:
            sha = version_sha(None, None, None, None)
        story = chains.find(cols["url"][n], cols["canonical_url"][n], cols["via"][n])
        if story is None:
            key = url_key(cols["canonical_url"][n]) or url_key(cols["url"][n]) or cols["id"][n]
            story = _Story(story_id_of(key), None, None, False)
            chains.stories[story.story_id] = story
            if not gone:
                story.version, story.sha, change = 1, sha, "new"
            else:
                change = None  # the deletion of a page never archived: evidence, not a version
        elif gone:
            if story.gone or story.version is None:
                change = None
            else:
                story.version, story.sha, story.gone, change = story.version + 1, sha, True, "gone"
        elif sha == story.sha and not story.gone:
            change = None
        elif story.version is None:  # a page first seen gone, then there
            story.version, story.sha, change = 1, sha, "new"
        else:
            story.version = (story.version or 0) + 1
            story.sha, story.gone, change = sha, False, "edited"
        for key in (url_key(cols["url"][n]), url_key(cols["canonical_url"][n])):
            if key:
                chains.by_key[key] = story.story_id
        out["story_id"][n], out["version"][n] = story.story_id, story.version
        out["change"][n], out["version_sha"][n] = change, sha
    types = {"story_id": pa.string(), "version": pa.int32(), "change": pa.string()}
    for name in STORY_COLUMNS:
        table = table.append_column(
            pa.field(name, types.get(name, pa.string())),
            pa.array(out[name], types.get(name, pa.string())),
        )
    return table
