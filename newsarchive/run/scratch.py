"""Temp space that never outlives its process.

Every temporary file of a CLI command or an Airflow task goes under one directory of its process,
`$TMPDIR/newsarchive-scratch-<pid>-<start>` (tempfile's default directory is pointed there). It is removed when the
process exits, also on SIGTERM; a process killed outright leaves it behind, and the next process to enter
removes the directories of processes that are gone (the start time tells a reused PID apart)."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from types import FrameType

PREFIX = "newsarchive-scratch-"
_entered: Path | None = None


def start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _gone(match: re.Match[str]) -> bool:
    return start_time(int(match.group(1))) != match.group(2)


def owner_tag() -> str:
    """`<pid>-<start time>` of this process: in a directory's name, it tells a live owner from a gone one."""
    return f"{os.getpid()}-{start_time(os.getpid()) or 0}"


def sweep(root: Path, prefix: str = PREFIX) -> list[Path]:
    """Remove the directories `<prefix><pid>-<start>[-suffix]` of processes that are gone."""
    removed = []
    name = re.compile(re.escape(prefix) + r"(\d+)-(\d+)(-\d+)?")  # nothing else there is touched
    for path in root.glob(prefix + "*"):
        match = name.fullmatch(path.name)
        if match and path.is_dir() and not path.is_symlink() and _gone(match):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def enter() -> Path:
    """Point this process's temp files into its own scratch directory (idempotent)."""
    global _entered
    if _entered is not None:
        return _entered
    root = Path(tempfile.gettempdir())
    sweep(root)
    path = root / f"{PREFIX}{owner_tag()}"
    path.mkdir(exist_ok=True)
    tempfile.tempdir = str(path)
    atexit.register(shutil.rmtree, path, True)
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _exit_on_term)  # so finally blocks and atexit run
    _entered = path
    return path


def _exit_on_term(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)
