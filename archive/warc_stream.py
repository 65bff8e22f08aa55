"""The captures a snapshot's rows point at, read back from a WARC as a stream (for re-extraction; the extract stage and verify read through archive/warc_read.py).

Only response and revisit records are looked at (requests, metadata, warcinfo are skipped), and of
those only the ones the caller wants (by record id and URL): discovery documents and pages nobody
archived cost a header read. A `revisit` record (identical payload) has no body of its own: it is
resolved to its original, by `WARC-Refers-To` or by target URI and date, first in the same WARC (by
the offset of a response seen earlier: nothing is held in memory), then through the caller's resolver
(the same outlet's WARCs of earlier revs)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archive.warc_read import Capture


@dataclass(frozen=True)
class RevisitRef:
    """What a revisit record says about its original."""

    record_id: str  # the revisit's own id (what a row's capture_id names)
    url: str
    refers_to: str | None  # WARC-Refers-To: the original's record id
    target_uri: str | None  # WARC-Refers-To-Target-URI
    target_date: str | None  # WARC-Refers-To-Date


@dataclass(frozen=True)
class MissingCapture:
    """A wanted record that cannot be read back (a revisit whose original is nowhere to be found)."""

    record_id: str
    url: str
    why: str


Resolver = Callable[[RevisitRef], Capture | None]


def _capture(record: ArcWarcRecord) -> Capture:
    http = record.http_headers
    return Capture(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode()),
        content_type=http.get_header("Content-Type"),
        body=record.content_stream().read(),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        fetched_at=record.rec_headers.get_header("WARC-Date"),
    )


def _revisit_ref(record: ArcWarcRecord) -> RevisitRef:
    headers = record.rec_headers
    return RevisitRef(
        headers.get_header("WARC-Record-ID"),
        headers.get_header("WARC-Target-URI"),
        headers.get_header("WARC-Refers-To"),
        headers.get_header("WARC-Refers-To-Target-URI"),
        headers.get_header("WARC-Refers-To-Date"),
    )


def _read_at(path: Path, offset: int) -> Capture:
    with path.open("rb") as fh:
        fh.seek(offset)
        return _capture(next(iter(ArchiveIterator(fh))))


def find_original(path: Path, ref: RevisitRef) -> Capture | None:
    """The response record in the WARC at `path` that a revisit refers to (by id, or by URI and date)."""
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            headers = record.rec_headers
            if (ref.refers_to and headers.get_header("WARC-Record-ID") == ref.refers_to) or (
                ref.target_uri
                and headers.get_header("WARC-Target-URI") == ref.target_uri
                and headers.get_header("WARC-Date") == ref.target_date
            ):
                return _capture(record)
    return None


def as_revisit_of(original: Capture, ref: RevisitRef, revisit: Capture) -> Capture:
    """The revisit as a capture: its own id, URL, date and HTTP status; the original's payload."""
    return Capture(
        url=ref.url,
        status=revisit.status,
        content_type=revisit.content_type or original.content_type,
        body=original.body,
        record_id=ref.record_id,
        fetched_at=revisit.fetched_at,
    )


def iter_captures(
    path: Path, wanted: Callable[[str, str], bool], resolve: Resolver | None = None
) -> Iterator[Capture | MissingCapture]:
    """Each wanted response or revisit record of the WARC at `path`, in file order, with its payload."""
    by_id: dict[str, int] = {}
    by_target: dict[tuple[str, str], int] = {}
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            if record.rec_type not in ("response", "revisit"):
                continue
            headers = record.rec_headers
            record_id, url = (
                headers.get_header("WARC-Record-ID"),
                headers.get_header("WARC-Target-URI"),
            )
            if record.rec_type == "response":
                capture = _capture(record) if wanted(record_id, url) else None
                offset = (
                    records.get_record_offset()
                )  # reads the rest of the record: after the payload
                by_id[record_id] = offset
                by_target[(url, headers.get_header("WARC-Date"))] = offset
                if capture is not None:
                    yield capture
                continue
            if not wanted(record_id, url):
                continue
            ref = _revisit_ref(record)
            offset = by_id.get(ref.refers_to or "")
            if offset is None:
                offset = by_target.get((ref.target_uri or "", ref.target_date or ""))
            original = (
                _read_at(path, offset) if offset is not None else resolve(ref) if resolve else None
            )
            if original is None:
                yield MissingCapture(
                    record_id,
                    url,
                    f"revisit of {ref.refers_to or ref.target_uri} "
                    f"({ref.target_date}): its original is in no WARC searched",
                )
                continue
            revisit = Capture(
                url,
                int(record.http_headers.get_statuscode())
                if record.http_headers
                else original.status,
                record.http_headers.get_header("Content-Type") if record.http_headers else None,
                b"",
                record_id,
                headers.get_header("WARC-Date"),
            )
            yield as_revisit_of(original, ref, revisit)
