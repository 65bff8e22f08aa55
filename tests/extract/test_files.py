"""extract/files.py: a saved page read from disk, gzip inflated by name or by its first bytes, and at most
the limit read either way (a gzip bomb stops once past it)."""

from __future__ import annotations

import gzip
import os

import pytest

from common.errors import ExtractionError
from extract.files import read_document

PAGE = "<p>خبر</p>".encode()


def test_a_page_plain_or_gzipped_by_name_or_by_content_is_read(tmp_path):
    (tmp_path / "a.html").write_bytes(PAGE)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(PAGE))
    (tmp_path / "c.html").write_bytes(gzip.compress(PAGE))  # gzip without the name saying so
    assert {read_document(tmp_path / n, 1000) for n in ("a.html", "b.html.gz", "c.html")} == {PAGE}


def test_over_the_limit_plain_or_inflated_is_oversized_and_bad_gzip_is_named(tmp_path):
    (tmp_path / "big.html").write_bytes(b"x" * 2000)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(b"\0" * (4 << 20)))
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + os.urandom(64))
    for name, reason in (
        ("big.html", "oversized"),
        ("bomb.gz", "oversized"),
        ("bad.gz", "bad-gzip"),
    ):
        with pytest.raises(ExtractionError) as caught:
            read_document(tmp_path / name, 1000)
        assert caught.value.reason == reason, name
    with pytest.raises(ExtractionError) as caught:
        read_document(tmp_path, 1000)
    assert caught.value.reason == "not-a-file"
