"""`newsarchive reextract` on the replica, on a local archive and on SeaweedFS: an outlet's new cleanup
rule applied to an archived day from its WARCs, with no request to any outlet."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date

import pytest

from archive.snapshot import (
    SnapshotRef,
    list_snapshots,
    load_manifest,
    read_articles,
)
from archive.store import open_store
from archive.verify import verify_snapshot
from extract.engine import OutletContext
from extract.provenance import extractor_id
from newsarchive import __version__
from newsarchive.config import Settings
from newsarchive.reextract.day import ReextractRequest, reextract_day
from newsarchive.run.pipeline import run_pipeline
from outlets.registry import load_registry
from replica.faults import PROMO_LINE
from replica.server import ReplicaServer
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # pipeline runs and CLI subprocesses

DAY = date(2026, 11, 21)
REASON = "anapress: prune .app-promo"


def _outlets_with_promo_rule(path):
    """A copy of outlets.toml whose anapress entry also prunes the app promotion."""
    text = (ROOT / "outlets.toml").read_text(encoding="utf-8")
    old = 'prune = [".news-ticker", ".views-count", ".font-tools", ".tags"]'
    assert old in text
    path.write_text(text.replace(old, old[:-1] + ', ".app-promo"]'), encoding="utf-8")
    return path


def _files(store, ref: SnapshotRef) -> dict[str, str]:
    return {
        info.key: hashlib.sha256(store.get_bytes(info.key)).hexdigest()
        for info in store.list(ref.prefix)
    }


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


@pytest.fixture
def archived_day(archive_url, tmp_path):
    """A day archived from a replica whose anapress pages carry an app promotion no rule removes yet."""
    with ReplicaServer(per_outlet=20) as server:
        server.replica.faults.set("anapress", "new_furniture")
        settings = Settings(archive=archive_url, host_map=server.host_map)
        run_pipeline(settings, DAY, ["anapress", "orient"])
        yield settings, server, _outlets_with_promo_rule(tmp_path / "outlets.toml")


def test_a_new_rule_reextracts_a_day_into_a_derived_rev_without_a_request(archived_day):
    settings, server, outlets_copy = archived_day
    store = open_store(settings.archive)
    [old] = list_snapshots(store, DAY, DAY)
    before = _files(store, old)
    old_rows = read_articles(store, old).to_pylist()
    anapress_old = [r for r in old_rows if r["outlet"] == "anapress"]
    assert len(anapress_old) == 20 and all(PROMO_LINE in r["text"] for r in anapress_old)
    registry = load_registry(ROOT / "outlets.toml")
    assert {r["extractor"] for r in anapress_old} == {
        extractor_id(OutletContext.for_outlet(registry.get("anapress")), __version__)
    }
    requests = len(server.replica.requests)

    proc = _cli(
        "reextract",
        "--since",
        DAY.isoformat(),
        "--until",
        DAY.isoformat(),
        "--archive",
        settings.archive,
        "--outlets",
        str(outlets_copy),
        "--reason",
        REASON,
    )

    assert proc.returncode == 0, proc.stderr
    assert (
        f"   20 × {PROMO_LINE}" in proc.stdout
    )  # the diff names the removed line and how many articles
    assert f"{DAY} anapress (from {old.label}): 20 re-extracted, 20 text changed" in proc.stdout
    assert (
        f"{DAY} orient (from {old.label}): 20 re-extracted, 0 text changed, 20 unchanged"
        in proc.stdout
    )
    assert len(server.replica.requests) == requests  # no request reached the outlets
    new = SnapshotRef(DAY.isoformat(), old.rev + 1)
    assert f"{DAY}: published {new.label} (derived from {old.label})" in proc.stdout
    assert (
        _files(store, old) == before and verify_snapshot(store, old) == []
    )  # the old rev byte for byte
    assert (
        verify_snapshot(store, new) == []
    )  # every row's capture is in the WARC its carried_from names

    rows = read_articles(store, new).to_pylist()
    assert len(rows) == len(old_rows)
    assert not [r["url"] for r in rows if PROMO_LINE in r["text"]]
    assert all(r["carried_from"] == old.label for r in rows)
    changed = extractor_id(
        OutletContext.for_outlet(load_registry(outlets_copy).get("anapress")), __version__
    )
    assert {r["extractor"] for r in rows if r["outlet"] == "anapress"} == {changed}
    old_orient = {r["capture_id"]: r for r in old_rows if r["outlet"] == "orient"}
    for row in (r for r in rows if r["outlet"] == "orient"):
        assert (
            row["text"] == old_orient[row["capture_id"]]["text"]
            and row["id"] == old_orient[row["capture_id"]]["id"]
        )

    manifest, source = load_manifest(store, new), load_manifest(store, old)
    assert (
        manifest.derived_from == old.label
        and manifest.derived_reason == REASON
        and manifest.base == old.label
    )
    assert (
        manifest.extractor == changed.rsplit(" rules=", 1)[0]
        and manifest.rules["anapress"] == changed[-8:]
    )
    for outlet in ("anapress", "orient"):
        assert (
            manifest.outlets[outlet].crawl == source.outlets[outlet].crawl
        )  # crawl counts carried over
        assert manifest.outlets[outlet].extracted == 20 and manifest.outlets[outlet].archived == 20
    assert not manifest.quality["outlets"]["anapress"]["repeated_lines"]
    assert source.quality["outlets"]["anapress"][
        "repeated_lines"
    ]  # the canary had seen the promotion
    report = json.loads(store.get_bytes(f"{new.prefix}reextract/anapress.diff.json"))
    assert manifest.file(f"{new.prefix}reextract/anapress.diff.json") is not None
    assert (
        report["lines_removed"] == [{"line": PROMO_LINE, "articles": 20}]
        and report["lines_added"] == []
    )
    assert report["text_changed"]["articles"] == 20
    assert report["text_changed"]["words_removed"] == 20 * len(PROMO_LINE.split())
    assert report["newly_failing"] == [] and report["fields_changed"] == {}

    again = _cli(
        "reextract",
        "--since",
        DAY.isoformat(),
        "--until",
        DAY.isoformat(),
        "--archive",
        settings.archive,
        "--outlets",
        str(outlets_copy),
        "--only-stale",
    )
    assert again.returncode == 0, again.stderr
    assert "nothing stale" in again.stdout
    assert list_snapshots(store, DAY, DAY) == [old, new]  # a second pass does nothing
    full = _cli(
        "reextract",
        "--since",
        DAY.isoformat(),
        "--until",
        DAY.isoformat(),
        "--archive",
        settings.archive,
        "--outlets",
        str(outlets_copy),
    )  # everything again, from the derived rev: its captures are in rev 1
    assert full.returncode == 0 and full.stderr == "", full.stderr
    assert (
        f"{DAY} anapress (from {new.label}): 20 re-extracted, 0 text changed, 20 unchanged"
        in full.stdout
    )
    assert "nothing changed: no rev published" in full.stdout and list_snapshots(
        store, DAY, DAY
    ) == [old, new]
    retried = reextract_day(
        settings.with_(outlets_path=str(outlets_copy)), DAY, ReextractRequest(), manifest.run_id
    )
    assert retried.published == new.label and list_snapshots(store, DAY, DAY) == [
        old,
        new,
    ]  # exactly once per run
    assert len(server.replica.requests) == requests


def test_dry_run_prints_the_report_and_publishes_nothing(archived_day):
    settings, server, outlets_copy = archived_day
    store = open_store(settings.archive)
    revs = list_snapshots(store, DAY, DAY)
    proc = _cli(
        "reextract",
        "--since",
        DAY.isoformat(),
        "--until",
        DAY.isoformat(),
        "--archive",
        settings.archive,
        "--outlets",
        str(outlets_copy),
        "--outlet",
        "anapress",
        "--dry-run",
    )
    assert proc.returncode == 0, proc.stderr
    assert f"   20 × {PROMO_LINE}" in proc.stdout and "dry run: nothing published" in proc.stdout
    assert "orient" not in proc.stdout
    assert list_snapshots(store, DAY, DAY) == revs


@pytest.mark.parametrize("archive_url", ["local"], indirect=True)
def test_a_damaged_warc_costs_only_its_outlet(archived_day):
    settings, server, outlets_copy = archived_day
    store = open_store(settings.archive)
    [old] = list_snapshots(store, DAY, DAY)
    warc = f"{settings.archive}/{old.prefix}warc/orient.warc.gz"
    with open(warc, "r+b") as fh:
        fh.seek(200)
        fh.write(b"XXXX")
    proc = _cli(
        "reextract",
        "--since",
        DAY.isoformat(),
        "--until",
        DAY.isoformat(),
        "--archive",
        settings.archive,
        "--outlets",
        str(outlets_copy),
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"PROBLEM {DAY}: orient: the WARC of {old.label} cannot be read" in proc.stderr
    assert "20 rows kept as archived" in proc.stderr
    new = SnapshotRef(DAY.isoformat(), old.rev + 1)
    assert f"{DAY}: published {new.label}" in proc.stdout
    rows = read_articles(store, new).to_pylist()
    assert not [r for r in rows if PROMO_LINE in r["text"]]  # anapress re-extracted all the same
    assert sorted(r["id"] for r in rows if r["outlet"] == "orient") == sorted(
        r["id"] for r in read_articles(store, old).to_pylist() if r["outlet"] == "orient"
    )
