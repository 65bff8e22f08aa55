"""A damaged object costs only itself (issue 20): on a copy of a published archive, each damage is named in
one line, skipped where skipping loses nothing, confined to its own outlet, and a healthy run succeeds."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from datetime import timedelta

import pytest

from archive import layout
from archive.snapshot import list_snapshots, load_manifest
from archive.store import open_store
from archive.verify import verify
from newsarchive.config import Settings
from newsarchive.run.pipeline import run_pipeline
from replica.server import ReplicaServer
from tests.conftest import ROOT, RUN_DAY

pytestmark = pytest.mark.slow  # pipeline runs and CLI subprocesses

DAY2 = RUN_DAY + timedelta(days=1)
OUTLETS = ["anapress", "orient"]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    with ReplicaServer(per_outlet=10) as site:
        archive = tmp_path_factory.mktemp("published") / "archive"
        run_pipeline(Settings(archive=str(archive), host_map=site.host_map), RUN_DAY, OUTLETS)
        yield archive, site


@pytest.fixture
def copy(published, tmp_path):
    archive, site = published
    target = tmp_path / "archive"
    shutil.copytree(archive, target)
    # no revisits: these tests count what the incremental crawl fetches (issue 28's schedule adds some)
    return target, Settings(archive=str(target), host_map=site.host_map, revisit_days=())


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_a_damaged_dedup_segment_is_skipped_and_named(copy):
    archive, settings = copy
    segment = archive / layout.dedup_index_key(layout.snapshot_prefix(RUN_DAY, 1))
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0xFF
    segment.write_bytes(bytes(data))
    result = run_pipeline(settings, DAY2, OUTLETS)
    assert result.failures == {}
    manifest = load_manifest(open_store(archive), list_snapshots(open_store(archive))[-1])
    assert manifest.dedup["window"] == [] and len(manifest.dedup["window_skipped"]) == 1
    assert (
        manifest.dedup["window_skipped"][0].startswith(f"{RUN_DAY} rev 1: ")
        and "sha256" in manifest.dedup["window_skipped"][0]
    )


def test_a_manifest_that_is_not_json_breaks_only_its_own_snapshot(copy):
    archive, settings = copy
    (archive / layout.snapshot_prefix(RUN_DAY, 1) / "manifest.json").write_text(
        "{not json", encoding="utf-8"
    )
    listing = _cli("snapshots", "list", "--archive", str(archive))
    assert (
        listing.returncode == 0
        and "DAMAGED" in listing.stdout
        and "Traceback" not in listing.stderr
    )
    result = run_pipeline(settings, DAY2, OUTLETS)  # the window and the canary's history skip it
    assert result.failures == {}
    listing = _cli("snapshots", "list", "--archive", str(archive))
    assert f"{DAY2}  rev=1  articles=" in listing.stdout
    check = _cli("snapshots", "verify", RUN_DAY.isoformat(), "--archive", str(archive))
    assert check.returncode == 1 and "manifest.json does not match the SHA-256" in check.stderr
    export = _cli(
        "export",
        "--archive",
        str(archive),
        "--since",
        str(RUN_DAY),
        "--until",
        str(RUN_DAY),
        "--out",
        str(archive.parent / "x.jsonl"),
    )
    assert (
        export.returncode == 2
        and len(export.stderr.strip().splitlines()) == 1
        and "manifest.json" in export.stderr
    )


def test_a_damaged_parquet_part_is_named_by_export(copy):
    archive, _ = copy
    part = next(
        (archive / layout.snapshot_prefix(RUN_DAY, 1)).glob("articles/outlet=orient/*/*.parquet")
    )
    part.write_bytes(part.read_bytes()[:-10] + b"0123456789")
    export = _cli(
        "export",
        "--archive",
        str(archive),
        "--since",
        str(RUN_DAY),
        "--until",
        str(RUN_DAY),
        "--out",
        str(archive.parent / "x.jsonl"),
    )
    assert (
        export.returncode == 2
        and "outlet=orient" in export.stderr
        and "do not trust it" in export.stderr
    )
    assert not (archive.parent / "x.jsonl").exists()


def test_a_corrupt_crawl_state_fails_only_its_outlet_and_repair_rebuilds_it(copy):
    archive, settings = copy
    state = archive / layout.crawl_state_key("orient")
    state.write_bytes(gzip.compress(b"[1, 2"))
    result = run_pipeline(settings, DAY2, OUTLETS)
    assert (
        list(result.failures) == ["orient"]
        and "repair crawl-state orient" in result.failures["orient"]
    )
    store = open_store(archive)
    manifest = load_manifest(store, list_snapshots(store)[-1])
    orient = manifest.outlets["orient"]
    assert (orient.status, orient.gap.stage, orient.gap.reason) == ("gap", "crawl", "damaged_state")
    assert manifest.outlets["anapress"].status == "ok"
    repair = _cli("repair", "crawl-state", "orient", "--archive", str(archive))
    assert repair.returncode == 0 and "10 URLs seen" in repair.stdout, repair.stderr
    again = run_pipeline(settings, DAY2 + timedelta(days=1), OUTLETS)
    assert again.failures == {}
    crawl = again.manifest.outlets["orient"].crawl
    assert (
        crawl is not None and crawl.fetched == 0 and crawl.skipped["seen"] == 10
    )  # nothing archived is fetched again
    assert all(verify(store, ref).problems == [] for ref in list_snapshots(store)[1:])


def test_an_archive_that_does_not_exist_is_named_and_a_read_only_one_can_be_read(copy, tmp_path):
    archive, _ = copy
    missing = _cli(
        "export",
        "--archive",
        str(tmp_path / "nope"),
        "--since",
        str(RUN_DAY),
        "--until",
        str(RUN_DAY),
        "--out",
        str(tmp_path / "x.jsonl"),
    )
    assert (
        missing.returncode == 2
        and "nope does not exist" in missing.stderr
        and not (tmp_path / "nope").exists()
    )
    readonly = tmp_path / "readonly"
    shutil.copytree(archive, readonly)
    out = tmp_path / "out"
    out.mkdir()
    for path in [readonly, *readonly.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        export = subprocess.run(
            [
                *_without_privileges(),
                sys.executable,
                "-m",
                "newsarchive.cli.main",
                "export",
                "--archive",
                str(readonly),
                "--since",
                str(RUN_DAY),
                "--until",
                str(RUN_DAY),
                "--format",
                "jsonl",
                "--out",
                str(out / "x.jsonl"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        for path in [readonly, *readonly.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert export.returncode == 0, export.stderr
    assert (out / "x.jsonl").read_text().count('"outlet": "orient"') == 10


def _without_privileges() -> list[str]:
    """A prefix that runs a command unable to write a read-only file. Root keeps its uid (so the package
    and the venv stay readable wherever the clone is, even under a directory only root may enter) but loses
    every capability, so mode 0444 binds it as it binds the file's owner; anyone else needs nothing."""
    import os

    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux) to drop root's capabilities")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]


def test_a_hostile_page_costs_only_itself(tmp_path):
    """One page declaring lang="ar/../eg": its row gets a valid language tag, the snapshot of every outlet
    is published, and the partition keys are clean."""
    from urllib.parse import urlsplit

    with ReplicaServer(per_outlet=5) as site:
        anapress = site.replica.sites["www.anapress.net"]
        site.replica.faults.set(
            "anapress", "hostile_lang", [urlsplit(anapress.url(anapress.articles[0])).path]
        )
        settings = Settings(archive=str(tmp_path / "archive"), host_map=site.host_map)
        result = run_pipeline(settings, RUN_DAY, OUTLETS)
    assert result.failures == {} and result.manifest.archived == 10
    store = open_store(settings.archive)
    ref = list_snapshots(store)[-1]
    assert verify(store, ref).problems == []
    langs = {
        f.key.split("/lang=")[1].split("/")[0]
        for f in load_manifest(store, ref).files
        if "/lang=" in f.key
    }
    assert langs == {"ar"}
