"""A resource that ran out (disk space, a file size or quota limit, memory), as one error of ours.

The kernel says ENOSPC, EDQUOT or EFBIG (RLIMIT_FSIZE) on a write, ENOMEM or a MemoryError when memory
runs out; whatever library wrote (Python, pyarrow, zlib, tantivy), the error is an OSError with that
errno or a MemoryError. `exhausted` turns it into ResourceExhausted: one line that names the resource
and the path (the file written when the error says, else the first candidate directory whose
filesystem is full), what to do, and a `reason` (`disk_full`, `memory`). The edges (newsarchive/errors.py)
apply it to whatever reaches them; a writer that knows its path (archive/store.py) applies it itself.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from common.errors import NewsArchiveError

DISK = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "a file reached the size limit (RLIMIT_FSIZE or the filesystem's)",
}
_ERRNO_IN_TEXT = re.compile(r"\[errno (\d+)\]", re.IGNORECASE)  # pyarrow's "Detail: [errno 28] ..."
NEARLY_FULL = 1 << 20  # bytes free: a filesystem with less than this is the one that ran out


class ResourceExhausted(NewsArchiveError):
    """Disk space or memory ran out; retryable: the same step succeeds once there is room."""

    reason = "resource"


class DiskFull(ResourceExhausted):
    reason = "disk_full"


class OutOfMemory(ResourceExhausted):
    reason = "memory"


def disk_errno(exc: BaseException) -> int | None:
    """The ENOSPC / EDQUOT / EFBIG an OSError carries (in its errno or, from pyarrow, its text)."""
    if not isinstance(exc, OSError):
        return None
    if exc.errno in DISK:
        return exc.errno
    match = _ERRNO_IN_TEXT.search(str(exc))
    code = int(match.group(1)) if match else None
    return code if code in DISK else None


def _full_one(candidates: Iterable[str | Path | None]) -> str | None:
    """The first candidate whose filesystem is (nearly) full, or the first existing one."""
    existing = []
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate)
        while not path.exists() and path != path.parent:
            path = path.parent
        existing.append(str(Path(candidate)))
        try:
            if shutil.disk_usage(path).free < NEARLY_FULL:
                return str(Path(candidate))
        except OSError:
            continue
    return existing[0] if existing else None


def exhausted(
    exc: BaseException, candidates: Iterable[str | Path | None] = ()
) -> ResourceExhausted | None:
    """ResourceExhausted for a disk or memory that ran out (None for any other error). `candidates`:
    the paths the failed work wrote to, most likely first (the temp directory is always considered)."""
    if isinstance(exc, ResourceExhausted):
        return exc
    if isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM):
        return OutOfMemory(
            f"out of memory (the process's limit or the machine's: {memory_limit()}); give it more "
            "memory or work on less at once (a shorter date range, fewer workers)"
        )
    code = disk_errno(exc)
    if code is None:
        return None
    named = [getattr(exc, "filename", None), getattr(exc, "filename2", None), *candidates]
    where = _full_one([*named, tempfile.gettempdir()])
    return DiskFull(
        f"disk full: {DISK[code]} writing {where or 'a file'}; free space there (or point TMPDIR, "
        "--archive or --out elsewhere) and run the command again: nothing half-written is kept"
    )


_DISK_WORDS = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "File too large": errno.EFBIG,
}


def full_filesystem(path: str | Path, log: str = "") -> DiskFull | None:
    """DiskFull naming `path` if a child process that wrote there ran out of room: its log says so, or
    the filesystem has (nearly) none left (under 1 MiB, or a twentieth of a small one)."""
    said = [code for words, code in _DISK_WORDS.items() if words in log]
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    if not said and usage.free >= min(NEARLY_FULL, usage.total // 20):
        return None
    what = DISK[said[0]] if said else f"{usage.free:,} bytes left"
    return DiskFull(
        f"disk full: {what} writing {path}; free space there (or point TMPDIR elsewhere) and run "
        "the command again: nothing half-written is kept"
    )


def memory_limit() -> str:
    """The address-space limit of this process, as text."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError):
        return "unknown"
    if soft == resource.RLIM_INFINITY:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"no per-process limit, {pages >> 20} MiB of RAM"
    return f"RLIMIT_AS {soft >> 20} MiB"
