"""The archive's promises under reruns, failures, kills and concurrency (issue 13's fault matrix).

Every case checks what a user relies on, with real processes, the replica and the store:
- readers see only complete snapshots, and every complete snapshot verifies (files, captures, no extras);
- no article archived before is missing from the readers' view afterwards (or is pending in the state);
- every row's capture is in the WARC of the rev its provenance names;
- the crawl state is consistent: a seen URL has its article in a snapshot, pending is never seen.
Each case adds a row to the matrix printed at the end of `make test`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.current_table import check as check_table
from archive.snapshot import list_snapshots, load_manifest, newest_revs, read_rows
from archive.store import open_store
from archive.verify import verify
from dedup.urls import canonical_url
from newsarchive.config import Settings
from newsarchive.run import lifecycle, stages
from newsarchive.run.crawl import CrawlError
from newsarchive.run.pipeline import run_pipeline
from newsarchive.run.runs import RunRef
from replica.server import ReplicaServer
from spiders.state import load_crawl_state
from tests.conftest import ROOT, RUN_DAY
from tests.report import matrix_row

pytestmark = pytest.mark.slow  # pipeline runs

DAY2 = RUN_DAY + timedelta(days=1)
OUTLETS = ["anapress", "orient"]
PER_OUTLET = 10


@dataclass
class Health:
    lost: set[str]
    partial_revs: int
    rows_without_capture: int
    problems: list[str]


def registry_without(tmp_path: Path, removed: str) -> str:
    """outlets.toml minus one outlet, as an operator would edit it."""
    text = (ROOT / "outlets.toml").read_text(encoding="utf-8")
    head, *blocks = text.split("[[outlet]]")
    kept = [b for b in blocks if f'id = "{removed}"' not in b]
    path = tmp_path / "outlets.toml"
    path.write_text(head + "".join("[[outlet]]" + b for b in kept), encoding="utf-8")
    return str(path)


def everything_archived(store) -> set[str]:
    """URL keys of every row of every complete rev ever published."""
    return {
        canonical_url(r.url)
        for ref in list_snapshots(store)
        for r in read_rows(store, load_manifest(store, ref))
    }


def health(store, before: set[str], outlets=OUTLETS) -> Health:
    visible, problems = set(), []
    partial = without_capture = 0
    for ref in list_snapshots(store):
        report = verify(store, ref, retention=False)
        if report.problems:
            partial += 1
            problems += report.problems
        without_capture += sum("capture" in p for p in report.problems)
    for ref in newest_revs(store):
        visible |= {canonical_url(r.url) for r in read_rows(store, load_manifest(store, ref))}
    problems += [
        f"current table: {p}" for p in check_table(store)
    ]  # each day's newest rev, nothing else
    pending = set()
    for outlet in outlets:
        state = load_crawl_state(store, outlet)
        pending |= {canonical_url(u) for u in state.pending}
        assert not pending & set(state.seen), f"{outlet}: pending URLs marked seen"
        assert set(state.seen) <= everything_archived(store) | _redirect_sources(state), (
            f"{outlet}: seen URLs whose article no snapshot holds"
        )
    return Health(
        lost=before - visible - pending,
        partial_revs=partial,
        rows_without_capture=without_capture,
        problems=problems,
    )


def _redirect_sources(state) -> set[str]:
    return set()  # the replica serves no redirects for article pages


def check(case: str, store, before: set[str], outlets=OUTLETS) -> None:
    h = health(store, before, outlets)
    matrix_row(
        case,
        survived=not (h.lost or h.partial_revs),
        lost=len(h.lost),
        partial=h.partial_revs,
        without_capture=h.rows_without_capture,
    )
    assert h.problems == [], h.problems
    assert h.lost == set(), f"{case}: {len(h.lost)} articles lost: {sorted(h.lost)[:5]}"


@pytest.fixture
def site():
    with ReplicaServer(per_outlet=PER_OUTLET) as server:
        yield server


def settings_for(site, archive, **changes) -> Settings:
    return Settings(
        archive=str(archive),
        host_map=site.host_map,
        scrapy_settings={"RETRY_TIMES": "0"},
        **changes,
    )


# -- reruns of a date ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case", ["outlet removed", "targeted rerun", "rerun capped at 5", "pages answer 500"]
)
def test_a_rerun_of_a_date_loses_nothing(site, tmp_path, case):
    settings = settings_for(site, tmp_path / "archive")
    run_pipeline(settings, RUN_DAY, OUTLETS)
    store = open_store(settings.archive)
    before = everything_archived(store)
    assert len(before) == PER_OUTLET * len(OUTLETS)

    rerun, outlets = settings, OUTLETS
    if case == "outlet removed":
        rerun = settings.with_(outlets_path=registry_without(tmp_path, "orient"))
        outlets = ["anapress"]
    elif case == "targeted rerun":
        outlets = ["anapress"]
    elif case == "rerun capped at 5":
        rerun = settings.with_(max_articles=5, refetch=True)
    else:
        anapress = site.replica.sites["www.anapress.net"]
        site.replica.faults.set(
            "anapress", "http_500", [urlsplit(anapress.url(a)).path for a in anapress.articles[:5]]
        )
        rerun = settings.with_(refetch=True)
    result = run_pipeline(rerun, RUN_DAY, outlets)
    site.replica.faults.clear()
    manifest = load_manifest(store, list_snapshots(store)[-1])
    assert (manifest.rev, manifest.base) == (2, f"{RUN_DAY} rev 1")
    assert manifest.archived == len(before)  # the day as readers see it still holds all of it
    if case in ("outlet removed", "targeted rerun"):
        orient = manifest.outlets["orient"]
        assert (orient.status, orient.crawl, orient.carried) == (
            "not_run",
            None,
            PER_OUTLET,
        )  # no fetch claimed
    if case == "pages answer 500":
        anapress = manifest.outlets["anapress"]
        assert anapress.crawl.failed == {"http_500": 5} and anapress.carried == 5
    assert result.manifest.carried == manifest.carried
    check(f"rerun: {case}", store, before)

    run_pipeline(settings, DAY2, OUTLETS)  # a healthy next day
    check(f"rerun: {case}, then a healthy day", store, before)


def test_carried_rows_keep_their_provenance_and_their_capture(site, tmp_path):
    settings = settings_for(site, tmp_path / "archive")
    run_pipeline(settings, RUN_DAY, OUTLETS)
    run_pipeline(settings, RUN_DAY, ["anapress"])
    run_pipeline(settings, RUN_DAY, ["anapress"])
    store = open_store(settings.archive)
    rows = read_rows(store, load_manifest(store, list_snapshots(store)[-1]))
    orient = [r for r in rows if r.outlet == "orient"]
    assert len(orient) == PER_OUTLET and {r.carried_from for r in orient} == {
        f"{RUN_DAY} rev 1"
    }  # not "rev 2"
    assert {r.carried_from for r in rows if r.outlet == "anapress"} == {
        None
    }  # captured again by rev 3 itself
    assert verify(store, list_snapshots(store)[-1]).problems == []


# -- a stage that fails for one outlet ------------------------------------------------------------------
def test_an_outlet_whose_crawl_fails_on_a_rerun_is_a_gap_with_its_cause(site, tmp_path):
    settings = settings_for(site, tmp_path / "archive")
    run_pipeline(settings, RUN_DAY, OUTLETS)
    store = open_store(settings.archive)
    before = everything_archived(store)
    site.replica.faults.set("orient", "http_500")
    result = run_pipeline(settings, RUN_DAY, OUTLETS)
    site.replica.faults.clear()
    assert list(result.failures) == ["orient"]
    manifest = load_manifest(store, list_snapshots(store)[-1])
    orient = manifest.outlets["orient"]
    assert (orient.status, orient.gap.stage, orient.gap.reason) == ("gap", "crawl", "http_500")
    assert (
        orient.crawl is None and orient.carried == PER_OUTLET and orient.new == 0
    )  # no fetch claimed
    assert any("outlet orient: 0 new articles" in p for p in manifest.quality["problems"])
    check("crawl fails on a rerun", store, before)


def test_an_outlet_whose_extraction_fails_is_a_gap_and_its_captures_are_kept(site, tmp_path):
    settings = settings_for(site, tmp_path / "archive")
    run_pipeline(settings, RUN_DAY, OUTLETS)
    store = open_store(settings.archive)
    before = everything_archived(store)
    run = RunRef.new_cli(RUN_DAY)
    for outlet in OUTLETS:
        stages.crawl_stage(settings.with_(refetch=True), run, outlet)
    stages.extract_stage(settings, run, "anapress")
    broken = settings.with_(
        outlets_path=registry_without(tmp_path, "orient")
    )  # its worker lost the registry entry
    with pytest.raises(Exception, match="unknown outlet 'orient'"):
        stages.extract_stage(broken, run, "orient")
    lifecycle.deduplicate(settings, run, OUTLETS)
    published = lifecycle.publish(settings, run, OUTLETS)
    orient = published.manifest.outlets["orient"]
    assert (orient.status, orient.gap.stage) == (
        "gap",
        "extract",
    ) and orient.crawl.fetched == PER_OUTLET
    assert (
        orient.carried == PER_OUTLET
    )  # rev 1's rows stay readable, their captures in rev 1's WARC
    assert load_crawl_state(store, "orient").crawls == {
        RUN_DAY.isoformat(): load_crawl_state(store, "orient").crawls[RUN_DAY.isoformat()]
    }  # the failed outlet's crawl was not committed over the first one
    assert not list(store.list(run.staging))
    check("extract fails", store, before)


# -- exactly once ---------------------------------------------------------------------------------------
def test_a_publish_retried_after_it_completed_makes_no_second_rev(site, tmp_path):
    settings = settings_for(site, tmp_path / "archive")
    run = RunRef.new_cli(RUN_DAY)
    for outlet in OUTLETS:
        stages.crawl_stage(settings, run, outlet)
        stages.extract_stage(settings, run, outlet)
    lifecycle.deduplicate(settings, run, OUTLETS)
    first = lifecycle.publish(settings, run, OUTLETS)
    again = lifecycle.publish(
        settings, run, OUTLETS
    )  # e.g. the task was retried after it succeeded
    store = open_store(settings.archive)
    assert first.ref == again.ref and [r.rev for r in list_snapshots(store)] == [1]
    assert again.manifest.to_dict() == first.manifest.to_dict()
    matrix_row("publish retried after success", survived=True, lost=0, partial=0, without_capture=0)


def test_nothing_to_publish_when_every_outlet_failed(site, tmp_path):
    settings = settings_for(site, tmp_path / "archive")
    run = RunRef.new_cli(RUN_DAY)
    site.replica.faults.set("anapress", "http_500")
    with pytest.raises(CrawlError, match="http_500"):
        stages.crawl_stage(settings, run, "anapress")
    lifecycle.deduplicate(settings, run, ["anapress"])
    with pytest.raises(lifecycle.NothingToPublish, match="anapress.*http_500"):
        lifecycle.publish(settings, run, ["anapress"])
    assert list_snapshots(open_store(settings.archive)) == []


# -- kills ----------------------------------------------------------------------------------------------
def _cli(*args, env=None, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "newsarchive.cli.main", *args],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,
    )


def _kill_when(
    proc, archive: Path, pattern: str, timeout: float = 120, slow_after: str | None = None
) -> bool:
    """SIGKILL the run (its whole process group) as soon as an archive key matching `pattern` appears.

    With `slow_after`, the run's processes drop to the lowest CPU priority once a key matching it
    appears: a local publish of a few articles can write its last file and its success marker within
    one poll of this loop on a busy machine (the kill then lands after the snapshot is whole), so the
    poller must win the CPU between the key it waits for and the ones after it."""
    deadline = time.monotonic() + timeout
    slowed = slow_after is None
    while time.monotonic() < deadline and proc.poll() is None:
        if not slowed and any(archive.glob(slow_after)):
            try:
                os.setpriority(os.PRIO_PGRP, proc.pid, 19)  # the run leads its process group (_cli)
            except ProcessLookupError:  # it ended meanwhile: the loop's test says so next
                pass
            slowed = True
        if any(archive.glob(pattern)):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    return False


KILL_POINTS = {
    "crawl": "staging/*/*/crawl/*.warc.gz",
    "extract": "staging/*/*/extract/*.jsonl",
    "dedup": "staging/*/*/dedup/articles.jsonl",
    "publish, between uploads": "snapshots/date=*/rev=2/warc/*.warc.gz",
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_then_rerun_loses_nothing(site, tmp_path, point):
    archive = tmp_path / "archive"
    settings = settings_for(site, archive)
    run_pipeline(settings, RUN_DAY, OUTLETS)
    store = open_store(archive)
    before = everything_archived(store)
    env = {
        **os.environ,
        "NEWSARCHIVE_HOST_MAP": json.dumps(site.host_map),
        "NEWSARCHIVE_REFETCH": "1",
    }
    args = [
        "run",
        "--archive",
        str(archive),
        "--date",
        RUN_DAY.isoformat(),
        *sum((["--outlet", o] for o in OUTLETS), []),
    ]
    proc = _cli(*args, env=env)
    slow_after = KILL_POINTS["dedup"] if point.startswith("publish") else None
    assert _kill_when(proc, archive, KILL_POINTS[point], slow_after=slow_after), (
        f"the run ended before {point}: {proc.communicate()}"
    )
    assert [r.rev for r in list_snapshots(store)] == [1]  # nothing partial is visible
    check(f"SIGKILL during {point}", store, before)
    scratch_root = Path(os.environ.get("TMPDIR") or "/tmp")
    assert list(
        scratch_root.glob(f"newsarchive-scratch-{proc.pid}-*")
    )  # a killed process cannot clean up ...

    rerun = _cli(*args, env=env)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert not list(
        scratch_root.glob(f"newsarchive-scratch-{proc.pid}-*")
    )  # ... the next run removes its temp space
    assert len(list_snapshots(store)) == 2
    check(f"SIGKILL during {point}, then a rerun", store, before)

    proc = _cli("gc", "--archive", str(archive), "--older-than", "0")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert not list(store.list("staging/")) and not any((archive / ".tmp").iterdir())
    assert [r.rev for r in list_snapshots(store)] == [1, 3] or [
        r.rev for r in list_snapshots(store)
    ] == [1, 2]
    assert all(verify(store, ref).problems == [] for ref in list_snapshots(store))


def test_two_runs_of_one_date_at_once(site, tmp_path):
    archive = tmp_path / "archive"
    env = {**os.environ, "NEWSARCHIVE_HOST_MAP": json.dumps(site.host_map)}
    args = [
        "run",
        "--archive",
        str(archive),
        "--date",
        RUN_DAY.isoformat(),
        *sum((["--outlet", o] for o in OUTLETS), []),
    ]
    runs = [_cli(*args, env=env) for _ in range(2)]
    results = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], results
    store = open_store(archive)
    before = everything_archived(store)
    assert [r.rev for r in list_snapshots(store)] == [1, 2]
    newest = load_manifest(store, list_snapshots(store)[-1])
    assert newest.base == f"{RUN_DAY} rev 1" and newest.archived == PER_OUTLET * len(OUTLETS)
    for outlet in OUTLETS:  # both runs folded into the state: neither commit was lost
        assert len(load_crawl_state(store, outlet).seen) == PER_OUTLET
    check("two runs of one date at once", store, before)
    run_pipeline(settings_for(site, archive), DAY2, OUTLETS)
    check("two runs of one date at once, then a healthy day", store, before)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_concurrent_crawl_state_commits_are_never_lost(backend, tmp_path, request):
    """Eight runs fold into one outlet's state at once (If-Match and retry): every run's pages are seen."""
    from concurrent.futures import ThreadPoolExecutor

    from spiders.state import CrawlRun, commit_crawl_run

    if backend == "s3":
        request.getfixturevalue("s3_server")
        url = f"s3://archive/commits-{time.time_ns()}"
    else:
        url = str(tmp_path / "archive")
    store = open_store(url)
    runs = [
        CrawlRun(
            outlet="orient",
            day=f"2026-11-{n + 1:02d}",
            started=f"2026-11-{n + 1:02d}T03:00:00+00:00",
            fetched=[f"https://orient-news.net/ar/news_show/{n}{k}" for k in range(5)],
        )
        for n in range(8)
    ]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda run: commit_crawl_run(open_store(url), run), runs))
    state = load_crawl_state(store, "orient")
    assert len(state.seen) == 40 and len(state.crawls) == 8
    matrix_row(
        f"8 concurrent crawl-state commits ({backend})",
        survived=True,
        lost=40 - len(state.seen),
        partial=0,
        without_capture=0,
    )


def test_a_run_cleared_after_it_published_publishes_its_new_crawl_and_keeps_what_it_published(
    site, tmp_path
):
    """Airflow clears one crawl of a run (same run id) after the run published; the crawl and its
    extraction run again, dedup does not. Publish is never mistaken for the finished attempt: it
    deduplicates the day itself and publishes the new crawl, and orient, which the run published before
    the clear and whose staging is gone, keeps its real counts (never a `not_finished` gap)."""
    settings = settings_for(site, tmp_path / "archive")
    run = RunRef.new_cli(RUN_DAY)
    for outlet in OUTLETS:
        stages.crawl_stage(settings, run, outlet)
        stages.extract_stage(settings, run, outlet)
    lifecycle.deduplicate(settings, run, OUTLETS)
    first = lifecycle.publish(settings, run, OUTLETS)
    store = open_store(settings.archive)
    before = everything_archived(store)
    assert not list(store.list(run.staging))
    stages.crawl_stage(settings.with_(refetch=True), run, "anapress")  # the cleared task
    stages.extract_stage(settings, run, "anapress")
    second = lifecycle.publish(settings, run, OUTLETS)
    assert (first.ref.rev, second.ref.rev) == (1, 2)
    orient, earlier = second.manifest.outlets["orient"], first.manifest.outlets["orient"]
    assert (orient.status, orient.gap, orient.crawl) == ("ok", None, earlier.crawl)
    assert (orient.extracted, orient.new, orient.carried) == (PER_OUTLET, PER_OUTLET, 0)
    anapress = second.manifest.outlets["anapress"]
    assert (anapress.status, anapress.crawl.fetched, anapress.new) == ("ok", PER_OUTLET, PER_OUTLET)
    assert second.manifest.quality["problems"] == []
    assert not list(store.list(run.staging))
    check("a crawl cleared after its run published", store, before)
