"""The Archive page of the Airflow UI after a week of living-replica days, rendered by headless Chromium.

Six days are archived by `newsarchive run`'s function, the seventh by a DAG run under `airflow standalone`
(started by scripts/airflow.sh, the script `make run` uses, with the plugins folder it sets), while the
replica serves HTTP 500 for every page of one outlet: its crawl fails (marked failed through the REST API
instead of waiting out its retries), and the snapshot records the gap. The page's DOM must show each
outlet's row, a chart with 7 points per outlet, the gap row with its cause and a link to its DAG run; the
Airflow UI's own Archive entry must embed it; screenshots are kept as artifacts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest

from newsarchive.config import Settings
from outlets.registry import load_registry
from replica.server import ReplicaServer
from tests.conftest import ROOT
from tests.dags.test_scheduler import ARTIFACTS, _chromium, _free_port, _visible_text

pytestmark = pytest.mark.slow  # pipeline runs, Airflow and Chromium

WEEK = [date(2026, 11, 20) + timedelta(days=k) for k in range(7)]
FAULTY = "zamanalwsl"
RUN_ID = "archive_page_test"


def _request(url: str, body: dict | None = None, method: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method or ("POST" if body is not None else "GET"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    from newsarchive.run.pipeline import run_pipeline

    home = tmp_path_factory.mktemp("archive_page")
    archive = home / "archive"
    port = _free_port()
    script = str(ROOT / "scripts" / "airflow.sh")
    with ReplicaServer(living=True) as replica:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home / "airflow"),
            "AIRFLOW_PORT": str(port),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "NEWSARCHIVE_SCHEDULE": "",
            "NEWSARCHIVE_ARCHIVE": str(archive),
            "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
        }
        starting = subprocess.Popen(
            [script, "start"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            settings = Settings(archive=str(archive), host_map=replica.host_map)
            for day in WEEK[:6]:
                assert run_pipeline(settings, day).failures == {}
            out, _ = starting.communicate(timeout=900)
            assert starting.returncode == 0, out[-3000:]
            replica.replica.faults.set(FAULTY, "http_500")
            faulty_index = load_registry(settings.outlets_path).ids.index(FAULTY)
            _request(
                f"{base}/api/v2/dags/news_archive/dagRuns",
                {"dag_run_id": RUN_ID, "logical_date": f"{WEEK[6].isoformat()}T03:00:00Z"},
            )
            deadline = time.monotonic() + 900
            runs = f"{base}/api/v2/dags/news_archive/dagRuns/{RUN_ID}"
            while True:
                run = _request(runs)
                if run["state"] in ("success", "failed") or time.monotonic() > deadline:
                    break
                try:
                    crawl = _request(f"{runs}/taskInstances/per_outlet.crawl/{faulty_index}")
                except urllib.error.HTTPError as exc:  # not mapped yet (list_outlets has not run)
                    if exc.code != 404:
                        raise
                    crawl = {"state": None}
                if (
                    crawl["state"] == "up_for_retry"
                ):  # an operator's "mark failed": no 2-minute retry delays
                    _request(
                        f"{runs}/taskInstances/per_outlet.crawl/{faulty_index}",
                        {"new_state": "failed"},
                        method="PATCH",
                    )
                time.sleep(3)
            yield base, run, archive
        finally:
            if starting.poll() is None:
                starting.kill()
            subprocess.run([script, "stop"], env=env, capture_output=True, timeout=180)


def _chromium_or_skip() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian package chromium is not installed (.ci/run installs it)")
    return chromium


def test_the_archive_page_shows_a_week_per_outlet_the_gap_and_its_run(week, tmp_path):
    chromium = _chromium_or_skip()
    base, run, _ = week
    assert run["state"] == "failed", run  # the canary fails the run: an outlet had no new articles
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = f"{base}/newsarchive/"
    dom = _chromium(chromium, tmp_path / "p1", "--dump-dom", page).stdout
    (ARTIFACTS / "archive_page.html").write_text(dom)
    text = _visible_text(dom)
    assert 'type="password"' not in dom and "Sign in" not in text, (
        "a login page, not the Archive page"
    )
    assert "Archive" in text and "Outlets" in text, f"an empty page: {text[:300]}"
    for outlet in load_registry(Settings().outlets_path).ids:
        row = re.search(rf'<tr class="outlet-row" data-outlet="{outlet}" data-state="(\w+)"', dom)
        assert row, outlet
        # the latest run (the DAG run of the 7th day) says which outlet failed and why; the others
        # are stale: the week is in the past, no complete snapshot in the last 2 days
        assert row.group(1) == ("failed" if outlet == FAULTY else "stale"), (outlet, row.group(1))
        chart = re.search(rf'<svg class="yield-chart" data-outlet="{outlet}".*?</svg>', dom, re.S)
        assert chart, f"no chart for {outlet}"
        days = re.findall(r'<circle [^>]*data-day="([\d-]+)"', chart.group(0))
        assert days == [d.isoformat() for d in WEEK], (outlet, days)
        assert "data-missing-day" not in chart.group(0)  # a snapshot every day of the week
    gap = re.search(
        rf'<tr class="gap-row" data-outlet="{FAULTY}" data-day="{WEEK[6]}">.*?</tr>', dom, re.S
    )
    assert gap, "no gap row for the outlet the replica failed"
    assert "http_500" in gap.group(0)
    link = re.search(r'<a class="run-link" href="([^"]+)"', gap.group(0))
    assert link and link.group(1) == f"/dags/news_archive/runs/{RUN_ID}"
    assert re.search(rf'class="point gap" data-day="{WEEK[6]}"', dom)
    faulty = re.search(rf'<tr class="outlet-row" data-outlet="{FAULTY}".*?</tr>', dom, re.S).group(
        0
    )
    assert "crawl http_500" in _visible_text(faulty) and RUN_ID in faulty
    assert f"outlet {FAULTY}: 0 new articles" in text  # the canary's problem
    assert re.search(
        rf'<tr class="snapshot-row" data-day="{WEEK[6]}">.*?>ok<', dom, re.S
    )  # verified
    # the link leads to the run in the Airflow UI
    run_dom = _chromium(chromium, tmp_path / "p2", "--dump-dom", base + link.group(1)).stdout
    assert RUN_ID in _visible_text(run_dom)
    shot = ARTIFACTS / "archive_page.png"
    shot.unlink(missing_ok=True)
    _chromium(chromium, tmp_path / "p3", f"--screenshot={shot}", page)
    assert (
        shot.exists()
        and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        and shot.stat().st_size > 20_000
    )


def test_the_airflow_ui_lists_the_plugin_and_embeds_the_page(week, tmp_path):
    chromium = _chromium_or_skip()
    base, _, _ = week
    plugins = _request(f"{base}/api/v2/plugins")["plugins"]
    views = [v for p in plugins if p["name"] == "newsarchive" for v in p["external_views"]]
    assert views == [
        {**views[0], "name": "Archive", "href": "/newsarchive/", "url_route": "archive"}
    ]
    dom = _chromium(chromium, tmp_path / "p4", "--dump-dom", f"{base}/plugin/archive").stdout
    assert 'type="password"' not in dom
    assert re.search(r'<iframe[^>]+src="[^"]*/newsarchive/"', dom), _visible_text(dom)[:500]
    shot = ARTIFACTS / "archive_page_in_airflow.png"
    shot.unlink(missing_ok=True)
    _chromium(chromium, tmp_path / "p5", f"--screenshot={shot}", f"{base}/plugin/archive")
    assert shot.exists() and shot.stat().st_size > 20_000
