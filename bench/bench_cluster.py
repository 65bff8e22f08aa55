"""`make bench` (cluster): wall time of one DAG run on the CeleryExecutor cluster (scripts/cluster.sh: PostgreSQL,
Redis, two Celery workers x 2) beside the same run on the LocalExecutor (scripts/airflow.sh, the `make run`
setup: SQLite, parallelism the crawl slots + 1), over the same replica work: 10,000 articles (2,000 per outlet), each from an
empty prefix of one SeaweedFS S3 server, so both fetch everything. Each run is triggered through the REST API
and timed from the trigger to the run's end; per stage, the task time summed and the stage's wall span.

Usage: python bench/bench_cluster.py [PER_OUTLET] [cluster-first]  (the default order: LocalExecutor first)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.snapshot import read_manifest, resolve_snapshot  # noqa: E402
from archive.store import open_store  # noqa: E402
from newsarchive.variables import DEFAULT_CRAWL_CONCURRENCY  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from tests.s3server import SeaweedS3  # noqa: E402

DAY = date(2026, 11, 21)
WORKERS, CONCURRENCY = 2, 2
# the crawl pool is NEWSARCHIVE_CRAWL_SLOTS's default (or the environment's), as deployed


def _api(base: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _when(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def timed_run(base: str, run_id: str) -> tuple[float, str, list[dict]]:
    """Trigger a run of DAY, wait for its end: (seconds, state, task instances)."""
    start = time.perf_counter()
    _api(
        base,
        "/api/v2/dags/news_archive/dagRuns",
        {"dag_run_id": run_id, "logical_date": f"{DAY}T03:00:00Z"},
    )
    while True:
        state = _api(base, f"/api/v2/dags/news_archive/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            break
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    tis = _api(base, f"/api/v2/dags/news_archive/dagRuns/{run_id}/taskInstances?limit=100")[
        "task_instances"
    ]
    return seconds, state, tis


def stages(tis: list[dict]) -> str:
    """Per stage: task time summed / wall span from its first start to its last end."""
    parts = []
    for stage in ("crawl", "extract", "dedup", "publish"):
        mine = [
            t for t in tis if t["task_id"].endswith(stage) and t["start_date"] and t["end_date"]
        ]
        if mine:
            busy = sum(_when(t["end_date"]) - _when(t["start_date"]) for t in mine)
            span = max(_when(t["end_date"]) for t in mine) - min(
                _when(t["start_date"]) for t in mine
            )
            parts.append(f"{stage} {busy:.1f}/{span:.1f} s")
    return ", ".join(parts)


def archived(prefix: str) -> int:
    store = open_store(prefix)
    return read_manifest(store, resolve_snapshot(store, DAY.isoformat()))["counts"]["archived"]


def bench_local(
    tmp: Path, common: dict[str, str], archive: str = "s3://archive/bench-local"
) -> float:
    """The LocalExecutor: what `make run` starts (bench/bench_run.py runs it too, on a local archive)."""
    port = _free_port()
    env = {
        **os.environ,
        **common,
        "AIRFLOW_HOME": str(tmp / "standalone"),
        "AIRFLOW_PORT": str(port),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "NEWSARCHIVE_ARCHIVE": archive,
    }
    slots = int(env.get("NEWSARCHIVE_CRAWL_SLOTS", DEFAULT_CRAWL_CONCURRENCY))
    parallelism = env.get("AIRFLOW__CORE__PARALLELISM", str(slots + 1))  # scripts/airflow.sh's rule
    script = str(ROOT / "scripts" / "airflow.sh")
    subprocess.run([script, "start"], env=env, check=True, capture_output=True, timeout=900)
    try:
        seconds, state, tis = timed_run(f"http://127.0.0.1:{port}", "bench_local")
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=300)
    print(
        f"  LocalExecutor (airflow standalone, SQLite, parallelism {parallelism}): {seconds:.1f} s, {state}, "
        f"{archived(archive):,} archived; {stages(tis)}"
    )
    return seconds


def bench_cluster(tmp: Path, common: dict[str, str]) -> float:
    """The CeleryExecutor cluster: what `make cluster` starts."""
    env = {
        **os.environ,
        **common,
        "NEWSARCHIVE_CLUSTER_HOME": str(tmp / "cluster"),
        "NEWSARCHIVE_ARCHIVE": "s3://archive/bench-cluster",
        "NEWSARCHIVE_WORKERS": str(WORKERS),
        "NEWSARCHIVE_WORKER_CONCURRENCY": str(CONCURRENCY),
    }
    script = str(ROOT / "scripts" / "cluster.sh")
    start = time.perf_counter()
    subprocess.run([script, "start"], env=env, check=True, capture_output=True, timeout=900)
    startup = time.perf_counter() - start
    try:
        cluster_env = (tmp / "cluster" / "cluster.env").read_text()
        port = int(
            next(
                line.split("=", 1)[1]
                for line in cluster_env.splitlines()
                if line.startswith("export API_PORT=")
            )
        )
        seconds, state, tis = timed_run(f"http://127.0.0.1:{port}", "bench_cluster")
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=300)
    hosts = sorted({t["hostname"] for t in tis})
    print(
        f"  CeleryExecutor ({WORKERS} workers x {CONCURRENCY}, PostgreSQL, Redis; started in {startup:.1f} s): "
        f"{seconds:.1f} s, {state}, {archived('s3://archive/bench-cluster'):,} archived, tasks on "
        f"{', '.join(hosts)}; {stages(tis)}"
    )
    return seconds


def main() -> None:
    per_outlet = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    (ROOT / "var").mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-", dir=ROOT / "var"))
    tmp.chmod(
        0o755
    )  # PostgreSQL's data directory is inside, and its server runs as user postgres under root
    s3 = SeaweedS3(tmp / "s3").start()
    os.environ.update(s3.env)
    s3.create_bucket("archive")
    (tmp / "tmp").mkdir()  # the tasks' temp space, apart from other processes' sweeps of /tmp
    common = {
        "NEWSARCHIVE_SCHEDULE": "",
        "NEWSARCHIVE_MAX_ARTICLES": "1000000",
        "TMPDIR": str(tmp / "tmp"),
    }
    try:
        with ReplicaServer(per_outlet=per_outlet) as replica:
            common["NEWSARCHIVE_HOST_MAP"] = json.dumps(replica.host_map)
            print(
                f"bench_cluster: one DAG run of {5 * per_outlet:,} replica articles ({per_outlet:,} per outlet), "
                "empty archive prefix, per stage: task time summed / wall span"
            )

            order = (
                [bench_cluster, bench_local]
                if "cluster-first" in sys.argv[2:]
                else [bench_local, bench_cluster]
            )
            seconds = {bench.__name__: bench(tmp, common) for bench in order}
            print(
                f"  cluster / LocalExecutor: {seconds['bench_cluster'] / seconds['bench_local']:.2f}x "
                f"(one machine: the workers share its 2 cores; "
                f"{'the cluster' if order[0] is bench_cluster else 'the LocalExecutor'} ran first)"
            )
    finally:
        s3.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
