"""An outage rehearsed as an operator does it, under the real scheduler: `scripts/airflow.sh start` (what
`make run REPLICA=1 FAULT=zamanalwsl:http_500` runs) with a deadline a few minutes ahead, an OpenTelemetry
collector, an SMTP server and a Slack webhook on loopback; `trigger` for today.

From the crawl's first failed try, while Airflow waits for its retry: the Archive page's JSON, `newsarchive
health`, the OTLP collector and the Prometheus text file all say the outlet is failing, with the cause and
the next try's time. The deadline passes with the snapshot incomplete: one email and one Slack post, naming
the outlet and why. Airflow's own metrics reach the same collector. Faults change on the running replica
(`fault`, `heal`: same PID). Each task log's last line is its SUMMARY, on failure and on success. `stop`
stops what `start` started and nothing else (a replica started beside it keeps running).

The next try's time shown is checked against the scheduler's own code in
tests/newsarchive/airflow_glue/test_task_events.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT, run_python
from tests.dags.test_scheduler import ARTIFACTS, _free_port, _when
from tests.otlp import OtlpReceiver
from tests.smtp import SmtpSink, WebhookSink

pytestmark = pytest.mark.slow  # Airflow

SCRIPT = str(ROOT / "scripts" / "airflow.sh")
FAULTY = "zamanalwsl"
DEADLINE_AFTER = timedelta(
    minutes=5
)  # from the start of `start`: after the run exists, before it ends


def _call(url: str, body: dict | None = None, method: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method or ("POST" if body else "GET"),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _wait(what: str, probe, timeout: float = 420, every: float = 2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (found := probe()) is not None:
                return found
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _script(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = (
        open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        if os.path.exists(f"/proc/{pid}/stat")
        else "X"
    )
    return state not in ("Z", "X")


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    if datetime.now(UTC) + DEADLINE_AFTER + timedelta(minutes=10) > datetime.now(UTC).replace(
        hour=23, minute=59
    ):
        pytest.skip("too close to midnight UTC for a deadline on today's run")
    home = tmp_path_factory.mktemp("rehearsal")
    port = _free_port()
    started_at = datetime.now(UTC)
    deadline = (started_at + DEADLINE_AFTER).strftime("%H:%M:%S")
    bystander = subprocess.Popen(  # a replica the operator started by hand: not ours to stop
        [str(ROOT / ".venv" / "bin" / "newsarchive"), "replica", "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    with OtlpReceiver() as otlp, SmtpSink() as smtp, WebhookSink() as slack:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home / "airflow"),
            "AIRFLOW_PORT": str(port),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "NEWSARCHIVE_SCHEDULE": "",
            "NEWSARCHIVE_ARCHIVE": str(home / "archive"),
            "NEWSARCHIVE_DEADLINE": deadline,
            "NEWSARCHIVE_METRICS_FILE": str(home / "metrics" / "newsarchive.prom"),
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
            "OTEL_METRIC_EXPORT_INTERVAL": "5000",  # Airflow's own metrics every 5 s
            "REPLICA": "1",
            "FAULT": f"{FAULTY}:http_500",
            **smtp.alert_env("ops@example.org"),
            **slack.alert_env(),
        }
        started = _script(env, "start", timeout=900)
        base = f"http://127.0.0.1:{port}"
        try:
            assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]
            yield {
                "env": env,
                "base": base,
                "home": home,
                "deadline": deadline,
                "started": started,
                "otlp": otlp,
                "smtp": smtp,
                "slack": slack,
                "bystander": bystander,
            }
        finally:
            stopped = _script(env, "stop", timeout=180)
            (home / "stop.out").write_text(stopped.stdout + stopped.stderr)
            if (home / "airflow" / "standalone.log").exists():
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                shutil.copy(
                    home / "airflow" / "standalone.log", ARTIFACTS / "rehearsal_standalone.log"
                )
            bystander.kill()
            bystander.wait(10)


def _tis(api: str, run_id: str, task_id: str) -> dict[str, dict]:
    rows = _call(f"{api}/dagRuns/{run_id}/taskInstances?limit=100")["task_instances"]
    return {
        t["rendered_map_index"] or str(t["map_index"]): t for t in rows if t["task_id"] == task_id
    }


def _events(api: str, run_id: str, task: str, index: int, attempt: int) -> list[str]:
    """The task log's lines as the UI reads them, without its group markers."""
    log = _call(
        f"{api}/dagRuns/{run_id}/taskInstances/{task}/logs/{attempt}?full_content=true&map_index={index}"
    )
    lines = [c.get("event", "") if isinstance(c, dict) else str(c) for c in log["content"]]
    return [x for x in lines if "::group::" not in x and "::endgroup::" not in x]


