"""Every recovery an operator uses in the Airflow UI, through the REST API against the real scheduler
(`airflow standalone`, LocalExecutor, started by scripts/airflow.sh as `make run` does; the living
replica; a local archive). Each path starts from a run whose zamanalwsl crawl failed (3x HTTP 500, or a
crawl marked failed while it ran) and ends in a truthful snapshot or a clear instruction, asserted on
the manifest, the canary (the quality task and the manifest's figures) and the Archive page's data
(newsarchive/airflow_glue/archive_page/health.py):

- clear the failed crawl alone: it fails naming the task to clear; clear it with its downstream tasks:
  rev 2 holds the day a healthy run makes (the same ids, duplicates, revisions and texts as
  `newsarchive run`), the four healthy outlets with their real counts, never a gap;
- clear the run's failed tasks only (dedup and publish stay success): the last task publishes;
- mark a running crawl failed, then clear the whole run;
- mark the failed crawl success (nothing changes, truthfully), then trigger the date again as a new run.

Test-only settings: a 1 s retry delay through a cluster policy (airflow_local_settings.py). The paths
take the living replica's days one after the other, in one archive (crawl state, dedup window and
history carry over as in production): the first two days are also held to the days `newsarchive run`
makes (tests/equivalence.py), revisions included.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from archive.snapshot import list_snapshots, load_manifest, read_rows, resolve_snapshot
from archive.store import open_store
from newsarchive.airflow_glue.archive_page.health import collect
from newsarchive.run.quality import QualityFigures
from outlets.registry import load_registry
from tests.conftest import ROOT
from tests.dags.test_scheduler import _free_port
from tests.equivalence import LIVING_DAYS, fingerprint, reextract_publishes_nothing, same_day

pytestmark = pytest.mark.slow  # Airflow

FAULTY = "zamanalwsl"
OUTLETS = ["anapress", "enabbaladi", "euronews", "orient", "zamanalwsl"]
CRAWL, EXTRACT = "per_outlet.crawl", "per_outlet.extract"
POLICY = '''"""Recovery tests only: retry a task 1 s after it failed (the DAG's own delay is minutes)."""
from datetime import timedelta


def task_policy(task):
    task.retry_delay = timedelta(seconds=1)
'''


class Airflow:
    def __init__(self, base: str, archive: Path, replica):
        self.base, self.archive, self.replica = base, archive, replica
        self.faulty = load_registry().ids.index(
            FAULTY
        )  # the map index of the faulty outlet's tasks

    def api(self, path: str, body: dict | None = None, method: str | None = None) -> dict:
        request = urllib.request.Request(
            self.base + "/api/v2/dags/news_archive" + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method or ("POST" if body is not None else "GET"),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        for attempt in range(5):  # standalone's SQLite: "database is locked" under load is a 500
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return json.load(response)
            except urllib.error.HTTPError as exc:
                if exc.code < 500 or attempt == 4:
                    raise
                time.sleep(2)
        raise AssertionError("unreachable")

    def trigger(self, run_id: str, day: date, *, new_run_of_the_date: bool = False) -> None:
        when = f"{day.isoformat()}T03:00:00Z"
        body = {"dag_run_id": run_id, "logical_date": when}
        if (
            new_run_of_the_date
        ):  # the date has a run already: a manual run after it, no logical date
            body = {"dag_run_id": run_id, "logical_date": None, "run_after": when}
        try:
            self.api("/dagRuns", body)
        except urllib.error.HTTPError as exc:  # 409: a retried request that did create it
            if exc.code != 409:
                raise

    def wait(self, run_id: str, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.api(f"/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        raise AssertionError(f"run {run_id} did not end within {timeout} s: {self.states(run_id)}")

    def states(self, run_id: str) -> dict[str, str]:
        tis = self.api(f"/dagRuns/{run_id}/taskInstances?limit=100")["task_instances"]
        return {
            t["task_id"] + (f"[{t['rendered_map_index'] or t['map_index']}]" if t["map_index"] >= 0 else ""): t["state"]
            for t in tis
        }  # fmt: skip

    def ti(self, run_id: str, task_id: str, map_index: int = -1) -> dict:
        suffix = f"/{map_index}" if map_index >= 0 else ""
        return self.api(f"/dagRuns/{run_id}/taskInstances/{task_id}{suffix}")

    def log(self, run_id: str, task_id: str, map_index: int = -1) -> str:
        ti = self.ti(run_id, task_id, map_index)
        query = urllib.parse.urlencode({"map_index": map_index, "full_content": "true"})
        path = f"/dagRuns/{run_id}/taskInstances/{task_id}/logs/{ti['try_number']}?{query}"
        return json.dumps(self.api(path), ensure_ascii=False)

    def clear(self, run_id: str, tasks: list, **options) -> None:
        body = {"dry_run": False, "dag_run_id": run_id, "task_ids": tasks, "only_failed": False}
        self.api("/clearTaskInstances", {**body, **options})

    def clear_run(self, run_id: str, *, only_failed: bool) -> None:
        self.api(f"/dagRuns/{run_id}/clear", {"dry_run": False, "only_failed": only_failed})

    def mark(self, run_id: str, task_id: str, map_index: int, state: str) -> None:
        self.api(
            f"/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}", {"new_state": state}, "PATCH"
        )

    def failing_run(self, run_id: str, day: date) -> dict:
        """A run whose faulty outlet's crawl fails three times: rev 1 records the gap, the canary fails."""
        self.replica.replica.faults.set(FAULTY, "http_500")
        try:
            self.trigger(run_id, day)
            assert self.wait(run_id) == "failed"
        finally:
            self.replica.replica.faults.clear()
        states = self.states(run_id)
        assert states[f"{CRAWL}[{FAULTY}]"] == "failed" and states["quality"] == "failed", states
        assert states["publish"] == "success"
        manifest = self.manifest(day, rev=1)
        gap = manifest.outlets[FAULTY].gap
        assert (gap.stage, gap.reason) == ("crawl", "http_500")
        return states

    def manifest(self, day: date, rev: int | None = None):
        store = open_store(self.archive)
        return load_manifest(store, resolve_snapshot(store, day.isoformat(), rev))

    def revs(self, day: date) -> list[int]:
        return [r.rev for r in list_snapshots(open_store(self.archive), day, day)]

    def whole_day(
        self, day: date, rev: int, run_id: str, earlier: dict | None = None, crawled: bool = False
    ) -> None:
        """The truthful end every recovery reaches: rev `rev` is the day's newest, every outlet ok (the
        healthy ones with the counts they were published with first: the same crawl figures, unless
        they were `crawled` again), the canary passes, the Archive page's data shows the day whole, and
        re-extraction with the same rules publishes nothing."""
        manifest = self.manifest(day)
        assert (manifest.rev, self.revs(day)[-1]) == (rev, rev)
        assert {o: (c.status, c.gap) for o, c in manifest.outlets.items()} == {
            o: ("ok", None) for o in OUTLETS
        }
        for outlet, counts in (earlier or {}).items():  # published before the clear: real counts
            now = manifest.outlets[outlet]
            assert (now.extracted, now.new, now.carried) == (counts.extracted, counts.new, 0), (
                outlet
            )
            assert crawled or now.crawl == counts.crawl, outlet
        figures = QualityFigures.of(manifest)
        assert figures.problems == [] and all(f.new > 0 for f in figures.outlets.values())
        assert self.ti(run_id, "quality")["state"] == "success"
        health = collect(open_store(self.archive), until=day)
        assert [g for g in health.gaps if g.day == day.isoformat()] == []
        points = {
            o.outlet: [p for p in o.points if p.day == day.isoformat()] for o in health.outlets
        }
        assert {o: [(p.status, p.new > 0) for p in ps] for o, ps in points.items()} == {
            o: [("ok", True)] for o in OUTLETS
        }
        assert [p for p in health.problems if p.day == day.isoformat()] == []
        assert not list(open_store(self.archive).list("staging/"))
        reextract_publishes_nothing(str(self.archive), day)


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, living_replica):
    home = tmp_path_factory.mktemp("recovery")
    (home / "airflow" / "config").mkdir(parents=True)
    (home / "airflow" / "config" / "airflow_local_settings.py").write_text(POLICY)
    archive, port = home / "archive", _free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW_PORT": str(port),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "NEWSARCHIVE_SCHEDULE": "",
        "NEWSARCHIVE_ARCHIVE": str(archive),
        "NEWSARCHIVE_HOST_MAP": json.dumps(living_replica.host_map),
    }
    script = str(ROOT / "scripts" / "airflow.sh")
    started = subprocess.run(
        [script, "start"], env=env, capture_output=True, text=True, timeout=900
    )
    assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]
    try:
        yield Airflow(f"http://127.0.0.1:{port}", archive, living_replica)
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=180)


def test_clear_the_failed_crawl_alone_then_with_its_downstream_tasks(airflow, living_reference):
    day, run = LIVING_DAYS[0], "recovery_downstream"
    airflow.failing_run(run, day)
    first = airflow.manifest(day, rev=1)
    # Clear the failed crawl alone: its extraction stays upstream_failed, dedup and publish done. It
    # crawls, then fails, naming the task to clear; the archive is as it was.
    airflow.clear(run, [[CRAWL, airflow.faulty]])
    assert airflow.wait(run) == "failed"
    assert airflow.ti(run, CRAWL, airflow.faulty)["state"] == "failed"
    assert (
        f"clear {CRAWL}[{FAULTY}] with its downstream tasks (Clear, Downstream) to publish it"
        in airflow.log(run, CRAWL, airflow.faulty)
    )
    assert airflow.revs(day) == [1]
    # Clear it with its downstream tasks (what the UI's Clear + Downstream does)
    airflow.clear(run, [[CRAWL, airflow.faulty]], include_downstream=True)
    assert airflow.wait(run) == "success"
    healthy = {o: first.outlets[o] for o in OUTLETS if o != FAULTY}
    airflow.whole_day(day, 2, run, healthy)
    settings, reference = living_reference
    same_day(fingerprint(open_store(airflow.archive), day), reference[day], "recovered by a clear")


def test_clear_only_the_failed_tasks_and_the_last_task_publishes(airflow, living_reference):
    day, run = LIVING_DAYS[1], "recovery_only_failed"
    airflow.failing_run(run, day)
    first = airflow.manifest(day, rev=1)
    airflow.clear_run(
        run, only_failed=True
    )  # crawl, its extraction and quality; not dedup, publish
    assert airflow.wait(run) == "success"
    assert airflow.ti(run, "publish")["try_number"] == 1  # publish did not run again: quality did
    assert f"SUMMARY quality {day} rev 2:" in airflow.log(run, "quality")
    airflow.whole_day(day, 2, run, {o: first.outlets[o] for o in OUTLETS if o != FAULTY})
    _, reference = living_reference
    same_day(fingerprint(open_store(airflow.archive), day), reference[day], "only failed, day 2")
    assert airflow.manifest(day).outlets["orient"].revisions == 1  # the day before's story, updated


def test_mark_a_running_crawl_failed_then_clear_the_whole_run(airflow):
    day, run = date(2026, 11, 23), "recovery_whole_run"
    airflow.replica.replica.faults.set(FAULTY, "timeout")  # its crawl runs until it is stopped
    try:
        airflow.trigger(run, day)
        deadline = time.monotonic() + 300
        while airflow.states(run).get(f"{CRAWL}[{FAULTY}]") != "running":
            assert time.monotonic() < deadline, airflow.states(run)
            time.sleep(0.5)
        airflow.mark(run, CRAWL, airflow.faulty, "failed")  # an operator stops a crawl
        assert airflow.wait(run) == "failed"
    finally:
        airflow.replica.replica.faults.clear()
    manifest = airflow.manifest(day, rev=1)
    gap = manifest.outlets[FAULTY].gap
    assert gap is not None and gap.stage == "crawl", manifest.outlets[FAULTY]
    figures = QualityFigures.of(manifest)
    assert any(p.startswith(f"outlet {FAULTY}: 0 new articles") for p in figures.problems)
    health = collect(open_store(airflow.archive), until=day)
    assert [(g.outlet, g.run_id) for g in health.gaps if g.day == day.isoformat()] == [
        (FAULTY, run)
    ]
    airflow.clear_run(run, only_failed=False)  # every task again (a rerun of the day: revisits)
    assert airflow.wait(run) == "success"
    healthy = {o: manifest.outlets[o] for o in OUTLETS if o != FAULTY}
    airflow.whole_day(day, 2, run, healthy, crawled=True)


def test_mark_the_failed_crawl_success_then_trigger_the_date_again(airflow):
    day, run = date(2026, 11, 24), "recovery_new_run"
    airflow.failing_run(run, day)
    before = airflow.manifest(day, rev=1)
    airflow.mark(run, CRAWL, airflow.faulty, "success")  # nothing runs: the archive stays as it was
    assert airflow.manifest(day).to_dict() == before.to_dict()
    health = collect(open_store(airflow.archive), until=day)
    assert [(g.outlet, g.reason) for g in health.gaps if g.day == day.isoformat()] == [
        (FAULTY, "http_500")
    ]
    again = "recovery_new_run_2"
    airflow.trigger(again, day, new_run_of_the_date=True)
    assert airflow.wait(again) == "success"
    manifest = airflow.manifest(day)
    assert (manifest.run_id, manifest.base) == (again, f"{day} rev 1")
    store = open_store(airflow.archive)
    rows = {
        ref.rev: read_rows(store, load_manifest(store, ref))
        for ref in list_snapshots(store, day, day)
    }
    # a rerun of the date captures the healthy outlets' day again (as revisits): the same articles
    assert {r.id for r in rows[2] if r.outlet != FAULTY} == {r.id for r in rows[1]}
    assert {r.outlet for r in rows[2]} == set(OUTLETS)
    airflow.whole_day(day, 2, again)
