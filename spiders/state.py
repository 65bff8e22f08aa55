"""What the crawler remembers about an outlet between runs, so a rerun fetches only what is new.

The state lives in the archive (`state/crawl/<outlet>.json.gz`, `archive.layout.crawl_state_key`) so every worker shares
it; this module is its one home: the model, its key, and reading and committing it through the archive's
store (passed in). A crawl reads it, and writes what it learnt as a `CrawlRun`; the publish stage folds the run
into the state only after the run's snapshot is complete, so a failed run never marks anything as seen.

- `seen`: URL key (dedup.urls.canonical_url) of each article page archived with status 200 -> the day of
  the snapshot that holds it. Never requested again, except by a rerun of that same day: a rerun
  publishes a new rev that supersedes the day's snapshot, so it must capture that day's articles again.
- `validators`: ETag / Last-Modified of each discovery document from the crawl of `validators_day`,
  sent back as a conditional GET by the crawl of any other day.
- `pending`: article URLs a run could not fetch for a passing reason (5xx, timeout, page cap ...), with
  the number of failed attempts; the next run requests them first, whatever discovery says.
- `gave_up`: article URLs with a permanent answer (404, not HTML, too large, retried MAX_ATTEMPTS times).
- `discovery`: pending URL -> [the feed, sitemap or section URL it was listed on, when], so the page's
  capture names its provenance when a later run fetches it.
- `crawls`: day -> when its published crawl started; sitemap entries older than the latest crawl of
  another day (minus a margin) are skipped.
- `requisites`: payload digest of each page requisite (stylesheet, font, picture, script) archived in
  full -> [its URL, WARC-Date, WARC-Record-ID, the day of the snapshot that holds it], for
  KEEP_REQUISITE_DAYS: the same file fetched on a later day is a revisit of that record, not a copy.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from archive import (
    layout,  # the archive's key space (stdlib only): the one module of archive spiders import
)
from common.errors import NewsArchiveError, ObjectChanged, ObjectNotFound
from dedup.urls import canonical_url

if TYPE_CHECKING:  # the archive's store is passed in
    from archive.store import Store

logger = logging.getLogger(__name__)
COMMIT_TRIES = 20

VERSION = 1
MAX_ATTEMPTS = 4
KEEP_CRAWLS = 30
KEEP_REQUISITE_DAYS = (
    30  # a requisite archived longer ago is written in full again (a fresh original)
)


def seen_key(url: str) -> str:
    return canonical_url(url)


@dataclass
class CrawlRun:
    """What one crawl of one outlet learnt."""

    outlet: str
    day: str  # the run's logical date (ISO)
    started: str
    fetched: list[str] = field(default_factory=list)  # seen keys of article pages fetched with 200
    pending: dict[str, int] = field(default_factory=dict)
    gave_up: dict[str, str] = field(default_factory=dict)  # url -> reason
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    discovery: dict[str, list[str]] = field(
        default_factory=dict
    )  # pending url -> [via, discovered_at]
    # requisites written in full: payload digest -> [url, WARC-Date, WARC-Record-ID]
    requisites: dict[str, list[str]] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> CrawlRun:
        return cls(**json.loads(data))


@dataclass
class CrawlState:
    outlet: str
    seen: dict[str, str] = field(default_factory=dict)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    validators_day: str | None = None
    pending: dict[str, int] = field(default_factory=dict)
    gave_up: dict[str, str] = field(default_factory=dict)
    crawls: dict[str, str] = field(default_factory=dict)
    discovery: dict[str, list[str]] = field(
        default_factory=dict
    )  # pending url -> [via, discovered_at]
    requisites: dict[str, list[str]] = field(
        default_factory=dict
    )  # digest -> [url, WARC-Date, WARC-Record-ID, day]

    def after(self, run: CrawlRun, not_archived: dict[str, str] | None = None) -> CrawlState:
        """The state once `run`'s snapshot is complete. Folding the same run in twice gives the same state.

        Pages the run fetched become seen, except those in `not_archived` (URL -> reason: fetched, but
        extraction yielded no article): these are given up with `extract_<reason>`, except a `timeout`,
        which stays pending. So a URL is seen only when the snapshot holds its article."""
        seen = dict(self.seen)
        pending = dict(run.pending)
        gave_up = {**self.gave_up, **run.gave_up}
        failed = {seen_key(url) for url in (not_archived or {})}
        for key in run.fetched:
            if key not in failed:
                seen.setdefault(key, run.day)
        for url, reason in (not_archived or {}).items():
            if reason == "timeout":
                pending[url] = pending.get(url, 0) + 1
            else:
                gave_up[url] = f"extract_{reason}"
        crawls = dict(sorted({**self.crawls, run.day: run.started}.items())[-KEEP_CRAWLS:])
        oldest = (date.fromisoformat(run.day) - timedelta(days=KEEP_REQUISITE_DAYS)).isoformat()
        requisites = {d: e for d, e in self.requisites.items() if e[3] >= oldest}
        for digest, (url, when, record_id) in sorted(run.requisites.items()):
            requisites.setdefault(digest, [url, when, record_id, run.day])
        return CrawlState(
            outlet=self.outlet,
            seen=seen,
            validators=dict(run.validators),
            validators_day=run.day,
            pending={
                u: n for u, n in pending.items() if seen_key(u) not in seen and u not in gave_up
            },
            gave_up=gave_up,
            crawls=crawls,
            requisites=requisites,
        ).with_discovery({**self.discovery, **run.discovery})

    def with_discovery(self, discovery: dict[str, list[str]]) -> CrawlState:
        """Where each pending page was found (its next fetch's provenance); only pending pages keep it."""
        self.discovery = {url: found for url, found in discovery.items() if url in self.pending}
        return self

    # -- what a crawl of `day` uses ---------------------------------------------------------------------------
    def archived_elsewhere(self, url: str, day: str) -> bool:
        """Archived in another day's snapshot (a rerun of `day` itself captures that day's pages again)."""
        archived = self.seen.get(seen_key(url))
        return archived is not None and archived != day

    def validators_for(self, day: str) -> dict[str, dict[str, str]]:
        return self.validators if self.validators_day and self.validators_day != day else {}

    def last_crawl_before(self, day: str) -> datetime | None:
        starts = [started for d, started in self.crawls.items() if d != day]
        return datetime.fromisoformat(max(starts)) if starts else None

    # -- serialisation (gzipped JSON, keys sorted so the object is stable) ---------------------------------
    def to_bytes(self) -> bytes:
        data = {
            "version": VERSION,
            "outlet": self.outlet,
            "seen": self.seen,
            "validators": self.validators,
            "validators_day": self.validators_day,
            "pending": self.pending,
            "gave_up": self.gave_up,
            "crawls": self.crawls,
            "discovery": self.discovery,
            "requisites": self.requisites,
        }
        return gzip.compress(
            json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"), mtime=0
        )

    @classmethod
    def from_bytes(cls, blob: bytes, outlet: str) -> CrawlState:
        try:
            data = json.loads(gzip.decompress(blob))
        except (OSError, ValueError) as exc:
            raise ValueError(f"crawl state of {outlet} is not gzipped JSON: {exc}") from None
        if data.get("version") != VERSION or data.get("outlet") != outlet:
            raise ValueError(
                f"crawl state of {outlet}: version {data.get('version')} for outlet "
                f"{data.get('outlet')!r}, expected version {VERSION} for {outlet!r}"
            )
        return cls(
            outlet=outlet,
            seen=data["seen"],
            validators=data["validators"],
            validators_day=data["validators_day"],
            pending=data["pending"],
            gave_up=data["gave_up"],
            crawls=data["crawls"],
            discovery=data.get("discovery", {}),
            requisites=_requisites(data.get("requisites", {})),
        )

    @classmethod
    def read(cls, path: str | Path, outlet: str) -> CrawlState:
        return cls.from_bytes(Path(path).read_bytes(), outlet)


def _requisites(data: object) -> dict[str, list[str]]:
    """The requisites' originals as stored: each [url, date, record id, day] of strings, else an error."""
    if not isinstance(data, dict) or not all(
        isinstance(e, list) and len(e) == 4 and all(isinstance(x, str) for x in e)
        for e in data.values()
    ):
        raise ValueError("requisites must map digests to [url, date, record id, day]")
    return {str(k): list(v) for k, v in data.items()}


# -- the state in the archive: `state/crawl/<outlet>.json.gz`, shared by every worker ---------------------
class CrawlStateError(NewsArchiveError):
    reason = "damaged_state"


def _load(store: Store, outlet: str) -> tuple[CrawlState, str]:
    key = layout.crawl_state_key(outlet)
    try:
        blob, version = store.get_versioned(key)
    except ObjectNotFound:
        return CrawlState(outlet=outlet), ""
    try:
        return CrawlState.from_bytes(blob, outlet), version
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CrawlStateError(
            f"{store.url}/{key} is damaged ({exc}); run `newsarchive repair crawl-state {outlet}` to rebuild it "
            "from the archive's snapshots"
        ) from None


def load_crawl_state(store: Store, outlet: str) -> CrawlState:
    """The outlet's state, or an empty one (a first crawl) when the archive has none. A damaged state fails
    only its own outlet, with one line naming the object and the repair."""
    return _load(store, outlet)[0]


def commit_crawl_run(
    store: Store, run: CrawlRun, not_archived: dict[str, str] | None = None
) -> CrawlState:
    """Fold an archived run into the outlet's state (idempotent: committing a run twice changes nothing),
    with a conditional write (If-Match on the version read, retried on a lost race), so two runs
    committing at once never lose each other's update."""
    key = layout.crawl_state_key(run.outlet)
    for attempt in range(COMMIT_TRIES):
        state, version = _load(store, run.outlet)
        new = state.after(run, not_archived)
        try:
            store.put_bytes(key, new.to_bytes(), if_match=version)
            return new
        except ObjectChanged:
            logger.info("%s: crawl state changed under us, folding the run in again", run.outlet)
            time.sleep(0.05 * (attempt + 1))
    raise CrawlStateError(
        f"{store.url}/{key}: {COMMIT_TRIES} concurrent writers in a row; run again"
    )


def rebuild_crawl_state(store: Store, outlet: str, seen: dict[str, str]) -> CrawlState:
    """Replace a damaged state with one whose seen set is what the archive holds (pending work, validators
    and given-up pages are lost; the next crawl finds them again). The damaged object is kept aside."""
    key = layout.crawl_state_key(outlet)
    try:
        blob, version = store.get_versioned(key)
        store.put_bytes(f"{key}.damaged-{int(time.time())}", blob)
    except ObjectNotFound:
        version = ""
    state = CrawlState(outlet=outlet, seen=seen)
    store.put_bytes(key, state.to_bytes(), if_match=version)
    return state
