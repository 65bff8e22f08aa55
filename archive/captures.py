"""Every capture of a URL across snapshots, from their CDXJ indexes (binary search of each, checked
against its SHA-256; optionally cached under that SHA-256 and mapped).

A story is followed where it went: a lookup finds the captures of the URL and of its host variants
(`www.`, `m.`, `amp.`: cdxj.url_prefixes), then of every URL linked to them by an archived article, the
lines' `canonical_url` (a revised story under a new slug keeps its first URL as canonical) and
`revision_of` (the article it revises), until no new URL turns up (MAX_ROUNDS)."""

from __future__ import annotations

import logging
import mmap
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from archive.capture_index import IndexMissing, IndexSource, index_source, read_index
from archive.cdxj import Buffer, lines_with, lines_with_prefix, url_prefixes
from archive.snapshot import DamagedObject, SnapshotRef, list_snapshots
from archive.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capture:
    """One capture of a URL, as its snapshot's index lists it."""

    url: str
    timestamp: str  # 14 digits, UTC
    status: str | None
    mime: str | None
    digest: str | None
    snapshot: str  # "D rev N": the rev whose WARC holds it
    warc: str  # its key in the archive
    offset: int
    length: int
    record_id: str | None
    article: str | None  # the archived article made from it
    duplicate_of: str | None
    refers_to_uri: str | None = None  # a revisit: the capture it refers to
    refers_to_date: str | None = None
    original: Capture | None = None  # a revisit resolved
    canonical_url: str | None = (
        None  # its article's canonical URL (the story's first URL when revised)
    )
    revision_of: str | None = None  # the article its article revises

    @property
    def captured_at(self) -> str:
        t = self.timestamp
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"

    @property
    def revisit(self) -> bool:
        return self.mime == "warc/revisit"

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "captured_at": self.captured_at,
            "status": self.status,
            "mime": self.mime,
            "digest": self.digest,
            "snapshot": self.snapshot,
            "warc": self.warc,
            "offset": self.offset,
            "length": self.length,
            "record_id": self.record_id,
            "article": self.article,
            "duplicate": self.duplicate_of is not None,
            "duplicate_of": self.duplicate_of,
            "revisit": self.revisit,
            "refers_to_uri": self.refers_to_uri,
            "refers_to_date": self.refers_to_date,
            "original": self.original.to_dict() if self.original else None,
            "canonical_url": self.canonical_url,
            "revision_of": self.revision_of,
        }


@dataclass
class CaptureSearch:
    """Every capture of one URL in a range of snapshots; the snapshots that could not be searched."""

    url: str
    canonical: str
    captures: list[Capture] = field(default_factory=list)
    unindexed: list[str] = field(
        default_factory=list
    )  # why each snapshot without a usable index was skipped
    linked: list[str] = field(default_factory=list)  # the story's other URLs (slugs, revisions)


MAX_ROUNDS = 8  # a story's URLs are followed this many links deep
MAX_URLS = 50  # and to this many URLs

Canonicalize = Callable[
    [str], str
]  # a URL -> its canonical key (the CLI passes dedup.urls.canonical_url)


