"""A damaged object costs only what depends on it (issue 24), through the CLI as an operator meets it: a
crawl state whose `seen` is a list or a number, or whose gzip stream is corrupt; a manifest deleted
while its `_SUCCESS` stays. Runs go on for the other outlets and days (their states committed, no staging
left), `gc` finishes, and `snapshots list/show/verify` and `export` name the damaged rev and serve the
rest. Every case counts in `edges (damaged objects)`; `lost` counts archived articles a reader no longer
serves that did not depend on the damaged object."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta

import pytest

from archive import layout
from archive.snapshot import list_snapshots, load_manifest
from archive.store import open_store
from newsarchive.config import Settings
from newsarchive.run.pipeline import run_pipeline
from replica.server import ReplicaServer
from spiders.state import load_crawl_state
from tests.conftest import ROOT, RUN_DAY
from tests.report import edge_row

pytestmark = pytest.mark.slow  # pipeline runs and CLI subprocesses

DAY2 = RUN_DAY + timedelta(days=1)
OUTLETS = ["anapress", "orient"]
PER_OUTLET = 5
CLASS = "damaged objects"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    with ReplicaServer(per_outlet=PER_OUTLET) as site:
        archive = tmp_path_factory.mktemp("published") / "archive"
        run_pipeline(Settings(archive=str(archive), host_map=site.host_map), RUN_DAY, OUTLETS)
        yield archive, site


@pytest.fixture
def copy(published, tmp_path):
    archive, site = published
    target = tmp_path / "archive"
    shutil.copytree(archive, target)
    return target, site


def _cli(archive, site, *args):
    env = {**os.environ, "NEWSARCHIVE_HOST_MAP": json.dumps(site.host_map)}
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli.main", *args, "--archive", str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    return result.returncode, result.stdout, result.stderr


def _state(data: dict) -> bytes:
    return gzip.compress(json.dumps(data).encode())


def _seen_list(blob: bytes) -> bytes:
    data = json.loads(gzip.decompress(blob))
    return _state({**data, "seen": list(data["seen"])})


def _seen_number(blob: bytes) -> bytes:
    return _state({**json.loads(gzip.decompress(blob)), "seen": 12})


def _corrupt_stream(blob: bytes) -> bytes:
    damaged = bytearray(blob)
    damaged[len(damaged) // 2] ^= 0x55  # zlib: invalid distance too far back, or a bad CRC
    return bytes(damaged)


@pytest.mark.parametrize(
    "damage", [_seen_list, _seen_number, _corrupt_stream], ids=lambda f: f.__name__
)
def test_a_damaged_crawl_state_costs_only_its_outlet(copy, damage):
    archive, site = copy
    state = archive / layout.crawl_state_key("orient")
    state.write_bytes(damage(state.read_bytes()))
    code, out, err = _cli(
        archive,
        site,
        "run",
        "--date",
        DAY2.isoformat(),
        *sum((["--outlet", o] for o in OUTLETS), []),
    )
    store = open_store(archive)
    manifest = load_manifest(store, list_snapshots(store)[-1])
    orient, anapress = manifest.outlets["orient"], manifest.outlets["anapress"]
    held = (
        code == 1  # the run is published; one outlet failed
        and "Traceback" not in err
        and manifest.day == DAY2.isoformat()
        and (orient.status, orient.gap.reason if orient.gap else None) == ("gap", "damaged_state")
        and "newsarchive repair crawl-state orient" in orient.gap.message
        and anapress.status == "ok"
        and DAY2.isoformat() in load_crawl_state(store, "anapress").crawls  # committed
        and not list(store.list(f"{layout.STAGING}/"))  # no staging left
    )
    edge_row(CLASS, held=held, traceback="Traceback" in err)
    assert held, (code, out, err)
    gc = _cli(archive, site, "gc", "--older-than", "0")
    edge_row(CLASS, held=gc[0] == 0, traceback="Traceback" in gc[2])
    assert gc[0] == 0 and "Traceback" not in gc[2], gc
    repair = _cli(archive, site, "repair", "crawl-state", "orient")
    edge_row(CLASS, held=repair[0] == 0, traceback="Traceback" in repair[2])
    assert repair[0] == 0 and f"{PER_OUTLET} URLs seen" in repair[1], repair


def test_a_deleted_manifest_stops_no_run_and_no_reader(copy):
    """`manifest.json` of day 1 deleted, its `_SUCCESS` kept: the next day's run (dedup window, quality
    history) and a rerun of day 1 (carry-forward) publish; list, show, verify and export name day 1 and
    serve day 2."""
    archive, site = copy
    (archive / layout.snapshot_prefix(RUN_DAY, 1) / layout.MANIFEST).unlink()
    outlets = sum((["--outlet", o] for o in OUTLETS), [])
    results = {
        "run of the next day": _cli(
            archive, site, "run", "--date", DAY2.isoformat(), "--refetch", *outlets
        ),
        "rerun of the day": _cli(
            archive, site, "run", "--date", RUN_DAY.isoformat(), "--refetch", *outlets
        ),
    }
    for name, (code, out, err) in results.items():
        held = code == 0 and "Traceback" not in err and "published" in out
        edge_row(CLASS, held=held, traceback="Traceback" in err)
        assert held, (name, code, out, err)
    code, out, err = _cli(archive, site, "snapshots", "list")
    edge_row(CLASS, held=code == 0 and "DAMAGED" in out, traceback="Traceback" in err)
    assert code == 0 and f"{RUN_DAY}  rev=1  DAMAGED: " in out and "manifest.json is missing" in out
    assert f"{RUN_DAY}  rev=2  articles={2 * PER_OUTLET}" in out and f"{DAY2}  rev=1" in out
    checks = {
        ("snapshots", "show", RUN_DAY.isoformat(), "--rev", "1"): 2,
        ("snapshots", "verify", RUN_DAY.isoformat(), "--rev", "1"): 1,
        ("snapshots", "show", DAY2.isoformat()): 0,
        ("snapshots", "verify", DAY2.isoformat()): 0,
        ("snapshots", "verify", RUN_DAY.isoformat()): 0,  # rev 2, published over the damage
    }
    for argv, expected in checks.items():
        code, out, err = _cli(archive, site, *argv)
        held = (
            code == expected and "Traceback" not in err and (expected != 2 or err.count("\n") == 1)
        )
        edge_row(CLASS, held=held, traceback="Traceback" in err)
        assert held, (argv, code, out, err)
    # the damaged rev is no longer the newest of its day: export of both days serves both
    out_file = archive.parent / "all.jsonl"
    code, out, err = _cli(
        archive,
        site,
        "export",
        "--since",
        RUN_DAY.isoformat(),
        "--until",
        DAY2.isoformat(),
        "--out",
        str(out_file),
    )
    rows = (
        [json.loads(line) for line in out_file.read_text().splitlines()]
        if out_file.exists()
        else []
    )
    lost = max(0, 2 * 2 * PER_OUTLET - len(rows))
    edge_row(CLASS, held=code == 0 and lost == 0, traceback="Traceback" in err, lost=lost)
    assert code == 0 and lost == 0, (code, out, err)


def test_export_names_a_damaged_newest_rev_and_serves_the_other_days(copy):
    archive, site = copy
    outlets = sum((["--outlet", o] for o in OUTLETS), [])
    first = _cli(archive, site, "run", "--date", DAY2.isoformat(), "--refetch", *outlets)
    assert "published" in first[1], (
        first
    )  # exit 1: the canary finds no new articles (all duplicates)
    (archive / layout.snapshot_prefix(RUN_DAY, 1) / layout.MANIFEST).unlink()
    out_file = archive.parent / "x.jsonl"
    code, out, err = _cli(
        archive,
        site,
        "export",
        "--since",
        RUN_DAY.isoformat(),
        "--until",
        DAY2.isoformat(),
        "--include-duplicates",
        "--out",
        str(out_file),
    )
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    served = {r["url"] for r in rows}
    lost = max(
        0, 2 * PER_OUTLET - len(served)
    )  # day 2's articles do not depend on day 1's manifest
    held = (
        code == 1
        and "Traceback" not in err
        and err.count("\n") == 1
        and f"snapshots/date={RUN_DAY}/rev=1/manifest.json is missing" in err
        and lost == 0
    )
    edge_row(CLASS, held=held, traceback="Traceback" in err, lost=lost)
    assert held, (code, out, err)
    code, out, err = _cli(
        archive,
        site,
        "export",
        "--since",
        RUN_DAY.isoformat(),
        "--until",
        RUN_DAY.isoformat(),
        "--out",
        str(archive.parent / "y.jsonl"),
    )
    held = code == 2 and err.count("\n") == 1 and "manifest.json is missing" in err
    edge_row(CLASS, held=held, traceback="Traceback" in err)
    assert held, (code, out, err)
