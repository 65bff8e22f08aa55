"""How long a newcomer waits for a successful run in the Airflow UI: `make run REPLICA=1`'s script
(scripts/airflow.sh start, with the living replica) from a fresh AIRFLOW_HOME until the REST API reports
the first DAG run `success`, beside what a user would do by hand instead: start the replica, create the
crawl pool and start `airflow standalone` with Airflow's defaults, poll its health every 2 s and
unpause the DAG with the airflow CLI. Each on its own port and home; both crawl the same kind of replica.
Prints the figures of this run only (the machine's load changes them: run both in the same run)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
LIMIT_S = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _first_run(base: str, t0: float) -> tuple[str, float, dict]:
    """The first DAG run to end: its state, seconds from t0, and its record."""
    while time.monotonic() - t0 < LIMIT_S:
        try:
            runs = _get(f"{base}/api/v2/dags/news_archive/dagRuns?limit=5")["dag_runs"]
        except OSError:
            runs = []
        for run in runs:
            if run["state"] in ("success", "failed"):
                return run["state"], time.monotonic() - t0, run
        time.sleep(0.5)
    return "timeout", time.monotonic() - t0, {}


def _env(home: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW_PORT": str(port),
        "NEWSARCHIVE_ARCHIVE": str(home / "archive"),
        "REPLICA": "1",
    }


def ours(home: Path) -> tuple[float, str, float]:
    port = _free_port()
    env = _env(home, port)
    script = str(ROOT / "scripts" / "airflow.sh")
    t0 = time.monotonic()
    try:
        subprocess.run([script, "start"], env=env, check=True, capture_output=True, timeout=LIMIT_S)
        started = time.monotonic() - t0
        state, ended, _ = _first_run(f"http://127.0.0.1:{port}", t0)
        return started, state, ended
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)


def by_hand(home: Path) -> tuple[float, str, float]:
    """Airflow's defaults: `airflow standalone`, health polled every 2 s, `airflow dags unpause`."""
    port = _free_port()
    env = _env(home, port)
    airflow_home = Path(env["AIRFLOW_HOME"])
    airflow_home.mkdir(parents=True)
    env.update(
        {
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    airflow = str(VENV_BIN / "airflow")
    t0 = time.monotonic()
    log = home / "replica.log"
    with log.open("w") as out:
        replica = subprocess.Popen(
            [str(VENV_BIN / "newsarchive"), "replica", "--living", "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    standalone = None
    try:
        while not (
            host_map := next(
                (line for line in log.read_text().splitlines() if line.startswith("{")), ""
            )
        ):
            if replica.poll() is not None:
                raise RuntimeError(f"the replica exited: {log.read_text()[-500:]}")
            time.sleep(0.1)
        env["NEWSARCHIVE_HOST_MAP"] = host_map
        subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run(
            [airflow, "pools", "set", "newsarchive_crawl", "2", "crawls"],
            env=env,
            check=True,
            capture_output=True,
        )
        standalone = subprocess.Popen(
            [airflow, "standalone"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                _get(f"{base}/api/v2/monitor/health")
                break
            except OSError:
                time.sleep(2)
        while subprocess.run(
            [airflow, "dags", "unpause", "news_archive"], env=env, capture_output=True
        ).returncode:
            time.sleep(2)
        started = time.monotonic() - t0
        state, ended, _ = _first_run(base, t0)
        return started, state, ended
    finally:
        for process in (standalone, replica):
            if process is not None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    if not (VENV_BIN / "airflow").exists():
        sys.exit("bench_first_run: .venv has no airflow; run make setup first")
    print(
        f"first successful run of news_archive on the living replica (load average {os.getloadavg()[0]:.1f}, "
        f"{os.cpu_count()} CPUs)"
    )
    for label, run in (
        ("make run REPLICA=1 (scripts/airflow.sh)", ours),
        ("by hand: airflow standalone, defaults", by_hand),
    ):
        home = Path(tempfile.mkdtemp(prefix="bench-first-run-"))
        try:
            started, state, ended = run(home)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        print(
            f"  {label:<42} DAG unpaused after {started:5.1f} s, first run {state} after {ended:5.1f} s "
            f"(the run itself {ended - started:4.1f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
