"""Reading raw captures back from WARC files (warcio)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


@dataclass(frozen=True)
class Capture:
    url: str
    status: int
    content_type: str | None
    body: bytes  # Content-Encoding and chunking undone; the WARC keeps the bytes as received
    record_id: str
    fetched_at: str


def iter_responses(path: Path) -> Iterator[Capture]:
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            http = record.http_headers
            yield Capture(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                status=int(http.get_statuscode()),
                content_type=http.get_header("Content-Type"),
                body=record.content_stream().read(),
                record_id=record.rec_headers.get_header("WARC-Record-ID"),
                fetched_at=record.rec_headers.get_header("WARC-Date"),
            )
