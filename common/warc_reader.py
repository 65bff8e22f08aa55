"""The one WARC record reader: every reader of our WARCs (the extract stage, re-extraction, verify,
revisit digests, the CDXJ fallback) iterates records through `iter_records` or reads one with
`record_at`.

Our WARCs are a series of gzip members, one record each (common/warc_writer.py). Each member is
inflated whole with ISA-L (`isal`: about twice zlib's inflate), so a record's offset and length
are its member's, as a CDXJ line names them. A plain head (UTF-8, CRLF lines of `name: value`) is
parsed in one pass into what warcio's parser makes of it; any other (folded lines, a bare LF, Latin-1)
by warcio's parser itself; a payload's Content-Encoding and chunking are undone by warcio's readers, exactly as warcio's
`ArchiveIterator` and `content_stream()` do: only the inflate and the buffering are ours. A file that is
not gzipped (another tool's) is read by warcio's own iterator.

A member that does not inflate, ends before its end, inflates past MAX_MEMBER or holds no WARC record
raises DamagedWarc (a ValueError) naming the file's offset: the records before it were read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from isal import isal_zlib
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.statusandheaders import (
    StatusAndHeaders,
    StatusAndHeadersParser,
    StatusAndHeadersParserException,
)

from common.errors import NewsArchiveError

CHUNK = 1 << 20
MAX_MEMBER = 64 << 20  # a page is at most 16 MiB (DOWNLOAD_MAXSIZE); a bigger member is damage
HTTP_RECORDS = ("response", "request", "revisit")
INFLATE_ERROR: type[Exception] = isal_zlib.error  # type: ignore[assignment]  # its stub: an instance
_WARC_PARSER = StatusAndHeadersParser(["WARC/1.1", "WARC/1.0", "WARC/0.17", "WARC/0.18"])
_HTTP_PARSER = StatusAndHeadersParser(["HTTP/1.0", "HTTP/1.1"], verify=False)
_REQUEST_PARSER = StatusAndHeadersParser(
    ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "CONNECT", "PATCH"], verify=False
)


class DamagedWarc(NewsArchiveError, ValueError):
    """A WARC that cannot be read from `offset` on (the records before it were read). One of our errors:
    wherever it reaches an edge it is one line naming the file and the offset, never a traceback;
    reading the same bytes again gives the same answer, so a retry cannot mend it."""

    reason = "damaged_warc"
    retryable = False

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True)
class WarcRecord:
    """One record as stored: its member's offset and length, its headers, its block after the HTTP head."""

    offset: int
    length: int  # the gzip member's bytes (0: a record of a file that is not gzipped per record)
    rec_type: str
    rec_headers: Any  # warcio StatusAndHeaders (untyped)
    http_headers: Any  # warcio StatusAndHeaders, or None (no HTTP head)
    block: bytes  # the record's block after its HTTP head, as stored

    def header(self, name: str) -> str | None:
        value = self.rec_headers.get_header(name)
        return None if value is None else str(value)

    def payload(self) -> bytes:
        """The HTTP payload with its Content-Encoding and chunking undone (warcio's content_stream)."""
        http = self.http_headers
        if http is None:
            return self.block
        encoding = http.get_header("content-encoding")
        if encoding:
            encoding = encoding.lower()
            if encoding not in BufferedReader.get_supported_decompressors():
                encoding = None
        if http.get_header("transfer-encoding") == "chunked":
            return bytes(ChunkedDataReader(io.BytesIO(self.block), decomp_type=encoding).read())
        if encoding:
            return bytes(BufferedReader(io.BytesIO(self.block), decomp_type=encoding).read())
        return self.block


def iter_records(fh: BinaryIO, name: str = "WARC") -> Iterator[WarcRecord]:
    """Every record of the WARC open in `fh` (from its current position), in file order."""
    start = fh.tell()
    buf = fh.read(CHUNK)
    if not buf.startswith(b"\x1f\x8b"):
        fh.seek(start)
        yield from _warcio_records(fh, start)
        return
    view, pos, offset = memoryview(buf), 0, start  # offset: the file's, of view[pos]
    feed = 1 << 12  # input given to the inflater at a time: about twice the last member's size
    while pos < len(view) or (more := fh.read(CHUNK)):
        if pos >= len(view):
            view, pos = memoryview(more), 0
        inflater = isal_zlib.decompressobj(isal_zlib.MAX_WBITS | 16)
        parts: list[bytes] = []
        size = fed = 0
        try:
            while True:
                data = view[pos : pos + feed]
                if not data:  # the buffer is used up: read on (the member continues)
                    more = fh.read(CHUNK)
                    if not more:
                        raise DamagedWarc(
                            f"{name}: the gzip member at offset {offset} is truncated", offset
                        )
                    view, pos = memoryview(more), 0
                    continue
                part = inflater.decompress(data, MAX_MEMBER + 1 - size)
                parts.append(part)
                size += len(part)
                fed += len(data)
                pos += len(data)
                if size > MAX_MEMBER:
                    raise DamagedWarc(
                        f"{name}: the gzip member at offset {offset} inflates past "
                        f"{MAX_MEMBER >> 20} MiB",
                        offset,
                    )
                if inflater.eof:
                    break
        except INFLATE_ERROR as exc:
            raise DamagedWarc(
                f"{name}: the gzip member at offset {offset} is damaged ({exc})", offset
            ) from None
        left = len(inflater.unused_data)
        pos -= left  # the next member starts in the input given past this one's end
        length = fed - left
        feed = min(max(1 << 12, 2 * length), CHUNK)
        yield from parse_member(b"".join(parts), offset, length, name)
        offset += length


