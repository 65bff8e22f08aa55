"""Reading captures back from an outlet's WARC: the one reader, and the one place a `revisit` is resolved.

A capture is a `response` record, or a `revisit` record (identical-payload-digest: HTTP headers, no body)
whose body is its original's. Its provenance comes from the `metadata` record (`application/warc-fields`,
`kind:`, `via:` and `discovered-at:`) that is `WARC-Concurrent-To` it (spiders/warc.py writes it right
after the capture). `kind` is `article`, `discovery` (a feed, sitemap or section page), `robots` or
`requisite` (a stylesheet, image, font or script of a page); a WARC written before discovery documents
were kept has no such record, and held article pages only (kind None). A requisite's revisit may refer
to a record of an earlier day (spiders/warc.py): readers that want articles pass `kinds=ARTICLE_KINDS`,
and such a revisit left unresolved costs nothing. A record without HTTP headers (another tool's) reads as status 0 with no content type.

One rule finds a revisit's original: the response whose `WARC-Record-ID` is the revisit's
`WARC-Refers-To`, or, when a revisit names none, the response with its `WARC-Refers-To-Target-URI` and
`WARC-Refers-To-Date`. Where it is looked for: the WARC being read (responses seen earlier in it: the
crawl writes a revisit only after its original), then the outlet's WARCs of the day's complete revs
(below `below_rev`, newest first, each downloaded once and checked against its manifest's SHA-256;
archive/warc_digests.py is what the crawl wrote revisits against). `iter_captures` streams a WARC once
(the extract stage, re-extraction); `resolve_capture` reads one capture by id (verify).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from warcio.exceptions import ArchiveLoadFailed

from archive import layout
from archive.snapshot import SnapshotRef, day_revs, download_checked, load_manifest
from archive.store import ObjectNotFound, Store
from common.errors import NewsArchiveError
from common.warc_reader import DamagedWarc, WarcRecord, parse_member, read_records, record_at

logger = logging.getLogger(__name__)
CAPTURE_TYPES = ("response", "revisit")
PROVENANCE_TYPE = "application/warc-fields"
ARTICLE_KINDS = frozenset({None, "article"})
Wanted = Callable[[str, str], bool]  # (record id, URL) -> read this capture's body?


class CaptureNotFound(NewsArchiveError, LookupError):
    """A capture (or a revisit's original) that is in none of the WARCs it may be in."""

    reason = "capture_not_found"

    def __init__(self, message: str, record_id: str = "", url: str = ""):
        super().__init__(message)
        self.record_id, self.url = record_id, url


@dataclass(frozen=True)
class Capture:
    url: str
    status: int  # 0: a record without a readable HTTP status line
    content_type: str | None
    body: bytes  # Content-Encoding and chunking undone; the WARC keeps the bytes as received
    record_id: str  # the response's, or the revisit's (a row's capture_id)
    fetched_at: str
    via: str | None = None  # the feed, sitemap or section URL the crawl found it on
    discovered_at: str | None = None
    refers_to: str | None = None  # a revisit: its original's WARC-Record-ID
    kind: str | None = None  # article, discovery, robots; None: a WARC from before (articles only)

    @property
    def is_article(self) -> bool:
        return self.kind in ARTICLE_KINDS


@dataclass(frozen=True)
class RevisitRef:
    """What a revisit record says about its original."""

    record_id: str  # the revisit's own id (what a row's capture_id names)
    url: str
    refers_to: str | None  # WARC-Refers-To: the original's record id
    target_uri: str | None  # WARC-Refers-To-Target-URI
    target_date: str | None  # WARC-Refers-To-Date

    @property
    def names(self) -> str:
        return self.refers_to or f"{self.target_uri} ({self.target_date})"


@dataclass
class WarcIndex:
    """Offsets of a WARC's responses (by id and by URI and date) and every capture's provenance."""

    path: Path
    offsets: dict[str, int] = field(default_factory=dict)  # response or revisit id -> offset
    responses: dict[str, int] = field(default_factory=dict)  # response id -> offset
    targets: dict[tuple[str, str], int] = field(default_factory=dict)  # (URI, date) -> offset
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> kind, via, ...
    complete: bool = False  # every record indexed (not only those streamed so far)

    def add_member(self, data: bytes, offset: int, length: int) -> None:
        """The records of one inflated member (archive/warc_check.py's pass); a member that holds no
        readable record is left out (the check names it)."""
        try:
            for record in parse_member(data, offset, length, self.path.name):
                if record.rec_type in CAPTURE_TYPES:
                    self.add(record)
                else:
                    self.note_provenance(record)
        except DamagedWarc:
            return

    @classmethod
    def build(cls, path: Path) -> WarcIndex:
        """One pass over the file, no bodies read."""
        index = cls(path)
        for record in read_records(path):
            if record.rec_type in CAPTURE_TYPES:
                index.add(record)
            else:
                index.note_provenance(record)
        index.complete = True
        return index

    def add(self, record: WarcRecord) -> None:
        headers, offset = record.rec_headers, record.offset
        record_id = headers.get_header("WARC-Record-ID")
        self.offsets[record_id] = offset
        if record.rec_type == "response":
            self.responses[record_id] = offset
            target = (headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"))
            self.targets.setdefault(target, offset)

    def note_provenance(self, record: WarcRecord) -> str | None:
        """Keep a provenance record's fields; the id of the capture they belong to."""
        if record.rec_type != "metadata" or not _is_provenance(record):
            return None
        target = record.rec_headers.get_header("WARC-Concurrent-To")
        self.provenance[target] = _warc_fields(record.payload())
        return str(target)

    def original(self, ref: RevisitRef) -> int | None:
        """The offset of the revisit's original in this WARC, by the one rule (id, else URI and date)."""
        if ref.refers_to:
            return self.responses.get(ref.refers_to)
        return self.targets.get((ref.target_uri or "", ref.target_date or ""))


class Originals:
    """Where the originals of an outlet's revisits are found: the WARCs read so far, then the outlet's
    WARCs of the complete revs of `day` (below `below_rev` when given: a rev never refers to a later one)."""

    def __init__(
        self, store: Store | None, day: str, outlet: str, tmp: Path, below_rev: int | None = None
    ):
        self.store, self.day, self.outlet, self.tmp = store, day, outlet, tmp
        self.below_rev = below_rev
        self._indexes: dict[Path, WarcIndex] = {}
        self._archived: list[SnapshotRef] | None = None

    def know(self, index: WarcIndex) -> None:
        """A complete index of a local WARC made in another pass over it (verify's check)."""
        self._indexes[index.path] = index

    def index(self, path: Path) -> WarcIndex:
        """The whole index of a local WARC, built once; searched for originals from then on."""
        if path not in self._indexes or not self._indexes[path].complete:
            self._indexes[path] = WarcIndex.build(path)
        return self._indexes[path]

    def streaming(self, path: Path) -> WarcIndex:
        """An index of `path` filled while it is streamed (what was read so far is searched)."""
        return self._indexes.setdefault(path, WarcIndex(path))

    def original(self, ref: RevisitRef) -> Capture:
        """The revisit's original response, read from whichever WARC holds it."""
        for index in list(self._indexes.values()):
            if (offset := index.original(ref)) is not None and index.path.exists():
                return _read_at(index.path, offset)  # (a WARC its reader let go is fetched again)
        for rev in self._remaining_revs():  # downloaded one at a time, only while not found
            if (fetched := self._fetch(rev)) is not None:
                self._indexes[fetched.path] = fetched
                if (offset := fetched.original(ref)) is not None:
                    return _read_at(fetched.path, offset)
        raise CaptureNotFound(
            f"{self.outlet}: the original {ref.names} of revisit {ref.record_id} is in no WARC of "
            f"{self.day or 'this capture'} (this WARC or a complete rev's)",
            ref.record_id,
            ref.url,
        )

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
            local = self.tmp / f"original-{ref.day}-rev{ref.rev}-{self.outlet}.warc.gz"
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
    wanted: Wanted | None = None,
    kinds: frozenset[str | None] | None = None,
) -> Iterator[Capture]:
    """Every capture of the WARC that `wanted` accepts (default: all) and whose provenance `kind` is one
    of `kinds` (default: any), in file order, in one pass: a revisit with its original's body, each with
    its provenance. Only a wanted capture's body is read. A revisit whose original is nowhere costs only
    itself: it is appended to `unresolved` (raised when that is None), unless its kind is not wanted.
    Without `originals`, revisits are resolved within this WARC only."""
    originals = originals or Originals(None, "", "", path.parent)
    index = originals.streaming(path)
    # the last capture read, its provenance (the metadata record right after it) still to come
    pending: Capture | CaptureNotFound | None = None

    def settled() -> Iterator[Capture]:
        """The pending capture, if its kind is wanted: yielded, or (its original nowhere) reported."""
        if pending is None:
            return
        kind = index.provenance.get(pending.record_id, {}).get("kind")
        if kinds is not None and kind not in kinds:
            return
        if isinstance(pending, Capture):
            yield pending
            return
        if unresolved is None:
            raise pending
        logger.warning("%s", pending)
        unresolved.append(pending)

    for record in read_records(path):
        if record.rec_type not in CAPTURE_TYPES:
            target = index.note_provenance(record)
            if target is not None and isinstance(pending, Capture):
                pending = _with_provenance(pending, index)
            continue
        yield from settled()
        pending = None
        headers = record.rec_headers
        record_id, url = (
            headers.get_header("WARC-Record-ID"),
            headers.get_header("WARC-Target-URI"),
        )
        if wanted is None or wanted(record_id, url):
            try:
                pending = _with_provenance(_capture(record, originals), index)
            except CaptureNotFound as exc:
                pending = exc
        index.add(record)
    index.complete = True
    yield from settled()


def resolve_capture(path: Path, record_id: str, originals: Originals | None = None) -> Capture:
    """The capture `record_id` of the WARC at `path` (a row's capture_id), a revisit resolved to its
    original's body. CaptureNotFound when the record, or the revisit's original, is nowhere. Pass the same
    `originals` for many captures of one WARC: each WARC is indexed once."""
    originals = originals or Originals(None, "", "", path.parent)
    index = originals.index(path)
    if record_id not in index.offsets:
        raise CaptureNotFound(f"{path.name}: no response or revisit record {record_id}", record_id)
    return _with_provenance(_capture(record_at(path, index.offsets[record_id]), originals), index)


def _capture(record: WarcRecord, originals: Originals) -> Capture:
    """A response as it is, or a revisit with its original's payload (and its own headers and status)."""
    headers, http = record.rec_headers, record.http_headers
    record_id, url = headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Target-URI")
    status, content_type = _http(record)
    if record.rec_type == "response":
        body = record.payload()
        return Capture(url, status, content_type, body, record_id, headers.get_header("WARC-Date"))
    ref = RevisitRef(
        record_id,
        url,
        headers.get_header("WARC-Refers-To"),
        headers.get_header("WARC-Refers-To-Target-URI"),
        headers.get_header("WARC-Refers-To-Date"),
    )
    if not ref.refers_to and not (ref.target_uri and ref.target_date):
        raise CaptureNotFound(
            f"revisit {record_id} names no original (no WARC-Refers-To, no target URI and date)",
            record_id,
            url,
        )
    original = originals.original(ref)
    return Capture(
        url=url,
        status=status if http is not None else original.status,
        content_type=content_type or original.content_type,
        body=original.body,
        record_id=record_id,
        fetched_at=headers.get_header("WARC-Date"),
        refers_to=original.record_id,
    )


def _http(record: WarcRecord) -> tuple[int, str | None]:
    """(status, content type) of a record's HTTP headers; (0, None) for a record without them."""
    http = record.http_headers
    if http is None:
        return 0, None
    try:
        status = int(http.get_statuscode())
    except (TypeError, ValueError):
        status = 0  # a record from another tool without a readable HTTP status line
    return status, http.get_header("Content-Type")


def _with_provenance(capture: Capture, index: WarcIndex) -> Capture:
    fields = index.provenance.get(capture.record_id)
    if not fields:
        return capture
    return replace(
        capture,
        via=fields.get("via"),
        discovered_at=fields.get("discovered-at"),
        kind=fields.get("kind"),
    )


def _read_at(path: Path, offset: int) -> Capture:
    record = record_at(path, offset)
    status, content_type = _http(record)
    headers = record.rec_headers
    return Capture(
        headers.get_header("WARC-Target-URI"),
        status,
        content_type,
        record.payload(),
        headers.get_header("WARC-Record-ID"),
        headers.get_header("WARC-Date"),
    )


def _is_provenance(record: WarcRecord) -> bool:
    ctype = (record.rec_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return ctype == PROVENANCE_TYPE and bool(record.rec_headers.get_header("WARC-Concurrent-To"))


def _warc_fields(body: bytes) -> dict[str, str]:
    fields = {}
    for line in body.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields
