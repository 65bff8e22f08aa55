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


def append_article_links(path: Path, links: list[dict[str, str]]) -> None:
    """Append one WARC metadata record per archived article, referring to its response capture.

    Each link: {"url", "capture_id", "article_id", "canonical_url"}. A gzipped WARC is a series of
    gzip members, so appending records leaves the captures byte-for-byte as they were.
    """
    import json
    from io import BytesIO

    from warcio.warcwriter import WARCWriter

    with path.open("ab") as fh:
        writer = WARCWriter(fh, gzip=True)
        for link in links:
            payload = json.dumps({"article_id": link["article_id"], "canonical_url": link["canonical_url"]})
            record = writer.create_warc_record(
                link["url"], "metadata", payload=BytesIO(payload.encode("utf-8")),
                warc_content_type="application/json",
                warc_headers_dict={"WARC-Refers-To": link["capture_id"]},
            )
            writer.write_record(record)
