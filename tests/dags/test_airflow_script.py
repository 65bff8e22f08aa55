"""scripts/airflow.sh's own checks, which need no Airflow running (the runs themselves: test_archive_page.py)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT

SCRIPT = str(ROOT / "scripts" / "airflow.sh")


def _script(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIRFLOW_HOME": str(home)}
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, timeout=60)


def test_backfill_wants_two_dates_and_a_running_airflow(tmp_path):
    bad = _script("backfill", "2026-11-2", "yesterday", home=tmp_path)
    assert bad.returncode == 2 and "usage:" in bad.stderr and "FROM = TO" in bad.stderr
    idle = _script("backfill", "2026-11-22", "2026-11-22", home=tmp_path)
    assert idle.returncode == 1 and "Airflow is not running: make run first" in idle.stderr


def test_stop_without_a_running_airflow_says_so(tmp_path):
    done = _script("stop", home=tmp_path)
    assert done.returncode == 0 and "Airflow is not running" in done.stdout


@pytest.mark.slow  # three `airflow.sh start`, each checking the settings in a Python process
def test_start_refuses_a_bad_crawl_pool_before_starting_anything(tmp_path):
    """The pool is set through the REST API once Airflow answers, so its settings are checked first:
    a bad value is a one-line error, nothing is started and AIRFLOW_HOME is not even created."""
    home = tmp_path / "airflow"
    for env in (
        {"NEWSARCHIVE_CRAWL_SLOTS": "two"},
        {"NEWSARCHIVE_CRAWL_SLOTS": "0"},
        {"NEWSARCHIVE_CRAWL_POOL": 'crawl", "slots": 99'},
    ):
        done = subprocess.run(
            [SCRIPT, "start"],
            env={**os.environ, "AIRFLOW_HOME": str(home), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done
        assert done.stderr.count("\n") == 1 and "NEWSARCHIVE_CRAWL_" in done.stderr
        assert not home.exists()
