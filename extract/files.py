"""Reading a saved document from disk with every read bounded before it happens.

A path may name a directory, a FIFO (reading it blocks forever), /dev/zero (never ends) or a gzip bomb
(4 GiB from 4 MiB). So the file's type is checked on the open descriptor (opened non-blocking, so a
FIFO cannot hang the open), at most `limit + 1` bytes are ever read, and gzip is inflated as a stream
that stops once past `limit`."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

from common.errors import ExtractionError
from common.files import GZIP_MAGIC, open_regular, read_limited


def read_document(path: Path, limit: int) -> bytes:
    """A saved page, inflated when gzip (by name or by its first bytes), at most `limit` bytes either way."""
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(2)
        f.seek(0)
        if path.suffix != ".gz" and head != GZIP_MAGIC:
            if size > limit:
                raise ExtractionError("oversized", f"{size} bytes is over the {limit} byte limit")
            return read_limited(f, limit, str(path))
        try:
            with gzip.GzipFile(fileobj=f, mode="rb") as inflated:
                return read_limited(inflated, limit, f"{path} inflated")
        except (OSError, EOFError, zlib.error) as exc:
            raise ExtractionError("bad-gzip", f"cannot decompress: {exc}") from None
