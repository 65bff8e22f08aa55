"""A session's costly, read-only resource built once for all pytest-xdist workers, not once per worker.

`built_once(factory, name, build)` gives the directory `<session temp>/<name>`, which `build(directory)`
filled: the first worker to ask builds it under an exclusive lock (fcntl) while the others wait on the
lock, then finds it whole. A build that did not finish (a worker killed in it, an error) left no
`.built` marker: the next worker to ask clears the directory and builds it again. Without xdist the
session temp is the session's own. The directory is for reading: a test that changes what is in it
copies it first.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

MARKER = ".built"


def session_temp(factory: pytest.TempPathFactory) -> Path:
    """The temp directory every worker of this session shares (its parent under xdist)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    root = session_temp(factory)
    directory = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        if not (directory / MARKER).exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            build(directory)
            (directory / MARKER).touch()
    return directory
