"""common/warc_reader.py: the same records as warcio's ArchiveIterator (type, WARC and HTTP headers,
payload with Content-Encoding and chunking undone, offset and length), and damage named by its offset
with the records before it read."""

from __future__ import annotations

import gzip
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from common.warc_reader import DamagedWarc, read_records, record_at
from common.warc_writer import GzipWarcWriter

PAGE = ("<html><body><article><p>" + "نص الخبر " * 400 + "</p></article></body></html>").encode()


def _http(*extra: tuple[str, str]) -> StatusAndHeaders:
    return StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *extra], "HTTP/1.1")


def _mixed_warc(path: Path, writer_of=GzipWarcWriter) -> Path:
    """Every kind of record a crawl writes, and bodies as servers send them (gzip, chunked, folded
    header lines, Latin-1 header bytes, an HTTP/1.0 answer, an empty 204)."""
    with path.open("wb") as fh:
        w = writer_of(fh)
        w.write_record(w.create_warcinfo_record("a.warc.gz", {"software": "test"}))
        w.write_record(
            w.create_warc_record(
                "https://x.test/1", "response", payload=BytesIO(PAGE), http_headers=_http()
            )
        )
        gz = gzip.compress(PAGE)
        w.write_record(
            w.create_warc_record(
                "https://x.test/2",
                "response",
                payload=BytesIO(gz),
                http_headers=_http(("Content-Encoding", "gzip")),
            )
        )
        chunked = b"10\r\n" + PAGE[:16] + b"\r\n0\r\n\r\n"
        w.write_record(
            w.create_warc_record(
                "https://x.test/3",
                "response",
                payload=BytesIO(chunked),
                http_headers=_http(("Transfer-Encoding", "chunked")),
            )
        )
        odd = StatusAndHeaders(
            "404 Not Found", [("X-Folded", "a\r\n\tb"), ("X-Latin", "caf\xe9")], "HTTP/1.0"
        )
        w.write_record(
            w.create_warc_record(
                "http://x.test/4", "response", payload=BytesIO(b"gone"), http_headers=odd
            )
        )
        w.write_record(
            w.create_warc_record(
                "https://x.test/5",
                "response",
                payload=BytesIO(b""),
                http_headers=StatusAndHeaders("204 No Content", [], "HTTP/1.1"),
            )
        )
        revisit = w.create_revisit_record(
            "https://x.test/6", "sha1:AAAA", "https://x.test/1", "2026-11-21T03:00:00Z"
        )
        w.write_record(revisit)
        request = w.create_warc_record(
            "https://x.test/1",
            "request",
            payload=BytesIO(b""),
            http_headers=StatusAndHeaders(
                "GET /1 HTTP/1.1", [("Host", "x.test")], is_http_request=True
            ),
        )
        w.write_record(request)
        w.write_record(
            w.create_warc_record(
                "https://x.test/1",
                "metadata",
                payload=BytesIO(b"kind: article\r\n"),
                warc_content_type="application/warc-fields",
            )
        )
    return path


def _warcio(path: Path) -> list[tuple]:
    out = []
    with path.open("rb") as fh:
        records = ArchiveIterator(fh)
        for r in records:
            body = r.content_stream().read()
            http = r.http_headers
            out.append(
                (
                    records.get_record_offset(),
                    records.get_record_length(),
                    r.rec_type,
                    r.rec_headers.headers,
                    None if http is None else (http.protocol, http.statusline, http.headers),
                    body,
                )
            )
    return out


def _ours(path: Path) -> list[tuple]:
    return [
        (
            r.offset,
            r.length,
            r.rec_type,
            r.rec_headers.headers,
            None
            if r.http_headers is None
            else (r.http_headers.protocol, r.http_headers.statusline, r.http_headers.headers),
            r.payload(),
        )
        for r in read_records(path)
    ]


@pytest.mark.parametrize("level", [6, 9])
def test_every_record_reads_as_warcio_reads_it(tmp_path, level):
    path = _mixed_warc(tmp_path / "a.warc.gz", lambda fh: GzipWarcWriter(fh, level=level))
    theirs, ours = _warcio(path), _ours(path)
    assert len(ours) == 9 and ours == theirs
    assert ours[2][5] == PAGE and ours[3][5] == PAGE[:16]  # gzip and chunking undone
    for offset, *_, body in ours:  # an index's offset reads that record alone
        assert record_at(path, offset).payload() == body


def test_a_warc_not_gzipped_per_record_reads_as_warcio_reads_it(tmp_path):
    path = _mixed_warc(tmp_path / "a.warc", lambda fh: WARCWriter(fh, gzip=False))
    assert [r[2:] for r in _ours(path)] == [r[2:] for r in _warcio(path)]


def test_damage_is_named_by_its_offset_after_the_records_before_it(tmp_path):
    path = _mixed_warc(tmp_path / "a.warc.gz")
    offsets = [r[0] for r in _ours(path)]
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: offsets[4] + 30])  # the fifth member cut short
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(data[: offsets[4] + 20] + b"XXXXXXXX" + data[offsets[4] + 28 :])
    for path in (cut, bad):
        seen = []
        with pytest.raises(
            DamagedWarc, match=f"{path.name}: the gzip member at offset {offsets[4]}"
        ):
            for record in read_records(path):
                seen.append(record.offset)
        assert seen == offsets[:4]
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(gzip.compress(b"not a warc\r\n\r\n"))
    with pytest.raises(
        DamagedWarc, match="garbage.warc.gz: the record at offset 0 has no WARC header"
    ):
        list(read_records(garbage))