def parse_member(data: bytes, offset: int, length: int, name: str) -> Iterator[WarcRecord]:
    """The records of one inflated gzip member (a checker that inflates members itself reads them so)."""
    pos = 0
    while pos < len(data):
        if pos and not data[pos:].strip():
            return  # trailing blank lines after the member's last record
        record, pos = _parse_record(data, pos, offset, length if pos == 0 else 0, name)
        yield record


def _head(data: bytes, pos: int, end: int, parser: Any) -> tuple[Any, int]:
    """Headers parsed from data[pos:] up to their blank line (not past `end`); where they end."""
    stop = data.find(b"\r\n\r\n", pos, end)
    if stop < 0:  # no blank line: warcio's parser reads what there is
        return parser.parse(io.BytesIO(data[pos:end])), end
    stop += 4
    head = data[pos:stop]
    return _fast_head(head, parser) or parser.parse(io.BytesIO(head)), stop


def _fast_head(head: bytes, parser: Any) -> StatusAndHeaders | None:
    """warcio's parse of a plain head (UTF-8, CRLF lines, each `name: value`), in one pass; None for
    anything else (continuation lines, bare LF, a line without a colon): warcio's parser reads those."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    first, *lines = text[:-4].split("\r\n")
    statusline = first.rstrip()
    if not statusline:
        return None
    if parser.verify:
        protocol_status = parser.split_prefix(statusline, parser.statuslist)
        if not protocol_status:
            return None  # warcio's parser raises its error
    else:
        protocol_status = statusline.split(" ", 1)
    if text.count("\n") != text.count("\r\n") or "\r\n " in text or "\r\n\t" in text:
        return None  # a bare LF, a continuation line: warcio's parser reads those
    headers = []
    for line in lines:
        name, sep, value = line.rstrip().partition(":")
        if not sep:
            return None  # (also a line of whitespace only, where warcio's headers end)
        headers.append((name.rstrip(" \t"), value.lstrip()))
    parsed = StatusAndHeaders.__new__(StatusAndHeaders)  # its __init__ would convert str to str
    parsed.statusline = protocol_status[1].strip() if len(protocol_status) > 1 else ""
    parsed.headers, parsed.protocol = headers, protocol_status[0]
    parsed.total_len, parsed.headers_buff = len(text), None
    return parsed


def _parse_record(
    data: bytes, pos: int, offset: int, length: int, name: str
) -> tuple[WarcRecord, int]:
    """The record at data[pos:] and where the next one starts."""
    try:
        headers, start = _head(data, pos, len(data), _WARC_PARSER)
    except (StatusAndHeadersParserException, EOFError, ValueError) as exc:
        raise DamagedWarc(
            f"{name}: the record at offset {offset} has no WARC header ({exc})", offset
        ) from None
    rec_type = headers.get_header("WARC-Type") or ""
    try:
        size = max(0, int(headers.get_header("Content-Length") or ""))
    except ValueError:
        size = 0
    stop = min(start + size, len(data))
    end = stop
    while end < len(data) and end < stop + 4 and data[end] in b"\r\n":
        end += 1  # the record's closing CRLF CRLF
    try:
        http_headers, body_start = _http(rec_type, headers, data, start, stop)
    except (StatusAndHeadersParserException, EOFError, ValueError) as exc:
        raise DamagedWarc(
            f"{name}: the record at offset {offset} has no readable HTTP head ({exc})", offset
        ) from None
    block = data if body_start == 0 and stop == len(data) else data[body_start:stop]
    return WarcRecord(offset, length, rec_type, headers, http_headers, block), end


def _http(rec_type: str, headers: Any, data: bytes, start: int, stop: int) -> tuple[Any, int]:
    """(HTTP headers, where the payload starts), as warcio's loader parses them; (None, start) without."""
    uri = headers.get_header("WARC-Target-URI") or ""
    if stop <= start or rec_type not in HTTP_RECORDS or not uri.startswith(("http:", "https:")):
        return None, start
    parser = _REQUEST_PARSER if rec_type == "request" else _HTTP_PARSER
    try:
        http, body = _head(data, start, stop, parser)
    except EOFError:
        if rec_type == "revisit":
            return None, stop  # a revisit without HTTP headers
        raise
    return http, body


def _warcio_records(fh: BinaryIO, start: int) -> Iterator[WarcRecord]:
    """A WARC that is not gzipped per record: warcio's iterator, each record read whole."""
    from warcio.archiveiterator import ArchiveIterator

    records = ArchiveIterator(fh)
    for record in records:
        block = record.raw_stream.read()
        offset = start + records.get_record_offset()
        yield WarcRecord(offset, 0, record.rec_type, record.rec_headers, record.http_headers, block)


def read_records(path: Path) -> Iterator[WarcRecord]:
    """Every record of the WARC at `path`, named by its file name in errors."""
    with path.open("rb") as fh:
        yield from iter_records(fh, path.name)


def record_at(path: Path, offset: int) -> WarcRecord:
    """The record at `offset` of the WARC at `path` (an offset an index gave)."""
    with path.open("rb") as fh:
        fh.seek(offset)
        for record in iter_records(fh, path.name):
            return record
    raise DamagedWarc(f"{path.name}: no record at offset {offset}", offset)