def query_url(url: str, canonicalize: Canonicalize) -> str:
    """The canonical form of a URL as a user gives it: raw UTF-8 or percent-encoded, with tracking
    parameters, with or without `www.` or a scheme."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    return canonicalize(text)


class _Indexes:
    """Each snapshot's index read (and checked) at most once per search. With a cache directory, an
    index checked once is kept there under its SHA-256 (`<sha256>.cdxj`, written whole or not at all)
    and later searches map it instead of reading and hashing it again: a lookup then reads only the
    manifests and the few pages of each index its binary search touches."""

    def __init__(self, store: Store, canonicalize: Canonicalize, cache: Path | None = None) -> None:
        self.store = store
        self.canonicalize = canonicalize
        self.cache = cache
        self.data: dict[SnapshotRef, Buffer | None] = {}
        self.problems: list[str] = []

    def get(self, ref: SnapshotRef) -> Buffer | None:
        if ref not in self.data:
            try:
                self.data[ref] = self._load(index_source(self.store, ref))
            except (IndexMissing, DamagedObject) as exc:
                self.data[ref] = None
                self.problems.append(str(exc))
        return self.data[ref]

    def _load(self, source: IndexSource) -> Buffer:
        cached = self.cache / f"{source.sha256}.cdxj" if self.cache else None
        if cached is not None and source.size > 0:
            try:
                with cached.open("rb") as fh:
                    if os.fstat(fh.fileno()).st_size == source.size:
                        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except OSError:
                pass
        data = read_index(self.store, source)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".partial-")
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, cached)
            except OSError as exc:  # a cache that cannot be written costs speed, never the lookup
                logger.warning("cannot cache %s in %s (%s)", source.key, cached.parent, exc)
        return data

    def captures(self, refs: list[SnapshotRef], canonical: str) -> list[Capture]:
        """Every capture of the URL (its canonical form) and of its host variants in `refs`."""
        found: dict[tuple[str, str, int], Capture] = {}
        for ref in refs:
            data = self.get(ref)
            if data is None:
                continue
            for prefix in url_prefixes(canonical):
                for _key, stamp, entry in lines_with_prefix(data, prefix):
                    url = str(entry.get("url", ""))
                    if query_url(url, self.canonicalize) == canonical:
                        capture = _capture(ref, stamp, entry)
                        found[(capture.snapshot, capture.warc, capture.offset)] = capture
        return sorted(found.values(), key=lambda c: (c.timestamp, c.snapshot, c.offset))

    def linked(
        self, refs: list[SnapshotRef], canonicals: set[str], articles: set[str]
    ) -> tuple[set[str], set[str]]:
        """The URLs (canonical forms) and articles linked to these: lines whose article has one of the
        canonical URLs, or is one of the articles, or revises one of them."""
        urls: set[str] = set()
        ids: set[str] = set()
        wanted = [("canonical_url", c) for c in canonicals]
        wanted += [(name, a) for a in articles for name in ("article", "revision_of")]
        for ref in refs:
            data = self.get(ref)
            if data is None:
                continue
            for name, value in wanted:
                for _key, _stamp, entry in lines_with(data, name, value):
                    urls.add(query_url(str(entry.get("url", "")), self.canonicalize))
                    for link in ("article", "revision_of"):
                        if entry.get(link):
                            ids.add(str(entry[link]))
        return urls, ids


def _capture(ref: SnapshotRef, stamp: str, entry: dict[str, Any]) -> Capture:
    def text(name: str) -> str | None:
        value = entry.get(name)
        return None if value is None else str(value)

    return Capture(
        url=str(entry.get("url", "")),
        timestamp=stamp,
        status=text("status"),
        mime=text("mime"),
        digest=text("digest"),
        snapshot=ref.label,
        warc=ref.prefix + str(entry.get("filename", "")),
        offset=int(entry.get("offset", 0)),
        length=int(entry.get("length", 0)),
        record_id=text("record_id"),
        article=text("article"),
        duplicate_of=text("duplicate_of"),
        refers_to_uri=text("refers_to_uri"),
        refers_to_date=text("refers_to_date"),
        canonical_url=text("canonical_url"),
        revision_of=text("revision_of"),
    )


def find_captures(
    store: Store,
    url: str,
    canonicalize: Canonicalize,
    since: date | None = None,
    until: date | None = None,
    *,
    cache: Path | None = None,
) -> CaptureSearch:
    """Every capture of `url` (any variant with the same canonical key, its host variants) and of the URLs
    its story had (linked by canonical URL and revision in any snapshot) in the complete snapshots dated
    in [since, until], oldest first; a revisit comes with the capture it refers to (searched in every
    snapshot, whatever the range)."""
    canonical = query_url(url, canonicalize)
    indexes = _Indexes(store, canonicalize, cache)
    every = list_snapshots(store)  # the story's URLs: what the whole archive links
    in_range = {ref.label for ref in list_snapshots(store, since, until)}  # its captures listed
    by_url = {canonical: indexes.captures(every, canonical)}
    articles: set[str] = set()
    for _ in range(MAX_ROUNDS):
        seen = {c for caps in by_url.values() for c in caps}
        canonicals = set(by_url) | {
            query_url(c.canonical_url, canonicalize) for c in seen if c.canonical_url
        }
        ids = {i for c in seen for i in (c.article, c.revision_of) if i} | articles
        urls, articles = indexes.linked(every, canonicals, ids)
        new = (urls | canonicals) - set(by_url)
        if not new or len(by_url) >= MAX_URLS:
            break  # a site whose every page names one canonical URL links no further than this
        new = set(sorted(new)[: MAX_URLS - len(by_url)])
        for other in sorted(new):
            by_url[other] = indexes.captures(every, other)
    found = sorted(
        {
            (c.snapshot, c.warc, c.offset): c
            for caps in by_url.values()
            for c in caps
            if c.snapshot in in_range
        }.values(),
        key=lambda c: (c.timestamp, c.snapshot, c.offset),
    )
    resolved = []
    for capture in found:
        if capture.revisit:
            target = query_url(capture.refers_to_uri or capture.url, canonicalize)
            capture = _resolve(capture, indexes.captures(every, target))
        resolved.append(capture)
    linked = sorted(u for u, caps in by_url.items() if u != canonical and caps)
    return CaptureSearch(url, canonical, resolved, indexes.problems, linked)


def _resolve(revisit: Capture, candidates: list[Capture]) -> Capture:
    """The revisit with the original capture it refers to: same payload digest, at the date it names
    (else the latest such capture before it)."""
    from dataclasses import replace

    originals = [c for c in candidates if not c.revisit and c.digest == revisit.digest]
    wanted = (revisit.refers_to_date or "").replace("-", "").replace(":", "").replace("T", "")[:14]
    exact = [c for c in originals if c.timestamp == wanted]
    before = [c for c in originals if c.timestamp <= revisit.timestamp]
    matches = exact or before
    return replace(revisit, original=matches[-1]) if matches else revisit
