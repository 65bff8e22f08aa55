"""The one WARC writer: warcio's WARC/1.1 records, each record its own gzip member (so a record can be
read, copied or appended alone: CDXJ offsets, WACZ, `archive/warc_check.py`), deflated at level 6 by
zlib-ng in one call per record (warcio's writer hands zlib each header line and 16 KiB piece).

warcio's own writer compresses at level 9 with zlib, which on HTML costs about three times the CPU of
zlib-ng's level 6 for a file about 1% smaller (`bench/bench_warc.py` prints both); every reader of
gzipped WARCs (warcio, FastWARC, pywb, `wacz validate`) reads either: the output is gzip, whatever
deflate implementation and level made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from warcio.warcwriter import WARCWriter
from zlib_ng import zlib_ng

LEVEL = 6
OnRecord = Callable[[Any, int, int], None]  # (the warcio record written, its offset, its length)


class _Member:
    """One gzip member around one record: warcio writes the record's pieces into it, then flushes it,
    which deflates them in one call and writes the member."""

    def __init__(self, out: BinaryIO, level: int):
        self.out, self.level = out, level
        self.parts: list[bytes] = []
        self.written = 0  # the member's bytes, once flushed

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def flush(self) -> None:
        compressor = zlib_ng.compressobj(self.level, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS + 16)
        member = compressor.compress(b"".join(self.parts)) + compressor.flush()
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
        member = _Member(out, self.level)
        super()._write_warc_record(member, record)
        if self.on_record is not None:
            self.on_record(record, self.offset, member.written)
        self.offset += member.written
