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
from common import decode
from common.errors import DamagedObject, ObjectChanged, ObjectNotFound
from dedup.urls import canonical_url

if TYPE_CHECKING:  # the archive's store is passed in
    from archive.store import Store

logger = logging.getLogger(__name__)
COMMIT_TRIES = 20

VERSION = 1
MAX_ATTEMPTS = 4
# extraction failures another try may not repeat (extract/batch.py RETRIED; spiders never import extract)
EXTRACTION_RETRIED = ("timeout", "crashed", "memory")
KEEP_CRAWLS = 30
KEEP_REQUISITE_DAYS = (
    30  # a requisite archived longer ago is written in full again (a fresh original)
)


# -- the values of a state, checked by its decoder ------------------------------------------------------
def _moment(value: object, where: str) -> str:
    moment = decode.moment(value, where)
    if datetime.fromisoformat(moment).tzinfo is None:
        raise decode.Malformed(where, f"{moment!r} has no UTC offset")
    return moment


def _texts(value: object, where: str) -> dict[str, str]:
    return decode.mapping(value, where, decode.text)


def _seen(value: object, where: str) -> dict[str, str]:
    seen = _texts(value, where)
    for day in set(seen.values()):  # a few distinct days among many URLs: each checked once
        decode.day(day, f"{where} value")
    return seen


def _attempts(value: object, where: str) -> dict[str, int]:
    return decode.mapping(value, where, lambda v, w: decode.whole(v, w, high=10**6))


def _validators(value: object, where: str) -> dict[str, dict[str, str]]:
    return decode.mapping(value, where, _texts)


def _crawls(value: object, where: str) -> dict[str, str]:
    return decode.mapping(value, where, _moment, key=decode.day)


def _discovery(value: object, where: str) -> dict[str, list[str]]:
    def found(item: object, at: str) -> list[str]:
        pair = decode.items(item, at, decode.text)
        if len(pair) != 2:
            raise decode.Malformed(at, f"expected [via, discovered_at], found {len(pair)} items")
        return pair

    return decode.mapping(value, where, found)


def _requisites(value: object, where: str, per_day: bool = True) -> dict[str, list[str]]:
    """The requisites' originals: digest -> [url, WARC-Date, WARC-Record-ID] (a run's), and the day
    they were archived (the state's)."""
    names = ["url", "date", "record id"] + (["day"] if per_day else [])

    def original(item: object, at: str) -> list[str]:
        entry = decode.items(item, at, decode.text)
        if len(entry) != len(names):
            raise decode.Malformed(at, f"expected [{', '.join(names)}], found {len(entry)} items")
        if per_day:
            decode.day(entry[3], f"{at}[3]")
        return entry

    return decode.mapping(value, where, original)


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
        """What a crawl learnt, decoded (decode.Malformed names the first field that is wrong)."""
        f = decode.Fields(decode.json_value(data))
        return cls(
            outlet=f.get("outlet", decode.text),
            day=f.get("day", decode.day),
            started=f.get("started", _moment),
            fetched=f.get("fetched", lambda v, w: decode.items(v, w, decode.text), []),
            pending=f.get("pending", _attempts, {}),
            gave_up=f.get("gave_up", _texts, {}),
            validators=f.get("validators", _validators, {}),
            discovery=f.get("discovery", _discovery, {}),
            requisites=f.get("requisites", lambda v, w: _requisites(v, w, per_day=False), {}),
        )


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
        extraction yielded no article): these are given up with `extract_<reason>`, except a page whose
        extraction may succeed on another try (EXTRACTION_RETRIED: it timed out, its worker crashed or
        ran out of memory), which stays pending with one more attempt counted, and is given up after
        MAX_ATTEMPTS like a failed fetch. So a URL is seen only when the snapshot holds its article."""
        seen = dict(self.seen)
        pending = dict(run.pending)
        gave_up = {**self.gave_up, **run.gave_up}
        failed = {seen_key(url) for url in (not_archived or {})}
        for key in run.fetched:
            if key not in failed:
                seen.setdefault(key, run.day)
        before = {seen_key(url): n for url, n in self.pending.items()}  # a redirect keeps its count
        for url, reason in (not_archived or {}).items():
            attempts = max(before.get(seen_key(url), 0), pending.get(url, 0)) + 1
            if reason in EXTRACTION_RETRIED and attempts < MAX_ATTEMPTS:
                pending[url] = attempts
            else:
                pending.pop(url, None)
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
        """The crawl state's one decoder: gzip, JSON, version, outlet and every field's type and values
        checked; decode.Malformed names the first thing that is wrong."""
        f = decode.Fields(decode.json_value(decode.gunzip(blob)))
        version = f.get("version", decode.whole)
        found = f.get("outlet", decode.text)
        if version != VERSION or found != outlet:
            raise decode.Malformed(
                "version",
                f"version {version} for outlet {found[:40]!r}, expected version {VERSION} for {outlet!r}",
            )
        return cls(
            outlet=outlet,
            seen=f.get("seen", _seen),
            validators=f.get("validators", _validators),
            validators_day=f.get("validators_day", decode.optional(decode.day)),
            pending=f.get("pending", _attempts),
            gave_up=f.get("gave_up", _texts),
            crawls=f.get("crawls", _crawls),
            discovery=f.get("discovery", _discovery, {}),
            requisites=f.get("requisites", _requisites, {}),
        )

    @classmethod
    def read(cls, path: str | Path, outlet: str) -> CrawlState:
        return cls.from_bytes(Path(path).read_bytes(), outlet)


# -- the state in the archive: `state/crawl/<outlet>.json.gz`, shared by every worker ---------------------
class CrawlStateError(DamagedObject):
    reason = "damaged_state"


def _load(store: Store, outlet: str) -> tuple[CrawlState, str]:
    key = layout.crawl_state_key(outlet)
    try:
        blob, version = store.get_versioned(key)
    except ObjectNotFound:
        return CrawlState(outlet=outlet), ""
    try:
        return CrawlState.from_bytes(blob, outlet), version
    except decode.Malformed as exc:
        raise damaged_state(f"{store.url}/{key}", outlet, exc) from None


def damaged_state(where: str, outlet: str, exc: Exception) -> CrawlStateError:
    return CrawlStateError(
        f"{where} is damaged ({exc}); run `newsarchive repair crawl-state {outlet}` to rebuild it "
        "from the archive's snapshots"
    )


def load_crawl_run(store: Store, key: str, outlet: str) -> CrawlRun:
    """What one crawl learnt, as its crawl stage staged it (ObjectNotFound if it is not there)."""
    try:
        crawl_run = CrawlRun.from_bytes(store.get_bytes(key))
    except decode.Malformed as exc:
        raise CrawlStateError(
            f"{store.url}/{key} is damaged ({exc}); {outlet}'s crawl state is not updated by this "
            "run (its pages are requested again by the next one)"
        ) from None
    if crawl_run.outlet != outlet:
        raise CrawlStateError(
            f"{store.url}/{key} is the crawl of {crawl_run.outlet!r}, not {outlet!r}"
        )
    return crawl_run


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
