"""The one WARC writer: warcio's WARC/1.1 records, each record its own gzip member (so a record can be
read, copied or appended alone: CDXJ offsets, WACZ, `archive/warc_check.py`), deflated at level 6 by
libdeflate in one call per record (warcio's writer hands zlib each header line and 16 KiB piece).
libdeflate compresses a whole buffer at once, which is what a member is: at level 6 it is faster than
zlib-ng's level 6 and its files are smaller, about the size of warcio's own level-9 files
(`bench/bench_warc.py` prints both). A payload that is compressed already (a `Content-Encoding`, an
image, a font) is stored in the member (deflate's uncompressed blocks) after its heads, which zlib-ng
deflates (a member made in parts): deflating such a payload again saved 0.01% of its bytes for 25x the
CPU of storing it. Every reader of gzipped WARCs (warcio, FastWARC, pywb, `wacz validate`) reads
either: the output is gzip, whatever deflate implementation and level made it.

The records stay warcio's (its record objects, its headers in its order, its bytes), but a record of
known length whose payload is in memory (every record the crawl makes) is digested and written by
`GzipWarcWriter` itself: one SHA-1 call per digest instead of 16 KiB reads through warcio's digesters,
no header-by-header searches, base32 two characters at a time. On the replica's 6 KB pages that work,
not deflate, was most of a record's cost. tests/common/test_warc_writer.py holds every kind of record
to the bytes warcio's own writer writes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Callable
from io import BytesIO
from typing import Any, BinaryIO

from deflate import gzip_compress
from warcio.statusandheaders import StatusAndHeaders
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


_BASE32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = [bytes((_BASE32[i >> 5], _BASE32[i & 31])).decode("ascii") for i in range(1024)]


def base32(digest: bytes) -> str:
    """base64.b32encode(digest) as text: for a SHA-1 digest (20 bytes, 32 characters, no padding) two
    characters at a time from its 160 bits (half the cost of base64's loop over 5-byte chunks),
    base64's own for any other length."""
    if type(digest) is not bytes or len(digest) != 20:
        return base64.b32encode(digest).decode("ascii")
    bits = int.from_bytes(digest, "big")
    pairs = _BASE32_PAIRS
    return "".join([pairs[(bits >> shift) & 1023] for shift in range(150, -1, -10)])


def sha1_digest(*parts: bytes) -> str:
    """A WARC digest as warcio writes it: "sha1:" and the base32 of the SHA-1 of the parts."""
    sha1 = hashlib.sha1(parts[0])
    for part in parts[1:]:
        sha1.update(part)
    return "sha1:" + base32(sha1.digest())


def warc_record_id() -> str:
    """A new WARC-Record-ID as warcio makes it ("<urn:uuid:" a random UUID version 4 ">"): the same 122
    random bits and the same text as uuid.uuid4(), without building the UUID object."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = raw.hex()
    return f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"


def compressed_payload(http_headers: Any) -> bool:
    """Whether a record's HTTP payload is compressed already (Content-Encoding, or a compressed type:
    JPEG, PNG, WebP, WOFF, ...), so deflating it again only costs CPU."""
    if http_headers is None:
        return False
    given = _first_values(http_headers)
    if (given.get("content-encoding") or "identity").strip().lower() != "identity":
        return True
    ctype = (given.get("content-type") or "").strip().lower()
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
            member: bytes | bytearray = gzip_compress(b"".join(self.parts), self.level)
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

    @classmethod
    def _make_warc_id(cls) -> str:
        return warc_record_id()

    def _init_warc_headers(
        self, uri: str, record_type: str, warc_headers_dict: dict[str, str]
    ) -> Any:
        """warcio's, without its header-by-header searches: the headers given, then WARC-Type, a new
        WARC-Record-ID, WARC-Target-URI and WARC-Date, each appended unless given (warcio replaces a
        WARC-Type or WARC-Target-URI given in place: that case is left to warcio's own code)."""
        headers = StatusAndHeaders("", list(warc_headers_dict.items()), protocol=self.warc_version)
        given = _first_values(headers)
        if "warc-type" in given or (uri and "warc-target-uri" in given):
            return super()._init_warc_headers(uri, record_type, warc_headers_dict)
        add = headers.headers.append
        add(("WARC-Type", record_type))
        if not given.get("warc-record-id"):
            add(("WARC-Record-ID", self._make_warc_id()))
        if uri:
            add(("WARC-Target-URI", uri))
        if not given.get("warc-date"):
            add(("WARC-Date", self.curr_warc_date()))
        return headers

    def _write_warc_record(self, out: BinaryIO, record: Any) -> None:
        # warcio writes the WARC head, the HTTP head, then the payload: a compressed payload is stored
        http = record.http_headers
        stored_after = 2 if record.rec_type != "revisit" and compressed_payload(http) else None
        member = _Member(out, self.level, stored_after)
        if (
            record.length is not None
            and type(record.raw_stream) is BytesIO
            and type(record.payload_length) is int
            and not hasattr(record, "_orig_stream")
        ):
            self._write_in_memory(member, record)
        else:  # a length not given (warcio buffers the payload to a temporary file), another stream
            super()._write_warc_record(member, record)
        if self.on_record is not None:
            self.on_record(record, self.offset, member.written)
        self.offset += member.written

    def ensure_digest(self, record: Any, block: bool = True, payload: bool = True) -> None:
        """warcio's `ensure_digest` (the record's WARC-Payload-Digest and WARC-Block-Digest added when
        asked for and not given, in that order) for a record of known length whose payload is in
        memory, as every record the crawl makes: each digest one SHA-1 call over the payload, not
        16 KiB reads through warcio's digesters. Any other record: warcio's own."""
        if record.length is None or type(record.raw_stream) is not BytesIO:
            super().ensure_digest(record, block, payload)
            return
        rec, http = record.rec_headers, record.http_headers
        given = _first_values(rec)
        block = block and not given.get("warc-block-digest")
        payload = payload and not (
            given.get("warc-payload-digest") or record.rec_type in self.NO_PAYLOAD_DIGEST_TYPES
        )
        if not (block or payload):
            return
        stream = record.raw_stream
        start = stream.tell()
        data = stream.read()
        stream.seek(start)
        if payload:
            rec.add_header("WARC-Payload-Digest", sha1_digest(data))
        if block:
            if http:
                if not http.headers_buff:
                    http.compute_headers_buffer(self.header_filter)
                rec.add_header("WARC-Block-Digest", sha1_digest(http.headers_buff, data))
            else:
                rec.add_header("WARC-Block-Digest", sha1_digest(data))

    def _write_in_memory(self, out: _Member, record: Any) -> None:
        """warcio's `_write_warc_record` for a record of known length whose payload is in memory: the
        same headers added in the same order, the same bytes written in the same pieces, the stream
        left where warcio leaves it, without its header-by-header searches and 16 KiB reads.
        tests/common/test_warc_writer.py holds every kind of record to warcio's bytes."""
        rec, http = record.rec_headers, record.http_headers
        if http:
            http.compute_headers_buffer(self.header_filter)
        self.ensure_digest(record, block=True, payload=True)
        given = _first_values(rec)
        if record.content_type is not None:
            _replace(rec, given, "Content-Type", record.content_type)
        http_headers_only = record.rec_type == "revisit"  # its payload is not written
        if http and record.payload_length >= 0:
            length = len(http.headers_buff)
            if not http_headers_only:
                length += record.payload_length
            record.length = length
        _replace(rec, given, "Content-Length", str(record.length))
        out.write(_head_bytes(rec))
        if http:
            out.write(http.headers_buff)
        if not http_headers_only and (data := record.raw_stream.read()):
            out.write(data)
        out.write(b"\r\n\r\n")
        out.flush()


def _first_values(headers: Any) -> dict[str, str]:
    """Each header's first value by its lower-case name: what warcio's get_header answers."""
    # warcio reads a header as h[0], h[1]: a longer tuple appended by hand is read the same way
    return {h[0].lower(): h[1] for h in reversed(headers.headers)}


def _replace(headers: Any, given: dict[str, str], name: str, value: str) -> None:
    """headers.replace_header(name, value), `given` being _first_values(headers): a header not given
    is appended without a search."""
    if name.lower() in given:
        headers.replace_header(name, value)
    else:
        headers.headers.append((name, value))


def _head_bytes(headers: Any) -> bytes:
    """headers.to_bytes(encoding="utf-8") (warcio's StatusAndHeaders, no filter): the status line, each
    header as «name: value», CRLF after each, a blank line."""
    first = headers.protocol
    if first and headers.statusline:
        first += " "
    first += headers.statusline or ""
    lines = [first + "\r\n"] if first else []
    lines += [": ".join(h) + "\r\n" for h in headers.headers]
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")
