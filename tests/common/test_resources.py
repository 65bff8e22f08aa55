"""A resource that ran out is one error of ours naming it and the path (common/resources.py), and an output
file appears whole or not at all (common/files.py atomic_output); real errors from the kernel
(/dev/full answers every write with ENOSPC) and from pyarrow."""

from __future__ import annotations

import errno
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from common.files import atomic_output
from common.resources import DiskFull, OutOfMemory, exhausted, full_filesystem

FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not FULL.is_char_device(), reason="no /dev/full on this machine")


def _error_of(write) -> BaseException:
    try:
        write()
    except Exception as exc:  # noqa: BLE001 - the error itself is what is tested
        return exc
    raise AssertionError("the write did not fail")


def test_enospc_from_python_and_from_pyarrow_is_disk_full_naming_the_path(tmp_path):
    def python_write() -> None:
        with FULL.open("wb") as fh:
            fh.write(b"x" * 100_000)

    def arrow_write() -> None:  # through a file object: pyarrow removes a path it failed to write
        with FULL.open("wb", buffering=0) as fh:
            pq.write_table(pa.table({"a": list(range(100_000))}), fh)

    for write in (python_write, arrow_write):
        error = _error_of(write)
        full = exhausted(error, [tmp_path / "out.jsonl"])
        assert isinstance(full, DiskFull) and full.reason == "disk_full" and full.retryable
        assert "no space left on the device" in str(full) and "\n" not in str(full)
    assert exhausted(OSError(errno.EACCES, "Permission denied")) is None
    assert exhausted(ValueError("x")) is None


def test_a_file_size_limit_and_memory_are_named_too():
    assert "size limit" in str(exhausted(OSError(errno.EFBIG, "File too large", "/a/b")))
    assert "/a/b" in str(exhausted(OSError(errno.EFBIG, "File too large", "/a/b")))
    memory = exhausted(MemoryError())
    assert isinstance(memory, OutOfMemory) and memory.reason == "memory"
    assert "out of memory" in str(memory)


def test_a_child_that_ran_out_is_named_from_its_log(tmp_path):
    assert full_filesystem(tmp_path) is None  # room enough
    said = full_filesystem(tmp_path, "OSError: [Errno 28] No space left on device")
    assert isinstance(said, DiskFull) and str(tmp_path) in str(said)


def test_an_output_appears_whole_or_not_at_all(tmp_path):
    out = tmp_path / "x.jsonl"
    with atomic_output(out) as partial:
        partial.write_text("whole\n")
    assert out.read_text() == "whole\n"
    with pytest.raises(OSError), atomic_output(out) as partial:
        partial.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert out.read_text() == "whole\n" and sorted(p.name for p in tmp_path.iterdir()) == [
        "x.jsonl"
    ]
