"""What the grid shows, read through the REST API of a real `airflow standalone` (scheduler, LocalExecutor,
started by scripts/airflow.sh as `make run` does): a mapped crawl is labelled by its outlet while it waits
for its retry, and the extract that never runs after it (upstream failed) too; the failed crawl's counts
and reason are in its XCom; the run is not green, and its quality task names the outlet."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from replica.server import ReplicaServer
from tests.conftest import ROOT
from tests.dags.test_scheduler import ARTIFACTS, _free_port

pytestmark = pytest.mark.slow  # Airflow

RUN_ID = "grid_test"
OUTLETS = ["anapress", "orient", "euronews", "enabbaladi", "zamanalwsl"]


def _call(url: str, body: dict | None = None, method: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method or ("POST" if body is not None else "GET"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _patch(url: str, body: dict) -> dict:
    """PATCH, tried again while the API server answers 500 (SQLite busy under a loaded machine)."""
    for attempt in range(6):
        try:
            return _call(url, body, "PATCH")
        except urllib.error.HTTPError as exc:
            if exc.code != 500 or attempt == 5:
                raise
            time.sleep(5)
    raise AssertionError("unreachable")


def _wait(what: str, probe, timeout: float = 420):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def airflow_with_a_failing_outlet(tmp_path_factory):
    home = tmp_path_factory.mktemp("grid")
    port = _free_port()
    with ReplicaServer(per_outlet=5) as replica:
        replica.replica.faults.set("euronews", "http_500")
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW_PORT": str(port),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "NEWSARCHIVE_SCHEDULE": "",
            "NEWSARCHIVE_ARCHIVE": str(home / "archive"),
            "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
        }
        script = str(ROOT / "scripts" / "airflow.sh")
        started = subprocess.run(
            [script, "start"], env=env, capture_output=True, text=True, timeout=900
        )
        assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]
        try:
            yield f"http://127.0.0.1:{port}/api/v2/dags/news_archive"
        finally:
            subprocess.run([script, "stop"], env=env, capture_output=True, timeout=180)
            if (home / "standalone.log").exists():
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                shutil.copy(home / "standalone.log", ARTIFACTS / "grid_standalone.log")


def _tis(api: str, task_id: str) -> dict[int, dict]:
    tis = _call(f"{api}/dagRuns/{RUN_ID}/taskInstances?limit=100")["task_instances"]
    return {t["map_index"]: t for t in tis if t["task_id"] == task_id}


def test_mapped_tasks_are_labelled_by_outlet_while_retrying_and_after_an_upstream_failure(
    airflow_with_a_failing_outlet,
):
    api = airflow_with_a_failing_outlet
    _call(f"{api}/dagRuns", {"dag_run_id": RUN_ID, "logical_date": "2026-11-21T03:00:00Z"})
    # the crawls are labelled as soon as they exist, whatever their state
    crawls = _wait(
        "the mapped crawls",
        lambda: (c := _tis(api, "per_outlet.crawl")) and len(c) == 5 and c or None,
    )
    assert [crawls[i]["rendered_map_index"] for i in range(5)] == OUTLETS
    index = OUTLETS.index("euronews")
    retrying = _wait(
        "euronews' crawl to wait for its retry",
        lambda: (
            (t := _tis(api, "per_outlet.crawl")[index])["state"] == "up_for_retry" and t or None
        ),
    )
    assert retrying["rendered_map_index"] == "euronews" and retrying["try_number"] == 1
    counts = _call(
        f"{api}/dagRuns/{RUN_ID}/taskInstances/per_outlet.crawl/xcomEntries/counts?map_index={index}"
    )
    value = counts["value"] if isinstance(counts["value"], dict) else json.loads(counts["value"])
    assert (
        value["error"] == "http_500"
        and value["fetched"] == 0
        and "every discovery URL failed" in value["message"]
    )
    # ops give up on it (no need to wait for the production retry delay): its extract will never run
    _patch(
        f"{api}/dagRuns/{RUN_ID}/taskInstances/per_outlet.crawl/{index}", {"new_state": "failed"}
    )
    run = _wait(
        "the run to end",
        lambda: (
            (r := _call(f"{api}/dagRuns/{RUN_ID}"))["state"] in ("success", "failed") and r or None
        ),
    )
    extracts = _tis(api, "per_outlet.extract")
    assert extracts[index]["state"] == "upstream_failed"
    assert extracts[index]["rendered_map_index"] == "euronews"  # not "2": it never ran
    assert {
        extracts[i]["rendered_map_index"]: extracts[i]["state"] for i in range(5) if i != index
    } == {o: "success" for o in OUTLETS if o != "euronews"}
    # the run is not green, and the quality task says which outlet and why
    assert run["state"] == "failed"
    quality = _tis(api, "quality")[-1]
    assert quality["state"] == "failed"
    log = _call(f"{api}/dagRuns/{RUN_ID}/taskInstances/quality/logs/1?full_content=true")
    text = json.dumps(log, ensure_ascii=False)
    assert "outlet euronews: 0 new articles this run" in text and "http_500" in text
