"""`gc` never removes the staging of a run that is alive (issue 24): `gc --older-than 0` while a
`newsarchive run` works leaves its staging (the run then finishes whole, no false "crawl did not finish");
a run killed outright, or an Airflow run whose last heartbeat is older than the lease, is dead and its
staging goes; a run publishing (its claim live) is alive. Every case counts in `edges (gc live runs)`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive import layout
from archive.snapshot import claim_rev, list_snapshots, load_manifest
from archive.store import open_store
from newsarchive.config import Settings
from newsarchive.run.gc import collect
from newsarchive.run.liveness import LEASE, Heartbeat, beating
from newsarchive.run.runs import RunRef
from newsarchive.run.scratch import start_time
from replica.server import ReplicaServer
from tests.conftest import ROOT, RUN_DAY
from tests.report import edge_row

CLASS = "gc live runs"


def _staging(store, run: RunRef) -> None:
    store.put_bytes(run.crawl_report("orient"), b"{}", overwrite=True)


def _gc(archive: Path):
    return collect(Settings(archive=str(archive)), timedelta(0))


def test_a_heartbeat_keeps_a_run_alive_and_a_dead_one_is_collected(tmp_path):
    store = open_store(tmp_path / "archive")
    alive, dead, stale, foreign = (
        RunRef(RUN_DAY, f"run-{n}") for n in ("alive", "dead", "stale", "foreign")
    )
    for run in (alive, dead, stale, foreign):
        _staging(store, run)
    now = datetime.now(UTC)
    beats = {
        dead: Heartbeat("this", 0, "", now.isoformat(), True),  # process-bound, its process gone
        stale: Heartbeat(
            "elsewhere", 1, "1", (now - LEASE - timedelta(minutes=1)).isoformat(), False
        ),
        foreign: Heartbeat(
            "elsewhere", 1, "1", now.isoformat(), False
        ),  # another host, beating now
    }
    import socket

    for run, beat in beats.items():
        host = socket.gethostname() if beat.host == "this" else beat.host
        pid = 2**31 - 2 if beat.pid == 0 else beat.pid
        beat = Heartbeat(host, pid, "0", beat.beat_at, beat.process_bound)
        store.put_bytes(layout.heartbeat_key(run.staging), beat.to_bytes(), overwrite=True)
    with beating(store, alive, process_bound=True):
        result = _gc(tmp_path / "archive")
    kept = {p.split(":")[0] for p in result.live_runs}
    expected_kept = {alive.staging, foreign.staging}
    held = kept == expected_kept and set(result.removed_staging) == {dead.staging, stale.staging}
    edge_row(CLASS, held=held, lost=len(expected_kept - kept))
    assert held, result


def test_a_run_publishing_is_alive(tmp_path):
    store = open_store(tmp_path / "archive")
    run = RunRef(RUN_DAY, "publishing")
    _staging(store, run)
    claim_rev(store, RUN_DAY, run.run_id)  # this process claimed a rev: its publisher is alive
    result = _gc(tmp_path / "archive")
    held = [p.split(":")[0] for p in result.live_runs] == [run.staging] and not result.removed_revs
    edge_row(CLASS, held=held, lost=0 if held else 1)
    assert held, result


def test_a_damaged_heartbeat_costs_only_itself(tmp_path):
    store = open_store(tmp_path / "archive")
    run = RunRef(RUN_DAY, "damaged")
    _staging(store, run)
    store.put_bytes(layout.heartbeat_key(run.staging), b'{"pid": "x"}', overwrite=True)
    result = _gc(tmp_path / "archive")  # judged by its age alone: removed with --older-than 0
    held = result.removed_staging == [run.staging]
    edge_row(CLASS, held=held)
    assert held, result


def _cli(site, archive, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "newsarchive.cli.main", *args, "--archive", str(archive)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "NEWSARCHIVE_HOST_MAP": json.dumps(site.host_map),
            "NEWSARCHIVE_EXTRACT_TIMEOUT_S": "6",
        },
    )


def _wait_for_staging(archive: Path, run: subprocess.Popen) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        warcs = list(archive.glob("staging/date=*/run=*/crawl/*.warc.gz"))
        if warcs:
            return warcs[0].parents[1]
        time.sleep(0.2)
    raise AssertionError(f"no staging appeared: {run.communicate()}")


@pytest.mark.slow  # a pipeline run in a CLI subprocess, gc beside it
def test_gc_older_than_0_beside_a_live_run_and_after_a_killed_one(tmp_path):
    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=4) as site:
        anapress = site.replica.sites["www.anapress.net"]
        site.replica.faults.set(  # extraction then takes the 6 s time limit: gc runs meanwhile
            "anapress", "slow_extract", [urlsplit(anapress.url(anapress.articles[0])).path]
        )
        run = _cli(site, archive, "run", "--date", RUN_DAY.isoformat(), "--outlet", "anapress")
        staging = _wait_for_staging(archive, run)
        gc = subprocess.run(
            [sys.executable, "-m", "newsarchive.cli.main", "gc", "--older-than", "0"]
            + ["--archive", str(archive)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        out, err = run.communicate(timeout=300)
        store = open_store(archive)
        anapress_counts = load_manifest(store, list_snapshots(store)[-1]).outlets["anapress"]
        held = (
            gc.returncode == 0
            and "live run left alone: staging/" in gc.stdout
            and "removed staging" not in gc.stdout
            and run.returncode == 0
            and anapress_counts.status == "ok"
            and anapress_counts.archived == 3  # the slow page timed out, the others are archived
            and not staging.exists()
        )
        edge_row(
            CLASS,
            held=held,
            traceback="Traceback" in gc.stderr + err,
            lost=3 - anapress_counts.archived,
        )
        assert held, (gc, out, err)

        killed = _cli(
            site,
            archive,
            "run",
            "--date",
            (RUN_DAY + timedelta(days=1)).isoformat(),
            "--outlet",
            "anapress",
        )
        staging = _wait_for_staging(archive, killed)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        assert start_time(killed.pid) is None
        result = _gc(archive)
        held = any(
            p.startswith(staging.relative_to(archive).as_posix()) for p in result.removed_staging
        )
        edge_row(CLASS, held=held and not result.live_runs)
        assert held and not result.live_runs, result
