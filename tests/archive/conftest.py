"""Fixtures of the archive's tests (the session-wide ones are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.tsa import LocalTSA


@pytest.fixture(scope="module")
def tsa():
    """An RFC 3161 time-stamping authority on loopback (tests/tsa.py), one per test module."""
    with LocalTSA() as server:
        yield server
