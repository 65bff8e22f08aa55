"""Reading a file from disk with every read bounded before it happens; writing one whole or not at all.

A path may name a directory, a FIFO (reading it blocks forever), /dev/zero (never ends) or a gzip bomb
(4 GiB from 4 MiB). So the file's type is checked on the open descriptor (opened non-blocking, so a
FIFO cannot hang the open), at most `limit + 1` bytes are ever read, and gzip is inflated as a stream
that stops once past `limit`."""

from __future__ import annotations

import gzip
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from common.errors import ExtractionError

GZIP_MAGIC = b"\x1f\x8b"


class NotARegularFile(ExtractionError):
    def __init__(self, path: Path, kind: str):
        super().__init__("not-a-file", f"{path} is {kind}; give a regular file")
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a path that is not a regular file is, for a one-line error (the one wording of it)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path) -> BinaryIO:
    """The file open for reading, or ExtractionError `not-a-file` (OSError when it cannot be opened)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(path, file_kind(mode))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_limited(stream: BinaryIO | gzip.GzipFile, limit: int, what: str) -> bytes:
    """At most `limit` bytes of `stream`; ExtractionError `oversized` if there are more."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ExtractionError("oversized", f"{what} is over the {limit} byte limit")
    return data


def cache_dir(*parts: str) -> Path:
    """The one place newsarchive's per-user caches live: $XDG_CACHE_HOME/newsarchive/<parts> (an
    absolute XDG_CACHE_HOME only, as the XDG spec says), else ~/.cache/newsarchive/<parts>. The search
    segments (NEWSARCHIVE_SEARCH_CACHE may move them), the CDXJ indexes and langdetect's table."""
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".cache"
    return base.joinpath("newsarchive", *parts)


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to: renamed onto `path` when the block ends, removed when
    it fails (a full disk, an error, Ctrl-C), so the file appears whole or not at all."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