def test_an_outage_shows_everywhere_from_the_first_failed_try_and_the_deadline_alerts_once(
    rehearsal,
):
    env, base, home = rehearsal["env"], rehearsal["base"], rehearsal["home"]
    otlp, smtp, slack = rehearsal["otlp"], rehearsal["smtp"], rehearsal["slack"]
    api = f"{base}/api/v2/dags/news_archive"
    assert f"fault: {FAULTY} (every path): http_500" in rehearsal["started"].stdout
    today = datetime.now(UTC).date().isoformat()
    triggered = _script(env, "trigger", today)
    assert triggered.returncode == 0, triggered.stderr
    run_id = triggered.stdout.split()[1]
    assert triggered.stdout.startswith(f"run {run_id} for {today} started: {base}/dags/")

    # the crawl's first try fails; while Airflow waits for its retry, everything says so
    index = _wait(
        "the failed first try",
        lambda: next(
            (t["map_index"] for o, t in _tis(api, run_id, "per_outlet.crawl").items()
             if o == FAULTY and t["state"] == "up_for_retry"),
            None,
        ),
    )  # fmt: skip
    page = _wait(
        "the Archive page to show the outlet retrying",
        lambda: next(
            (o["status"] for o in _call(f"{base}/newsarchive/health.json")["outlets"]
             if o["outlet"] == FAULTY and o["status"]["state"] == "retrying"),
            None,
        ),
        timeout=60,
    )  # fmt: skip
    assert page["stage"] == "crawl" and page["reason"] == "http_500" and page["try_number"] == 1
    assert "every discovery URL failed" in page["message"] and page["day"] == today
    next_try = datetime.fromisoformat(page["next_try_at"])
    health = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "newsarchive"), "health"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert health.returncode == 2, health.stdout + health.stderr
    assert health.stdout.startswith(f"NEWSARCHIVE CRITICAL - 1 outlet failing: {FAULTY} (crawl ")
    assert "http_500, retrying: try 1 of 3, next try" in health.stdout
    point = otlp.wait_for(
        lambda p: (
            p.service == "newsarchive"
            and p.name == "newsarchive_outlet_state"
            and p.attributes == {"outlet": FAULTY, "state": "retrying"}
            and p.value == 1
        ),
        timeout=60,
    )
    assert point is not None
    text = (home / "metrics" / "newsarchive.prom").read_text()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("newsarchive_outlet_state", (("outlet", FAULTY), ("state", "retrying")))] == 1
    assert _tis(api, run_id, "per_outlet.crawl")[FAULTY]["state"] == "up_for_retry"  # still waiting
    # Airflow's own metrics (its [metrics] otel_on, set by the script) reach the same collector
    assert otlp.wait_for(lambda p: p.name.startswith("airflow."), timeout=60) is not None

    # the failed try's log ends with its SUMMARY line (after Airflow's traceback), a good one's too
    failed = _events(api, run_id, "per_outlet.crawl", index, 1)
    assert failed[-1].startswith(f"SUMMARY crawl {FAULTY}: discovered=0 fetched=0")
    assert "FAILED (http_500)" in failed[-1] and "Task failed with exception" in failed
    good = _tis(api, run_id, "per_outlet.crawl")["anapress"]
    assert _events(api, run_id, "per_outlet.crawl", good["map_index"], 1)[-1].startswith(
        "SUMMARY crawl anapress: discovered="
    )

    # the deadline passes with today's snapshot incomplete: one alert per channel, naming why
    mails = smtp.wait_for(1, timeout=DEADLINE_AFTER.total_seconds() + 120)
    subject = str(make_header(decode_header(mails[0]["Subject"])))  # as a mail client shows it
    assert subject.startswith(f"[newsarchive] snapshot deadline {rehearsal['deadline']} UTC failed")
    assert FAULTY in subject and "http_500" in subject
    posts = slack.wait_for(1, timeout=60)
    assert FAULTY in posts[0]["text"] and "is not published at its deadline" in posts[0]["text"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "deadline_alert.txt").write_text(f"Subject: {subject}\n\n{posts[0]['text']}")
    (ARTIFACTS / "rehearsal_health.txt").write_text(health.stdout)
    assert (home / "archive" / "ops" / "deadline" / f"date={today}.json").exists()
    # ... and the retry the page announced is scheduled when it said (the scheduler's loop adds
    # seconds). The scheduler raises try_number and sets scheduled_when in one update; start_date
    # stays the first try's until the second one runs, so it is read only once that has started.
    second = _wait(
        "the second try to be scheduled",
        lambda: (
            (t := _tis(api, run_id, "per_outlet.crawl")[FAULTY])["try_number"] >= 2
            and t["scheduled_when"]
            and t
            or None
        ),
        timeout=360,
    )
    scheduled = _when(second["scheduled_when"])
    assert next_try - timedelta(seconds=1) <= scheduled <= next_try + timedelta(seconds=60)
    ran = _wait(
        "the second try to start",
        lambda: (
            (t := _tis(api, run_id, "per_outlet.crawl")[FAULTY])["start_date"]
            and _when(t["start_date"]) >= scheduled
            and t
            or None
        ),
        timeout=360,
    )
    assert ran["try_number"] == 2
    time.sleep(10)
    deadline_mails = [m for m in smtp.handler.messages if "deadline" in m["Subject"]]
    assert len(deadline_mails) == 1  # once


