"""How long an outage takes to show, on the living replica under the real scheduler (issue 30).

`scripts/airflow.sh start` with REPLICA=1 (what `make run REPLICA=1` runs), an OpenTelemetry collector
(an OTLP/HTTP receiver in this process), the Prometheus text file and an SMTP server on loopback. A first
run for yesterday on the healthy replica; then zamanalwsl is switched to http_500 (`scripts/airflow.sh
fault`, i.e. `make fault`) and a run for today is triggered. From the replica's first 500 (the time the
replica itself records), this prints when each signal showed the outlet failing:

  (a) the Archive page (its /newsarchive/health.json, polled every second)
  (b) `newsarchive health` going CRITICAL naming the outlet (run in a loop)
  (c) the metric reaching the collector (newsarchive_outlet_state{state=retrying|failed})

beside the baseline an operator had before, measured in the same run: (d) the snapshot's manifest
recording the gap (all the Archive page could show before: it read manifests only) and (e) the failure
alert of the crawl (sent after its last try).

usage: python bench/bench_ops.py            (about 12 minutes; prefix with nice -n 5 on a shared machine)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dags.test_scheduler import _free_port  # noqa: E402
from tests.otlp import OtlpReceiver  # noqa: E402
from tests.smtp import SmtpSink  # noqa: E402

SCRIPT = str(ROOT / "scripts" / "airflow.sh")
NEWSARCHIVE = str(ROOT / ".venv" / "bin" / "newsarchive")
FAULTY = "zamanalwsl"


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _run_done(base: str, run_id: str, timeout: float = 1200) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _get(f"{base}/api/v2/dags/news_archive/dagRuns/{run_id}")["state"]
        if state in ("success", "failed"):
            return state
        time.sleep(3)
    raise SystemExit(f"run {run_id} did not end within {timeout:.0f} s")


def _trigger(env: dict, day: str) -> str:
    done = subprocess.run([SCRIPT, "trigger", day], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.split()[1]


def critical(env: dict, lines: list[str]) -> bool:
    """`newsarchive health` exits 2 naming the outlet as failing (its line kept)."""
    done = subprocess.run([NEWSARCHIVE, "health"], env=env, capture_output=True, text=True)
    if done.returncode == 2 and f"failing: {FAULTY}" in done.stdout:
        lines.append(done.stdout.strip())
        return True
    return False


class Watch:
    """When each signal first showed the outlet failing (time.time())."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def mark(self, name: str) -> None:
        self.seen.setdefault(name, time.time())

    def loop(self, name: str, probe, every: float) -> None:
        while not self.stop.is_set() and name not in self.seen:
            try:
                if probe():
                    self.mark(name)
            except (OSError, ValueError, KeyError):
                pass
            self.stop.wait(every)


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="bench_ops_"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    today = datetime.now(UTC).date()
    with OtlpReceiver() as otlp, SmtpSink() as smtp:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home / "airflow"),
            "AIRFLOW_PORT": str(port),
            "NEWSARCHIVE_SCHEDULE": "",
            "NEWSARCHIVE_ARCHIVE": str(home / "archive"),
            "NEWSARCHIVE_METRICS_FILE": str(home / "metrics" / "newsarchive.prom"),
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
            "REPLICA": "1",
            **smtp.alert_env("ops@example.org"),
        }
        started = subprocess.run([SCRIPT, "start"], env=env, capture_output=True, text=True)
        if started.returncode:
            raise SystemExit(started.stdout + started.stderr)
        try:
            first = _trigger(env, (today - timedelta(days=1)).isoformat())
            print(f"healthy run for yesterday: {_run_done(base, first)}", flush=True)
            health = subprocess.run(
                [NEWSARCHIVE, "health"], env=env, capture_output=True, text=True
            )
            print(f"before the fault: {health.stdout.strip()}", flush=True)
            switched = time.time()
            fault = subprocess.run(
                [SCRIPT, "fault", f"{FAULTY}:http_500"], env=env, capture_output=True, text=True
            )
            print(fault.stdout.strip(), flush=True)
            run_id = _trigger(env, today.isoformat())
            watch = Watch()
            lines: list[str] = []  # the first CRITICAL line of newsarchive health
            log = (home / "airflow" / "replica.log").read_text().splitlines()
            address = json.loads(next(x for x in log if x.startswith("{")))["www.zamanalwsl.net"]
            probes = {
                "(a) Archive page": (
                    lambda: any(
                        o["outlet"] == FAULTY
                        and o["status"]
                        and o["status"]["state"] in ("retrying", "failed")
                        and o["status"]["day"] == today.isoformat()
                        for o in _get(f"{base}/newsarchive/health.json")["outlets"]
                    ),
                    1.0,
                ),
                "(b) newsarchive health CRITICAL": (lambda: critical(env, lines), 2.0),
                "(d) baseline: the manifest's gap": (
                    lambda: any(
                        p.name == "_SUCCESS"
                        for p in (home / "archive" / "snapshots" / f"date={today}").rglob(
                            "_SUCCESS"
                        )
                    ),
                    1.0,
                ),
                "(e) baseline: the crawl's failure alert": (
                    lambda: any("per_outlet.crawl" in m["Subject"] for m in smtp.handler.messages),
                    1.0,
                ),
            }
            threads = [
                threading.Thread(target=watch.loop, args=(name, probe, every), daemon=True)
                for name, (probe, every) in probes.items()
            ]
            for t in threads:
                t.start()
            point = otlp.wait_for(
                lambda p: (
                    p.name == "newsarchive_outlet_state"
                    and p.attributes.get("outlet") == FAULTY
                    and p.attributes.get("state") in ("retrying", "failed")
                    and p.value == 1
                ),
                timeout=900,
            )
            if point:
                watch.seen["(c) metric at the collector"] = point.received
            state = _run_done(base, run_id)
            for t in threads:
                t.join(timeout=120)
            watch.stop.set()
            served = _get(f"http://{address}/_replica/faults")["served"]
            first_500 = datetime.fromisoformat(served[FAULTY]["http_500"]["first"]).timestamp()
        finally:
            subprocess.run([SCRIPT, "stop"], env=env, capture_output=True, text=True)
    load = os.getloadavg()
    print(
        f"\nrun {run_id} for {today}: {state}; fault switched at {datetime.fromtimestamp(switched, UTC):%H:%M:%S}"
        f" UTC, first 500 served {first_500 - switched:.1f} s later (the run's crawl reached it)"
    )
    print(f"{'signal':<42} {'after the first 500':>20}")
    for name in sorted(watch.seen):
        print(f"{name:<42} {watch.seen[name] - first_500:>18.1f} s")
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    print(f"newsarchive health said: {lines[0] if lines else '(never CRITICAL)'}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
