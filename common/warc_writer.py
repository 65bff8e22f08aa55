"""The one WARC writer: warcio's WARC/1.1 records, each record its own gzip member (so a record can be
read, copied or appended alone: CDXJ offsets, WACZ, `archive/warc_check.py`), deflated at level 6 by
zlib-ng in one call per record (warcio's writer hands zlib each header line and 16 KiB piece). A
payload that is compressed already (a `Content-Encoding`, an image, a font) is stored in the member
(deflate's uncompressed blocks) after its deflated heads: deflating it again saved 0.01% of its bytes
for 25x the CPU of storing it.

warcio's own writer compresses at level 9 with zlib, which on HTML costs about three times the CPU of
zlib-ng's level 6 for a file about 1% smaller (`bench/bench_warc.py` prints both); every reader of
gzipped WARCs (warcio, FastWARC, pywb, `wacz validate`) reads either: the output is gzip, whatever
deflate implementation and level made it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, BinaryIO

from warcio.warcwriter import WARCWriter
from zlib_ng import zlib_ng

LEVEL = 6
OnRecord = Callable[[Any, int, int], None]  # (the warcio record written, its offset, its length)


# one gzip member's header (RFC 1952: deflate, no name, no time, unknown OS), as zlib writes it
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# payloads deflate cannot shrink: a Content-Encoding already applied, or a compressed format
_COMPRESSED_TYPES = (
    "image/",
    "font/woff",
    "video/",
    "audio/",
    "application/zip",
    "application/gzip",
)


def compressed_payload(http_headers: Any) -> bool:
    """Whether a record's HTTP payload is compressed already (Content-Encoding, or a compressed type:
    JPEG, PNG, WebP, WOFF, ...), so deflating it again only costs CPU."""
    if http_headers is None:
        return False
    if (http_headers.get_header("Content-Encoding") or "identity").strip().lower() != "identity":
        return True
    ctype = (http_headers.get_header("Content-Type") or "").strip().lower()
    return ctype.startswith(_COMPRESSED_TYPES) and not ctype.startswith("image/svg")


class _Member:
    """One gzip member around one record: warcio writes the record's pieces into it (its WARC head, its
    HTTP head, its payload, the closing CRLF CRLF), then flushes it, which deflates them and writes the
    member. With `stored_after` = n, the first n pieces (the heads) are deflated at `level` and the rest
    stored (deflate's uncompressed blocks): one valid gzip member either way."""

    def __init__(self, out: BinaryIO, level: int, stored_after: int | None = None):
        self.out, self.level, self.stored_after = out, level, stored_after
        self.parts: list[bytes] = []
        self.written = 0  # the member's bytes, once flushed

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def flush(self) -> None:
        if self.stored_after is None:
            compressor = zlib_ng.compressobj(self.level, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS + 16)
            member = compressor.compress(b"".join(self.parts)) + compressor.flush()
        else:
            head, rest = self.parts[: self.stored_after], self.parts[self.stored_after :]
            heads = zlib_ng.compressobj(self.level, zlib_ng.DEFLATED, -zlib_ng.MAX_WBITS)
            stored = zlib_ng.compressobj(0, zlib_ng.DEFLATED, -zlib_ng.MAX_WBITS)
            data = b"".join(head)
            crc = zlib_ng.crc32(data)
            pieces = [_GZIP_HEADER, heads.compress(data), heads.flush(zlib_ng.Z_SYNC_FLUSH)]
            size = len(data)
            for part in rest:
                crc = zlib_ng.crc32(part, crc)
                size += len(part)
                pieces.append(stored.compress(part))
            pieces += [stored.flush(), struct.pack("<II", crc, size & 0xFFFFFFFF)]
            member = b"".join(pieces)
        self.out.write(member)
        self.parts = []
        self.written += len(member)


class GzipWarcWriter(WARCWriter):  # type: ignore[misc]  # warcio is untyped
    """warcio's WARCWriter (WARC/1.1 by default), each record a gzip member at `level`. With `on_record`,
    each record written is handed on with its member's offset and length (the crawl's CDXJ lines), the
    offset counted from `out`'s position when the writer was made."""

    def __init__(
        self,
        out: BinaryIO,
        level: int = LEVEL,
        warc_version: str = "1.1",
        on_record: OnRecord | None = None,
        **kwargs: Any,
    ):
        super().__init__(out, gzip=False, warc_version=warc_version, **kwargs)
        self.level = level
        self.on_record = on_record
        self.offset = out.tell() if on_record is not None else 0

    def _write_warc_record(self, out: BinaryIO, record: Any) -> None:
        # warcio writes the WARC head, the HTTP head, then the payload: a compressed payload is stored
        http = record.http_headers
        stored_after = 2 if record.rec_type != "revisit" and compressed_payload(http) else None
        member = _Member(out, self.level, stored_after)
        super()._write_warc_record(member, record)
        if self.on_record is not None:
            self.on_record(record, self.offset, member.written)
        self.offset += member.written