def test_faults_change_on_the_running_replica_and_stop_stops_only_what_start_started(rehearsal):
    env, home = rehearsal["env"], rehearsal["home"]
    pid = int((home / "airflow" / "replica.pid").read_text())
    airflow_pid = int((home / "airflow" / "standalone.pid").read_text())
    address = json.loads(
        next(x for x in (home / "airflow" / "replica.log").read_text().splitlines() if x[:1] == "{")
    )["www.anapress.net"]

    def status(host: str) -> int:
        request = urllib.request.Request(f"http://{address}/robots.txt", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    fault = _script(env, "fault", "anapress:http_503")
    assert fault.returncode == 0, fault.stderr
    assert (
        "fault: anapress (every path): http_503" in fault.stdout
        and f"replica pid {pid}" in fault.stdout
    )
    assert status("www.anapress.net") == 503 and status("www.zamanalwsl.net") == 200
    bad = _script(env, "fault", "anapress:http_999")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "unknown mode" in bad.stderr
    assert status("www.anapress.net") == 503  # a bad fault changes nothing
    heal = _script(env, "heal")
    assert heal.returncode == 0 and "healed" in heal.stdout and status("www.anapress.net") == 200
    assert int((home / "airflow" / "replica.pid").read_text()) == pid and _alive(pid)
    late = _script(env, "trigger", (datetime.now(UTC).date() + timedelta(days=1)).isoformat())
    assert late.returncode == 2 and "after today" in late.stderr
    stopped = _script(env, "stop", timeout=180)
    assert f"replica stopped (pid {pid})" in stopped.stdout
    assert f"Airflow stopped (pid {airflow_pid})" in stopped.stdout
    assert not _alive(pid) and not _alive(airflow_pid)
    assert _alive(rehearsal["bystander"].pid)  # started by hand beside it: left alone
    again = _script(env, "heal")
    assert again.returncode == 1 and "no replica started by make run REPLICA=1" in again.stderr


def test_a_wrong_deadline_fails_the_dag_import_in_one_line(airflow_env):
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        "print('ERRORS', list(DagBag('dags').import_errors.values()))"
    )
    proc = run_python(code, {**airflow_env, "NEWSARCHIVE_DEADLINE": "25:00"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "NEWSARCHIVE_DEADLINE='25:00': give a time of day (UTC)" in proc.stdout
