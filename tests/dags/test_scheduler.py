"""One run under the real scheduler: `airflow standalone` (LocalExecutor: every task its own process, no
shared temp directory) started by the same script as `make run`, the archive on the SeaweedFS S3 server,
the outlets on the replica. The run is triggered and confirmed through the REST API; the DAG's grid page
is rendered by headless Chromium and its text checked as a user reads it (the run and every task shown as
a success, not a login page); its DOM and a screenshot are kept as test artifacts."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import datetime

import pytest

from archive.snapshot import read_manifest, resolve_snapshot
from archive.store import open_store
from archive.verify import verify_snapshot
from newsarchive.variables import DEFAULT_CRAWL_CONCURRENCY
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # Airflow and Chromium

ARTIFACTS = ROOT / "var" / "test-artifacts"
RUN_ID = "scheduler_test"


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def scheduled_run(tmp_path_factory, replica, s3_server):
    home = tmp_path_factory.mktemp("standalone")
    port = _free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("NEWSARCHIVE_CRAWL_SLOTS", "AIRFLOW__CORE__PARALLELISM")  # the defaults
        },
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_PORT": str(port),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "NEWSARCHIVE_SCHEDULE": "",
        "NEWSARCHIVE_ARCHIVE": "s3://archive/scheduler",
        "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
    }
    script = str(ROOT / "scripts" / "airflow.sh")
    started = subprocess.run(
        [script, "start"], env=env, capture_output=True, text=True, timeout=900
    )
    assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]
    base = f"http://127.0.0.1:{port}"
    try:
        _api(
            f"{base}/api/v2/dags/news_archive/dagRuns",
            {"dag_run_id": RUN_ID, "logical_date": "2026-11-21T03:00:00Z"},
        )
        deadline = time.monotonic() + 600
        while True:
            run = _api(f"{base}/api/v2/dags/news_archive/dagRuns/{RUN_ID}")
            if run["state"] in ("success", "failed") or time.monotonic() > deadline:
                break
            time.sleep(3)
        yield base, run, env
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=180)
        log = home / "standalone.log"
        if log.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, ARTIFACTS / "standalone.log")


def test_a_run_under_the_scheduler_succeeds_as_the_rest_api_reports(scheduled_run):
    base, run, _ = scheduled_run
    assert run["state"] == "success", run
    tis = _api(f"{base}/api/v2/dags/news_archive/dagRuns/{RUN_ID}/taskInstances?limit=100")[
        "task_instances"
    ]
    states = {(t["task_id"], t["rendered_map_index"] or t["map_index"]): t["state"] for t in tis}
    assert set(states.values()) == {"success"}
    assert sorted(m for (task, m) in states if task == "per_outlet.crawl") == [
        "anapress",
        "enabbaladi",
        "euronews",
        "orient",
        "zamanalwsl",
    ]
    assert {t["task_id"] for t in tis} >= {"list_outlets", "dedup", "publish", "quality"}
    # the crawl pool as `make run` creates it: every outlet at once, as a one-shot run crawls them
    pool = _api(f"{base}/api/v2/pools/newsarchive_crawl")
    assert pool["slots"] == DEFAULT_CRAWL_CONCURRENCY == 5
    crawls = [
        (_when(t["start_date"]), _when(t["end_date"]))
        for t in tis
        if t["task_id"] == "per_outlet.crawl"
    ]
    at_once = max(sum(1 for s, e in crawls if s <= start < e) for start, _ in crawls)
    assert at_once >= 3, crawls  # more than the old pool of 2
    # each task ran in its own process (LocalExecutor): distinct PIDs
    assert len({t["pid"] for t in tis if t["pid"]}) == len(tis)
    store = open_store("s3://archive/scheduler")
    ref = resolve_snapshot(store, "2026-11-21")
    manifest = read_manifest(store, ref)
    assert manifest["run_id"] == RUN_ID and manifest["counts"]["archived"] == 100
    assert verify_snapshot(store, ref) == []
    events = _api(f"{base}/api/v2/assets/events?limit=10")["asset_events"]
    assert [e["extra"]["snapshot"] for e in events if e["source_run_id"] == RUN_ID] == [
        "2026-11-21 rev 1"
    ]


def _visible_text(dom: str) -> str:
    """The page's text as a user reads it: no scripts, styles or tags, white space collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def _chromium(chromium: str, profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1600,1000",
            "--virtual-time-budget=20000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_dag_grid_shows_the_run_and_its_tasks_and_a_screenshot_is_kept(scheduled_run, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian package chromium is not installed (.ci/run installs it)")
    base, run, _ = scheduled_run
    page = f"{base}/dags/news_archive/runs/{RUN_ID}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # what a user checks on the page, read from the DOM the browser rendered (the UI is a script)
    dom = _chromium(chromium, tmp_path / "profile", "--dump-dom", page).stdout
    (ARTIFACTS / "news_archive_grid.html").write_text(dom)
    text = _visible_text(dom)
    assert 'type="password"' not in dom and "Sign in" not in text, "a login page, not the DAG"
    assert f"Dag news_archive Dag Run {RUN_ID}" in text, text[:500]  # the breadcrumb
    assert f"{RUN_ID} Success" in text  # the run's state badge
    assert (
        "15 Task Instances" in text
    )  # list_outlets, 5 crawls, 5 extracts, dedup, publish, quality, gc
    for task in ("list_outlets", "dedup", "publish", "quality", "gc"):
        assert re.search(rf"(^| ){task} Success ", text), f"{task} is not shown as a success"
    for outlet in ("anapress", "enabbaladi", "euronews", "orient", "zamanalwsl"):
        for task in ("per_outlet.crawl", "per_outlet.extract"):
            assert f"{task} {outlet} Success " in text, (
                f"{task} [{outlet}] is not shown as a success"
            )
    shot = ARTIFACTS / "news_archive_grid.png"
    shot.unlink(missing_ok=True)
    _chromium(chromium, tmp_path / "profile2", f"--screenshot={shot}", page)
    assert (
        shot.exists()
        and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        and shot.stat().st_size > 20_000
    )
    assert run["state"] == "success"  # the run's state, asserted through the API too
