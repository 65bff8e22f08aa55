"""The one WARC writer: warcio's WARC/1.1 records, each record its own gzip member (so a record can be
read, copied or appended alone: CDXJ offsets, WACZ, `archive/warc_check.py`), compressed at zlib level 6.

warcio's own writer compresses at level 9, which on HTML costs about three times the CPU of level 6
for a file a few percent smaller (`bench/bench_warc.py` prints both); every reader of gzipped WARCs
(warcio, FastWARC, pywb, `wacz validate`) reads either, since the level is not part of the format.
"""

from __future__ import annotations

import zlib
from typing import Any, BinaryIO

from warcio.warcwriter import WARCWriter

LEVEL = 6


class _Member:
    """One gzip member around one record: warcio writes the record into it, then flushes it."""

    def __init__(self, out: BinaryIO, level: int):
        self.out = out
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.flush()


class GzipWarcWriter(WARCWriter):  # type: ignore[misc]  # warcio is untyped
    """warcio's WARCWriter (WARC/1.1 by default), each record a gzip member at `level`."""

    def __init__(self, out: BinaryIO, level: int = LEVEL, warc_version: str = "1.1", **kwargs: Any):
        super().__init__(out, gzip=False, warc_version=warc_version, **kwargs)
        self.level = level

    def _write_warc_record(self, out: BinaryIO, record: Any) -> None:
        super()._write_warc_record(_Member(out, self.level), record)
