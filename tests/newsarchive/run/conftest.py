"""Fixtures of the run's tests (tests/newsarchive/run/ and lifecycle/)."""

from __future__ import annotations

import pytest

from newsarchive.config import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    """The settings of a fresh local archive (no replica: the stages' outputs are staged by hand,
    tests/newsarchive/run/staging.py)."""
    return Settings(archive=str(tmp_path / "archive"))
