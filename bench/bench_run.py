"""`make bench` (whole run): articles per second of one-shot `newsarchive run` over 10,000 replica articles
(2,000 per outlet: crawl, extract, dedup, publish into a local archive), then the wall time of one DAG run
(`airflow dags test`, real Airflow on a throwaway SQLite DB) of the same work beside it.

Both start from an empty archive, so both fetch everything. Usage: python bench/bench_run.py [PER_OUTLET]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import layout  # noqa: E402
from newsarchive.config import Settings  # noqa: E402
from newsarchive.run.pipeline import run_pipeline  # noqa: E402
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


def main() -> None:
    per_outlet = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with (
        tempfile.TemporaryDirectory(prefix="bench-run-") as tmp,
        ReplicaServer(per_outlet=per_outlet) as replica,
    ):
        tmp_path = Path(tmp)
        settings = Settings(
            archive=str(tmp_path / "oneshot"), host_map=replica.host_map, max_articles=1_000_000
        )
        start = time.perf_counter()
        result = run_pipeline(settings, DAY)
        oneshot = time.perf_counter() - start
        archived = result.manifest.archived
        print(
            f"one-shot newsarchive run: {archived:,} articles archived in {oneshot:.1f} s = "
            f"{archived / oneshot:,.1f} articles/s (crawl, extract, dedup, publish; 2 cores)"
        )
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


if __name__ == "__main__":
    main()
