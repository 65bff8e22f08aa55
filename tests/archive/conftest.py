"""Fixtures of the archive's tests (the session-wide ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.tsa import LocalTSA


@pytest.fixture(scope="module")
def tsa():
    """An RFC 3161 time-stamping authority on loopback (tests/tsa.py), one per test module."""
    with LocalTSA() as server:
        yield server


@pytest.fixture
def warc(tmp_path):
    """A WARC of orient's articles 1, 2, 4 and 9 (tests/archive/test_snapshot.py `_article`)."""
    from tests.archive.test_snapshot import write_warc

    return write_warc(tmp_path / "orient.warc.gz", [1, 2, 4, 9])
