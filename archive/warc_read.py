"""Reading captures back from an outlet's WARC: the one place a `revisit` is resolved to its original.

A capture is a `response` record, or a `revisit` record (identical-payload-digest: HTTP headers, no body)
whose body is its original's. Its provenance comes from the `metadata` record (`application/warc-fields`,
`kind:`, `via:` and `discovered-at:`) that is `WARC-Concurrent-To` it (spiders/warc.py writes both).
`kind` is `article`, `discovery` (a feed, sitemap or section page), `robots` or `requisite` (a
stylesheet, image, font or script of a page); a WARC written before discovery documents were kept has no
such record, and held article pages only (kind None). A requisite's revisit may refer to a record of an
earlier day (spiders/warc.py); readers that want articles only pass `kinds=ARTICLE_KINDS`, so such a
revisit is never looked for.

Where an original can be: the crawl writes a revisit only for a payload written earlier in the same WARC
or archived in a complete rev of the same day for the same outlet (archive/warc_digests.py). So
`Originals` looks in the WARC itself, then in the outlet's WARCs of the day's complete revs (newest
first, each downloaded once and checked against its manifest's SHA-256). `iter_captures` (the extract
stage) and `resolve_capture` (verify, re-extraction) both resolve through `Originals.body`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from archive import layout
from archive.snapshot import SnapshotRef, day_revs, download_checked, load_manifest
from archive.store import ObjectNotFound, Store
from common.errors import NewsArchiveError

logger = logging.getLogger(__name__)
CAPTURE_TYPES = ("response", "revisit")
PROVENANCE_TYPE = "application/warc-fields"
ARTICLE_KINDS = frozenset({None, "article"})


class CaptureNotFound(NewsArchiveError, LookupError):
    """A capture (or a revisit's original) that is in none of the WARCs it may be in."""

    reason = "capture_not_found"


@dataclass(frozen=True)
class Capture:
    url: str
    status: int
    content_type: str | None
    body: bytes  # Content-Encoding and chunking undone; the WARC keeps the bytes as received
    record_id: str  # the response's, or the revisit's (a row's capture_id)
    fetched_at: str
    via: str | None = None  # the feed, sitemap or section URL the crawl found it on
    discovered_at: str | None = None
    refers_to: str | None = None  # a revisit: its original's WARC-Record-ID
    kind: str | None = (
        None  # article, discovery, robots; None: a WARC from before (article pages only)
    )

    @property
    def is_article(self) -> bool:
        return self.kind in ARTICLE_KINDS


@dataclass
class WarcIndex:
    """Offsets of an outlet WARC's captures and their provenance (one pass over the file, no bodies)."""

    path: Path
    offsets: dict[str, int] = field(
        default_factory=dict
    )  # record id -> offset of its response/revisit
    provenance: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # record id -> kind, via, discovered-at

    @classmethod
    def build(cls, path: Path) -> WarcIndex:
        index = cls(path)
        with path.open("rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                headers = record.rec_headers
                if record.rec_type in CAPTURE_TYPES:
                    index.offsets[headers.get_header("WARC-Record-ID")] = (
                        records.get_record_offset()
                    )
                elif record.rec_type == "metadata" and _is_provenance(record):
                    index.provenance[headers.get_header("WARC-Concurrent-To")] = _warc_fields(
                        record.content_stream().read()
                    )
        return index


class Originals:
    """Where the originals of an outlet's revisits are found: the WARC being read, then the outlet's WARCs
    of the complete revs of `day` (below `below_rev` when given: a rev never refers to a later one)."""

    def __init__(
        self, store: Store | None, day: str, outlet: str, tmp: Path, below_rev: int | None = None
    ):
        self.store, self.day, self.outlet, self.tmp, self.below_rev = (
            store,
            day,
            outlet,
            tmp,
            below_rev,
        )
        self._indexes: dict[Path, WarcIndex] = {}
        self._archived: list[SnapshotRef] | None = None

    def index(self, path: Path) -> WarcIndex:
        """The index of a local WARC, built once; its captures are searched for originals from then on."""
        if path not in self._indexes:
            self._indexes[path] = WarcIndex.build(path)
        return self._indexes[path]

    def find(self, record_id: str) -> tuple[Path, int] | None:
        for index in list(self._indexes.values()):
            if record_id in index.offsets:
                return index.path, index.offsets[record_id]
        for ref in self._remaining_revs():  # downloaded one at a time, only while not found
            if (fetched := self._fetch(ref)) is not None:
                self._indexes[fetched.path] = fetched
                if record_id in fetched.offsets:
                    return fetched.path, fetched.offsets[record_id]
        return None

    def body(self, record_id: str) -> bytes:
        """The payload of the response record `record_id` (Content-Encoding and chunking undone)."""
        found = self.find(record_id)
        if found is None:
            raise CaptureNotFound(
                f"{self.outlet}: the original {record_id} of a revisit is in no WARC of "
                f"{self.day} (this WARC or a complete rev's)"
            )
        record = _record_at(*found)
        if record.rec_type != "response":
            raise CaptureNotFound(
                f"{self.outlet}: {record_id} is a {record.rec_type} record, not a response"
            )
        body: bytes = record.content_stream().read()
        return body

    def _remaining_revs(self) -> Iterator[SnapshotRef]:
        if self.store is None:
            return
        if self._archived is None:
            revs = day_revs(self.store, date.fromisoformat(self.day), claims_of_complete=False)
            self._archived = [
                SnapshotRef(self.day, r.rev)
                for r in sorted(revs.values(), key=lambda s: -s.rev)
                if r.complete
                and not r.abandoned
                and (self.below_rev is None or r.rev < self.below_rev)
            ]
        while self._archived:
            yield self._archived.pop(0)

    def _fetch(self, ref: SnapshotRef) -> WarcIndex | None:
        assert self.store is not None
        key = layout.warc_key(ref.prefix, self.outlet)
        try:
            entry = load_manifest(self.store, ref).file(key)
            if entry is None:
                return None  # the outlet was not crawled in that rev
            local = self.tmp / f"original-rev{ref.rev}-{self.outlet}.warc.gz"
            download_checked(self.store, entry, local)
            return WarcIndex.build(local)
        except (
            ObjectNotFound,
            NewsArchiveError,
            ArchiveLoadFailed,
            OSError,
            EOFError,
            ValueError,
        ) as exc:
            logger.warning("%s: originals of revisits not read from %s (%s)", self.outlet, key, exc)
            return None


def iter_captures(
    path: Path,
    originals: Originals | None = None,
    unresolved: list[CaptureNotFound] | None = None,
    kinds: frozenset[str | None] | None = None,
) -> Iterator[Capture]:
    """Every capture of the WARC in order (of `kinds` only, when given), revisits with their original's
    body. Without `originals`, a revisit is resolved within this WARC only. A revisit whose original is
    nowhere costs only itself: it is appended to `unresolved` (raised when that is None)."""
    originals = originals or Originals(None, "", "", path.parent)
    index = originals.index(path)
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type not in CAPTURE_TYPES:
                continue
            if kinds is not None:
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                if index.provenance.get(record_id, {}).get("kind") not in kinds:
                    continue
            try:
                yield _capture(record, index, originals)
            except CaptureNotFound as exc:
                if unresolved is None:
                    raise
                logger.warning("%s", exc)
                unresolved.append(exc)


def resolve_capture(path: Path, record_id: str, originals: Originals | None = None) -> Capture:
    """The capture `record_id` of the WARC at `path` (a row's capture_id), a revisit resolved to its
    original's body. CaptureNotFound when the record, or the revisit's original, is nowhere. Pass the same
    `originals` for many captures of one WARC: each WARC is indexed once."""
    originals = originals or Originals(None, "", "", path.parent)
    index = originals.index(path)
    if record_id not in index.offsets:
        raise CaptureNotFound(f"{path.name}: no response or revisit record {record_id}")
    return _capture(_record_at(path, index.offsets[record_id]), index, originals)


def _capture(record: ArcWarcRecord, index: WarcIndex, originals: Originals) -> Capture:
    headers, http = record.rec_headers, record.http_headers
    record_id = headers.get_header("WARC-Record-ID")
    refers_to = None
    if record.rec_type == "revisit":
        refers_to = headers.get_header("WARC-Refers-To")
        if not refers_to:
            raise CaptureNotFound(f"revisit {record_id} has no WARC-Refers-To")
        body = originals.body(refers_to)
    else:
        body = record.content_stream().read()
    provenance = index.provenance.get(record_id, {})
    try:
        status = int(http.get_statuscode()) if http is not None else 0
    except (TypeError, ValueError):
        status = 0  # a record from another tool without a readable HTTP status line
    return Capture(
        url=headers.get_header("WARC-Target-URI"),
        status=status,
        content_type=http.get_header("Content-Type") if http is not None else None,
        body=body,
        record_id=record_id,
        fetched_at=headers.get_header("WARC-Date"),
        via=provenance.get("via"),
        discovered_at=provenance.get("discovered-at"),
        refers_to=refers_to,
        kind=provenance.get("kind"),
    )


def _record_at(path: Path, offset: int) -> ArcWarcRecord:
    fh = path.open("rb")
    fh.seek(offset)
    try:
        record = next(iter(ArchiveIterator(fh)))
        # read the block before the file closes: the caller gets a record whose stream is still readable
        raw = record.raw_stream.read()
        record.raw_stream = BytesIO(raw)
        return record
    finally:
        fh.close()


def _is_provenance(record: ArcWarcRecord) -> bool:
    ctype = (record.rec_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return ctype == PROVENANCE_TYPE and bool(record.rec_headers.get_header("WARC-Concurrent-To"))


def _warc_fields(body: bytes) -> dict[str, str]:
    fields = {}
    for line in body.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields
