"""tests/built_once.py: a session resource built once for all workers, and built again after a build
that did not finish."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.built_once import built_once, session_temp
from tests.conftest import ROOT

BUILD_IN_A_PROCESS = """
import sys, time
from pathlib import Path
from tests.built_once import built_once

class Factory:  # what built_once reads of pytest's TempPathFactory
    def getbasetemp(self):
        return Path(sys.argv[1])

def build(directory):
    with open(Path(sys.argv[1]) / "builds.log", "a") as log:
        log.write("built\\n")
    time.sleep(0.5)  # the others ask meanwhile
    (directory / "data").write_text("whole")

print((built_once(Factory(), "shared", build) / "data").read_text())
"""


def test_processes_asking_at_once_get_one_build(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_XDIST_WORKER", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD_IN_A_PROCESS, str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    assert [p.communicate(timeout=60)[0].strip() for p in procs] == ["whole"] * 3
    assert (tmp_path / "builds.log").read_text().splitlines() == ["built"]


def test_a_build_that_failed_is_cleared_and_built_again(tmp_path_factory):
    name = f"t-{uuid.uuid4().hex}"

    def failing(directory):
        (directory / "half").write_text("x")
        raise RuntimeError("killed mid-build")

    with pytest.raises(RuntimeError):
        built_once(tmp_path_factory, name, failing)
    built = built_once(tmp_path_factory, name, lambda d: (d / "whole").write_text("y"))
    assert sorted(p.name for p in built.iterdir()) == [".built", "whole"]
    assert built.parent == session_temp(tmp_path_factory)
    built_once(tmp_path_factory, name, failing)  # built: not built again
