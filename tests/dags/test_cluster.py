"""The DAG on the CeleryExecutor with real workers, all on 127.0.0.1: scripts/cluster.sh (what `make cluster`
runs) starts PostgreSQL, Redis, the api-server, scheduler, dag-processor, triggerer and two Celery workers
(one task at a time each), with the archive on the session's SeaweedFS server and the outlets on the replica.

Two runs of the living replica's first two days are triggered through the REST API at once;
`max_active_runs=1` queues the second behind the first.
- Run A (2026-11-21): once worker X has finished a task and is running a crawl, X and every process under
  it are SIGKILLed by PID (a lost machine). The scheduler finds the crawl without a heartbeat, it is
  retried on the other worker, then X is started again. The run and every task instance succeed, on both
  workers, and the day is the one `newsarchive run` makes (tests/equivalence.py: the same article ids,
  duplicates, revisions, texts and gaps), whatever order the crawls finished in; re-extraction with the
  same rules publishes nothing.
- Run B (2026-11-22): B's crawls (on any worker) read the crawl state A's publish committed and fetch
  only what is new; its day, with Orient's revision of A's story, is the one `newsarchive run` makes.
- Over both runs, no outlet has two crawls running at once and the crawl pool is never exceeded.

Test-only settings: a 20 s heartbeat timeout and, through a cluster policy (airflow_local_settings.py),
a 1 s retry delay; the DAG itself is as deployed. Every process is stopped by PID at the end, on failure too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import psutil
import pytest

from archive.snapshot import load_manifest, read_manifest, read_rows, resolve_snapshot
from archive.store import open_store
from archive.verify import verify_snapshot
from tests.conftest import ROOT
from tests.equivalence import LIVING_DAYS, fingerprint, reextract_publishes_nothing, same_day

pytestmark = pytest.mark.slow

SCRIPT = ROOT / "scripts" / "cluster.sh"
ARTIFACTS = ROOT / "var" / "test-artifacts"
ARCHIVE = "s3://archive/cluster"
RUN_A, DAY_A = "cluster_a", LIVING_DAYS[0].isoformat()
RUN_B, DAY_B = "cluster_b", LIVING_DAYS[1].isoformat()
CRAWL = "per_outlet.crawl"
CRAWL_SLOTS = 2
OUTLETS = ["anapress", "enabbaladi", "euronews", "orient", "zamanalwsl"]
POLICY = '''"""Test cluster only: retry a task 1 s after it failed (the DAG's own delay is minutes)."""
from datetime import timedelta


def task_policy(task):
    task.retry_delay = timedelta(seconds=1)
'''


def _missing_services() -> str | None:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return "Debian package postgresql is not installed (.ci/run installs it)"
    if shutil.which("redis-server") is None:
        return "Debian package redis-server is not installed (.ci/run installs it)"
    return None


def _api(base: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _tis(base: str, run_id: str) -> list[dict]:
    return _api(base, f"/api/v2/dags/news_archive/dagRuns/{run_id}/taskInstances?limit=100")[
        "task_instances"
    ]


def _tries(base: str, run_id: str, ti: dict) -> list[dict]:
    path = f"/api/v2/dags/news_archive/dagRuns/{run_id}/taskInstances/{ti['task_id']}/{ti['map_index']}/tries"
    return _api(base, path)["task_instances"]


def _when(value: str | None) -> float:
    return (
        datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else float("inf")
    )


class Cluster:
    def __init__(self, home: Path, env: dict[str, str]):
        self.home, self.env = home, env
        self.started: dict[int, float] = {}  # PID -> its start time (a PID can be reused later)

    def script(self, action: str, timeout: float = 420) -> str:
        done = subprocess.run(
            [str(SCRIPT), action], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, (
            f"cluster.sh {action} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        for pid in self.pids().values():
            if pid not in self.started and psutil.pid_exists(pid):
                self.started[pid] = psutil.Process(pid).create_time()
        return done.stdout

    def still_running(self) -> list[int]:
        left = []
        for pid, created in self.started.items():
            try:
                proc = psutil.Process(pid)
                if proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE:
                    left.append(pid)
            except psutil.NoSuchProcess:
                pass
        return left

    def pids(self) -> dict[str, int]:
        return {
            p.stem: int(p.read_text())
            for p in (self.home / "pids").glob("*.pid")
            if "." not in p.stem
        }

    @property
    def base(self) -> str:
        port = next(
            line.split("=", 1)[1]
            for line in (self.home / "cluster.env").read_text().splitlines()
            if line.startswith("export API_PORT=")
        )
        return f"http://127.0.0.1:{port}"

    def kill_worker(self, name: str) -> list[int]:
        """SIGKILL a worker and every process under it, each by its PID: what losing its machine does."""
        worker = psutil.Process(self.pids()[name])
        victims = [worker, *worker.children(recursive=True)]
        for proc in victims:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, alive = psutil.wait_procs(victims, timeout=10)
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"still alive after SIGKILL: {alive}"
        return [p.pid for p in victims]


@pytest.fixture(scope="module")
def cluster(living_replica, s3_server):
    if reason := _missing_services():
        pytest.skip(reason)
    home = ROOT / "var" / f"test-cluster-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    (home / "airflow" / "config").mkdir(parents=True)
    (home / "airflow" / "config" / "airflow_local_settings.py").write_text(POLICY)
    (home / "tmp").mkdir()
    env = {
        **os.environ,
        "NEWSARCHIVE_CLUSTER_HOME": str(home),
        "NEWSARCHIVE_ARCHIVE": ARCHIVE,
        "NEWSARCHIVE_HOST_MAP": json.dumps(living_replica.host_map),
        "NEWSARCHIVE_SCHEDULE": "",
        "NEWSARCHIVE_WORKERS": "2",
        "NEWSARCHIVE_WORKER_CONCURRENCY": "1",
        "NEWSARCHIVE_CRAWL_SLOTS": str(CRAWL_SLOTS),
        "NEWSARCHIVE_PG_OPTIONS": "-c fsync=off -c full_page_writes=off",  # a throwaway database
        "TMPDIR": str(
            home / "tmp"
        ),  # the tasks' temp space, apart from other processes' sweeps of /tmp
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
    }
    cluster = Cluster(home, env)
    try:
        cluster.script("start")
        yield cluster
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=300)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(ARTIFACTS / "cluster-logs", ignore_errors=True)
        if (home / "logs").exists():
            shutil.copytree(home / "logs", ARTIFACTS / "cluster-logs")
        left = cluster.still_running()
        env_file = home / "cluster.env"
        pg_data = (
            next(
                (
                    line.split("=", 1)[1]
                    for line in env_file.read_text().splitlines()
                    if line.startswith("export PG_DATA=")
                ),
                None,
            )
            if env_file.exists()
            else None
        )
        if pg_data and not Path(pg_data).is_relative_to(
            home
        ):  # cluster.sh's fallback outside closed parents
            shutil.rmtree(pg_data, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        assert not left, f"still running after cluster.sh stop: {left}"


@pytest.fixture(scope="module")
def runs(cluster, living_reference):
    """Trigger A and B together, kill a worker during one of A's crawls, wait for both runs to end."""
    base = cluster.base
    started = time.monotonic()
    for run_id, day in ((RUN_A, DAY_A), (RUN_B, DAY_B)):
        _api(
            base,
            "/api/v2/dags/news_archive/dagRuns",
            {"dag_run_id": run_id, "logical_date": f"{day}T03:00:00Z"},
        )
    killed = None
    deadline = time.monotonic() + 420
    while killed is None and time.monotonic() < deadline:
        tis = _tis(base, RUN_A)
        done_on = {t["hostname"] for t in tis if t["state"] == "success"}
        crawling = [
            t
            for t in tis
            if t["task_id"] == CRAWL and t["state"] == "running" and t["hostname"] in done_on
        ]
        if crawling:
            ti = crawling[0]
            killed = {
                "worker": ti["hostname"],
                "outlet": ti["rendered_map_index"],
                "map_index": ti["map_index"],
                "pids": cluster.kill_worker(ti["hostname"]),
                "at": time.time(),
            }
            break
        if any(t["task_id"] == CRAWL for t in tis) and all(
            t["state"] == "success" for t in tis if t["task_id"] == CRAWL
        ):
            break
        time.sleep(0.25)
    assert killed, "no crawl ran on a worker that had already finished a task: nothing was killed"
    # bring the lost worker back once its crawl has been retried and finished elsewhere
    while time.monotonic() < deadline:
        ti = next(
            t
            for t in _tis(base, RUN_A)
            if t["task_id"] == CRAWL and t["map_index"] == killed["map_index"]
        )
        if ti["state"] in ("success", "failed", "upstream_failed"):
            killed["outlet"] = ti["rendered_map_index"]  # rendered when the task ends
            break
        time.sleep(1)
    cluster.script("start")
    states = {}
    while time.monotonic() < deadline:
        states = {
            r: _api(base, f"/api/v2/dags/news_archive/dagRuns/{r}")["state"] for r in (RUN_A, RUN_B)
        }
        if all(s in ("success", "failed") for s in states.values()):
            break
        time.sleep(2)
    figures = _figures(base, killed)
    figures["trigger_to_both_ended_s"] = round(time.monotonic() - started, 1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "cluster-figures.json").write_text(json.dumps(figures, indent=1))
    return {
        "base": base,
        "killed": killed,
        "states": states,
        "figures": figures,
        "reference": living_reference,
    }


def _figures(base: str, killed: dict) -> dict:
    """Durations from the API's start and end times, kept in var/test-artifacts/cluster-figures.json."""
    figures: dict = {"killed": {k: killed[k] for k in ("worker", "outlet")}}
    for run_id in (RUN_A, RUN_B):
        run = _api(base, f"/api/v2/dags/news_archive/dagRuns/{run_id}")
        if run["start_date"] and run["end_date"]:
            figures[f"{run_id}_s"] = round(_when(run["end_date"]) - _when(run["start_date"]), 1)
    ti = next(
        t
        for t in _tis(base, RUN_A)
        if t["task_id"] == CRAWL and t["map_index"] == killed["map_index"]
    )
    tries = sorted(_tries(base, RUN_A, ti), key=lambda t: t["try_number"])
    if len(tries) > 1 and tries[0]["end_date"] and tries[1]["start_date"]:
        figures["kill_to_try_failed_s"] = round(_when(tries[0]["end_date"]) - killed["at"], 1)
        figures["kill_to_retry_started_s"] = round(_when(tries[1]["start_date"]) - killed["at"], 1)
    return figures


def test_run_a_succeeds_with_every_task_on_the_celery_workers_both_of_them(runs):
    base = runs["base"]
    assert runs["states"][RUN_A] == "success", runs
    tis = _tis(base, RUN_A)
    assert {t["state"] for t in tis} == {"success"}
    assert sorted(t["rendered_map_index"] for t in tis if t["task_id"] == CRAWL) == OUTLETS
    assert {t["hostname"] for t in tis} == {"worker-1", "worker-2"}
    assert {t["queue"] for t in tis if t["task_id"] == CRAWL} == {"crawl"}
    assert {t["queue"] for t in tis if t["task_id"] != CRAWL} == {"process"}


def test_the_crawl_of_a_killed_worker_is_retried_and_completes_on_the_other_worker(runs):
    base, killed = runs["base"], runs["killed"]
    ti = next(
        t
        for t in _tis(base, RUN_A)
        if t["task_id"] == CRAWL and t["map_index"] == killed["map_index"]
    )
    tries = sorted(_tries(base, RUN_A, ti), key=lambda t: t["try_number"])
    assert [(t["try_number"], t["hostname"]) for t in tries][0] == (1, killed["worker"])
    assert (
        tries[0]["state"] == "failed"
    )  # no heartbeat: the scheduler failed it and scheduled the retry
    assert tries[-1]["state"] == "success" and tries[-1]["hostname"] != killed["worker"]
    assert (
        len(killed["pids"]) >= 3
    )  # the worker, its pool process and the task's supervisor at least


def test_run_a_snapshot_verifies_and_is_the_day_the_one_shot_run_makes(runs):
    store = open_store(ARCHIVE)
    ref = resolve_snapshot(store, DAY_A)
    manifest = read_manifest(store, ref)
    assert manifest["run_id"] == RUN_A
    assert verify_snapshot(store, ref) == []
    settings, reference = runs["reference"]
    expected = load_manifest(
        open_store(settings.archive), resolve_snapshot(open_store(settings.archive), DAY_A)
    )
    # nothing lost, nothing twice: the killed crawl's retry rewrote its own staging objects only
    assert manifest["counts"]["archived"] == expected.archived
    same_day(fingerprint(store, LIVING_DAYS[0]), reference[LIVING_DAYS[0]], "Celery cluster")
    reextract_publishes_nothing(ARCHIVE, LIVING_DAYS[0])


def test_run_b_fetches_only_what_run_a_did_not_archive_and_is_the_cli_day(runs):
    base = runs["base"]
    assert runs["states"][RUN_B] == "success", runs["states"]
    assert {t["state"] for t in _tis(base, RUN_B)} == {"success"}
    store = open_store(ARCHIVE)
    day_a = {r.url for r in read_rows(store, load_manifest(store, resolve_snapshot(store, DAY_A)))}
    manifest = load_manifest(store, resolve_snapshot(store, DAY_B))
    rows_b = [r for r in read_rows(store, manifest) if r.carried_from is None]
    fetched_b = {r.url for r in rows_b if r.via != r.url}  # a revisit names its own page (issue 28)
    assert fetched_b and not fetched_b & day_a  # the crawl state A's publish committed was read
    assert manifest.outlets["orient"].revisions == 1  # A's story, updated on B's day
    _, reference = runs["reference"]
    same_day(fingerprint(store, LIVING_DAYS[1]), reference[LIVING_DAYS[1]], "Celery cluster, day 2")


def test_no_outlet_is_crawled_twice_at_once_and_the_pool_bounds_the_crawls(runs):
    base = runs["base"]
    spans = []  # (start, end, outlet, run, try)
    for run_id in (RUN_A, RUN_B):
        for ti in _tis(base, run_id):
            if ti["task_id"] == CRAWL:
                for t in _tries(base, run_id, ti):
                    spans.append(
                        (
                            _when(t["start_date"]),
                            _when(t["end_date"]),
                            ti["rendered_map_index"],
                            run_id,
                            t["try_number"],
                        )
                    )
    assert len(spans) == 2 * len(OUTLETS) + 1  # the killed crawl ran twice
    for i, a in enumerate(spans):
        for b in spans[i + 1 :]:
            if a[2] == b[2]:
                assert a[1] <= b[0] or b[1] <= a[0], f"{a[2]} crawled twice at once: {a} and {b}"
    events = sorted([(s, 1) for s, *_ in spans] + [(e, -1) for _, e, *_ in spans])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak <= CRAWL_SLOTS


def test_the_archive_page_reads_the_s3_archive_through_the_workers_connection(runs):
    """`make cluster` loads the Archive plugin; its API server reads the bucket with the credentials of the
    Airflow connection the workers use (NEWSARCHIVE_AWS_CONN_ID), not from its own environment."""
    base = runs["base"]
    plugins = _api(base, "/api/v2/plugins")["plugins"]
    assert "newsarchive" in [p["name"] for p in plugins]
    health = _api(base, "/newsarchive/health.json")
    assert health["archive"] == ARCHIVE
    snapshots = {(s["day"], s["run_id"]): s for s in health["snapshots"]}
    settings, _ = runs["reference"]
    expected = load_manifest(
        open_store(settings.archive), resolve_snapshot(open_store(settings.archive), DAY_A)
    )
    assert snapshots[(DAY_A, RUN_A)]["articles"] == expected.archived
    assert sorted(o["outlet"] for o in health["outlets"]) == OUTLETS
