"""common/files.py: a path read with every read bounded (a directory, a FIFO, /dev/zero or a file over
the limit is one error naming it), a file written whole or not at all, and where the caches live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.errors import ExtractionError
from common.files import NotARegularFile, atomic_output, cache_dir, open_regular, read_limited


def test_a_regular_file_is_read_and_anything_else_is_named_without_hanging(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>x</p>")
    with open_regular(page) as f:
        assert f.read() == b"<p>x</p>"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # reading it would block forever: the open must not
    for path, kind in ((tmp_path, "a directory"), (fifo, "a FIFO (named pipe)")):
        with pytest.raises(NotARegularFile) as caught:
            open_regular(path)
        assert caught.value.kind == kind and f"{path} is {kind}; give a regular file" in str(
            caught.value
        )
    if Path("/dev/zero").exists():
        with pytest.raises(NotARegularFile, match="is a device"):
            open_regular(Path("/dev/zero"))
    with pytest.raises(FileNotFoundError):
        open_regular(tmp_path / "absent")


def test_at_most_the_limit_is_read_and_more_is_an_oversized_error(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"a" * 100)
    with open_regular(path) as f:
        assert read_limited(f, 100, "big") == b"a" * 100
    with open_regular(path) as f:
        with pytest.raises(ExtractionError) as caught:
            read_limited(f, 99, "the page")
    assert caught.value.reason == "oversized" and "the page is over the 99 byte limit" in str(
        caught.value
    )


def test_an_output_appears_whole_or_not_at_all(tmp_path):
    out = tmp_path / "export.csv"
    with atomic_output(out) as partial:
        partial.write_text("a,b\n")
        assert not out.exists()
    assert out.read_text() == "a,b\n" and list(tmp_path.iterdir()) == [out]
    with pytest.raises(OSError):
        with atomic_output(out) as partial:
            partial.write_text("half")
            raise OSError(28, "No space left on device")
    assert out.read_text() == "a,b\n" and list(tmp_path.iterdir()) == [out]


def test_caches_live_under_an_absolute_xdg_cache_home_else_the_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("search") == tmp_path / "xdg" / "newsarchive" / "search"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the XDG spec: ignored
    assert cache_dir("cdxj", "x") == tmp_path / "home" / ".cache" / "newsarchive" / "cdxj" / "x"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == tmp_path / "home" / ".cache" / "newsarchive"
