"""`make bench` (whole run): articles per second of one-shot `newsarchive run` over 10,000 replica articles
(2,000 per outlet: crawl, extract, dedup, publish into a local archive), then the wall time of one DAG run
(`airflow dags test`, real Airflow on a throwaway SQLite DB, one task at a time) of the same work beside it,
and the same DAG run under the scheduler as `make run` deploys it (bench/bench_cluster.py's LocalExecutor
run: `scripts/airflow.sh start`, triggered through the REST API).

Both start from an empty archive, so both fetch everything. Each run's stages are printed from its own
log's `TIMING` lines (common/timing.py): crawl and extract per outlet, dedup, publish and its parts; for
the DAG run also each task's time as Airflow recorded it (start to end), so what a task costs beyond its
stage is visible. Usage: python bench/bench_run.py [PER_OUTLET] [--one-shot] [--crawl-concurrency N]
(--one-shot: the one-shot run and its stages only, for comparing commits; --crawl-concurrency: how many
outlets the one-shot run crawls at once, 1-64 as NEWSARCHIVE_CRAWL_CONCURRENCY allows, default its
default, DEFAULT_CRAWL_CONCURRENCY; the environment is not read)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import layout  # noqa: E402
from common.timing import StageTime  # noqa: E402
from newsarchive.config import Settings  # noqa: E402
from newsarchive.run.pipeline import run_pipeline  # noqa: E402
from newsarchive.variables import DEFAULT_CRAWL_CONCURRENCY  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402

DAY = date(2026, 11, 21)


def _bytes_report(archive: Path) -> None:
    """The archive's bytes against the bytes its snapshots list: what runs leave behind besides them."""
    from archive.snapshot import list_snapshots, load_manifest
    from archive.store import open_store

    store = open_store(archive)
    listed = sum(f.size for ref in list_snapshots(store) for f in load_manifest(store, ref).files)
    total = sum(info.size for info in store.list(""))
    staging = sum(info.size for info in store.list(f"{layout.STAGING}/"))
    state = sum(info.size for info in store.list(f"{layout.STATE}/"))
    table = sum(
        info.size for info in store.list(f"{layout.CURRENT}/")
    )  # the current-articles table (derived)
    search = sum(
        info.size for info in store.list(f"{layout.SEARCH}/")
    )  # the search segments (derived)
    rest = total - listed - staging - state - table - search
    print(
        f"archive after the rerun: {total / 1e6:,.1f} MB in all; snapshots' listed files {listed / 1e6:,.1f} MB, "
        f"current-articles table {table / 1e6:,.1f} MB, search segments {search / 1e6:,.1f} MB, "
        f"crawl state {state / 1e6:,.2f} MB, manifests and markers {rest / 1e6:,.2f} MB, "
        f"staging left {staging:,} bytes"
    )


PER_OUTLET_STAGES = ("crawl", "extract")


class _Collect(logging.Handler):
    """The one-shot run's TIMING lines, as its log carries them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: list[StageTime] = []

    def emit(self, record: logging.LogRecord) -> None:
        if (found := StageTime.parse(record.getMessage())) is not None:
            self.times.append(found)


def _stage_lines(label: str, times: list[StageTime]) -> None:
    """Per stage: outlets' sum and longest (they overlap); the run's stages and publish's parts."""
    print(f"stages of the {label} (from its log's TIMING lines):")
    for stage in PER_OUTLET_STAGES:
        mine = [t for t in times if t.stage == stage]
        if mine:
            longest = max(mine, key=lambda t: t.seconds)
            print(
                f"  {stage:8} {len(mine)} outlets, {sum(t.seconds for t in mine):7.1f} s summed, "
                f"longest {longest.seconds:.1f} s ({longest.subject})"
            )
    for stage in ("dedup", "publish"):
        print(f"  {stage:8} {sum(t.seconds for t in times if t.stage == stage):7.1f} s")
    parts = {}
    for t in times:
        if t.stage.startswith("publish."):
            part = t.stage.removeprefix("publish.")
            parts[part] = parts.get(part, 0.0) + t.seconds
    if parts:
        print(
            "    publish's parts (upload overlaps cdxj and parquet): "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())
        )


