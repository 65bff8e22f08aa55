"""The type check CI runs (CI runs `make test`): mypy over the packages as `make lint` runs it, strict on
the packages [tool.mypy]'s override names in pyproject.toml."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # a mypy process: seconds with a warm cache, more without


def test_mypy_finds_nothing():
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in r.stdout.splitlines() if ": error:" in line]
    assert r.returncode == 0 and not errors, "\n".join(
        errors or [r.stdout[-3000:], r.stderr[-3000:]]
    )