def _dag_times(home: Path, output: str) -> tuple[list[StageTime], list[tuple[str, float]]]:
    """The DAG run's TIMING lines from its task logs (`dags test` runs the tasks in its own process and
    prints their logs; an executor writes them under logs/), and each task's time as Airflow recorded it."""
    logs = [output] + [log.read_text(errors="replace") for log in (home / "logs").rglob("*.log")]
    times = [
        found
        for text in logs
        for line in text.splitlines()
        if (found := StageTime.parse(line)) is not None
    ]
    with sqlite3.connect(home / "airflow.db") as db:
        tasks = db.execute(
            "SELECT task_id, map_index, (julianday(end_date) - julianday(start_date)) * 86400 "
            "FROM task_instance WHERE end_date IS NOT NULL ORDER BY start_date"
        ).fetchall()
    return times, [(f"{t}[{i}]" if i >= 0 else t, s) for t, i, s in tasks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("per_outlet", nargs="?", type=int, default=2000, metavar="PER_OUTLET")
    parser.add_argument("--one-shot", action="store_true", help="the one-shot run only")
    parser.add_argument(
        "--crawl-concurrency",
        type=int,
        default=DEFAULT_CRAWL_CONCURRENCY,
        help="outlets the one-shot run crawls at once (default %(default)s)",
    )
    args = parser.parse_args()
    if args.per_outlet < 1 or not 1 <= args.crawl_concurrency <= 64:
        parser.error("PER_OUTLET must be at least 1, --crawl-concurrency from 1 to 64")
    per_outlet = args.per_outlet
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with (
        tempfile.TemporaryDirectory(prefix="bench-run-") as tmp,
        ReplicaServer(per_outlet=per_outlet) as replica,
    ):
        tmp_path = Path(tmp)
        settings = Settings(
            archive=str(tmp_path / "oneshot"),
            host_map=replica.host_map,
            max_articles=1_000_000,
            crawl_concurrency=args.crawl_concurrency,
        )
        collect = _Collect()
        timing_log = logging.getLogger("common.timing")
        timing_log.setLevel(logging.INFO)
        timing_log.addHandler(collect)
        start = time.perf_counter()
        result = run_pipeline(settings, DAY)
        oneshot = time.perf_counter() - start
        timing_log.removeHandler(collect)
        archived = result.manifest.archived
        print(
            f"one-shot newsarchive run: {archived:,} articles archived in {oneshot:.1f} s = "
            f"{archived / oneshot:,.1f} articles/s (crawl, extract, dedup, publish; 2 cores)"
        )
        _stage_lines("one-shot run", collect.times)
        if args.one_shot:
            return
        rerun_settings = settings.with_(outlets_path=None, refetch=False)
        start = time.perf_counter()
        rerun = run_pipeline(rerun_settings, DAY, ["anapress"])  # a targeted rerun of the day
        print(
            f"targeted rerun of the day (anapress only, incremental): {time.perf_counter() - start:.1f} s; "
            f"rev 2 holds {rerun.manifest.archived:,} articles, {rerun.manifest.carried:,} carried from rev 1"
        )
        _bytes_report(tmp_path / "oneshot")

        home = tmp_path / "airflow"
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "NEWSARCHIVE_ARCHIVE": str(tmp_path / "dag"),
            "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
            "NEWSARCHIVE_MAX_ARTICLES": "1000000",
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        }
        airflow = [sys.executable, "-m", "airflow"]
        subprocess.run([*airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*airflow, "pools", "set", "newsarchive_crawl", "2", "bench"],
            env=env,
            check=True,
            capture_output=True,
        )
        start = time.perf_counter()
        proc = subprocess.run(
            [*airflow, "dags", "test", "news_archive", f"{DAY.isoformat()}T03:00:00+00:00"],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        dag = time.perf_counter() - start
        from archive.snapshot import read_manifest, resolve_snapshot
        from archive.store import open_store

        store = open_store(tmp_path / "dag")
        dag_archived = read_manifest(store, resolve_snapshot(store, DAY.isoformat()))["counts"][
            "archived"
        ]
        print(
            f"DAG run (airflow dags test, exit {proc.returncode}, {dag_archived:,} articles archived): "
            f"{dag:.1f} s beside one-shot {oneshot:.1f} s = {dag / oneshot:.2f}x"
        )
        dag_times, tasks = _dag_times(home, proc.stdout)
        _stage_lines("DAG run", dag_times)
        print(
            f"  Airflow's task times ({sum(s for _, s in tasks):.1f} s summed): "
            + ", ".join(f"{name} {seconds:.1f}" for name, seconds in tasks)
        )
        # `dags test` runs one task at a time; the scheduler runs the DAG as `make run` deploys it
        from bench_cluster import bench_local

        print(
            "DAG run under the scheduler (scripts/airflow.sh start, what `make run` starts; "
            "triggered through the REST API, timed to the run's end):"
        )
        common = {
            "NEWSARCHIVE_SCHEDULE": "",
            "NEWSARCHIVE_MAX_ARTICLES": "1000000",
            "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
        }
        scheduled = bench_local(tmp_path, common, str(tmp_path / "scheduled"))
        print(
            f"  {scheduled:.1f} s beside one-shot {oneshot:.1f} s = {scheduled / oneshot:.2f}x "
            f"(crawl pool: NEWSARCHIVE_CRAWL_SLOTS, default {DEFAULT_CRAWL_CONCURRENCY}; the one-shot "
            f"crawls {settings.crawl_concurrency} at once)"
        )
        print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
