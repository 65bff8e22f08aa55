"""newsarchive/airflow_glue/task_events.py: what a task's callbacks write when it starts and ends (the
live state, the metrics, the SUMMARY line last), on a local archive. The callbacks are called with the
task context Airflow gives them: the attributes of its runtime task instance, task and DAG run that they
read (as tests/newsarchive/airflow_glue/test_alerts.py does); the next try's time is also checked against
the scheduler's own code on the real DAG (slow: a Python process importing Airflow)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from archive import layout
from archive.records import CrawlReport, Gap, Manifest, OutletCounts
from archive.store import open_store
from newsarchive.airflow_glue import task_events
from newsarchive.airflow_glue.task_events import (
    END_GROUP,
    REPORT_KEY,
    cause_of,
    next_try_at,
    report,
    run_day,
    subject_of,
)
from newsarchive.ops.live_state import read, read_all
from newsarchive.run.crawl import CrawlError
from tests.conftest import run_python

LOGICAL = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
END = datetime(2026, 11, 21, 3, 1, 7, tzinfo=UTC)
RUN_ID = "scheduled__2026-11-21T03:00:00+00:00"


def _context(task_id: str, outlet: str | None = None, try_number: int = 1, **task) -> dict:
    """A task's context as Airflow gives it to the callbacks (the fields they read)."""
    ti = SimpleNamespace(
        dag_id="news_archive",
        task_id=task_id,
        run_id=RUN_ID,
        try_number=try_number,
        max_tries=2,
        end_date=END,
        map_index=-1,
        rendered_map_index=outlet,
    )
    defaults = dict(
        retry_delay=timedelta(minutes=5),
        retry_exponential_backoff=0,
        max_retry_delay=None,
        op_kwargs={"outlet": outlet} if outlet else {},
    )
    return {
        "ti": ti,
        "task": SimpleNamespace(**{**defaults, **task}),
        "dag_run": SimpleNamespace(run_id=RUN_ID, run_after=LOGICAL),
        "logical_date": LOGICAL,
    }


@pytest.fixture
def archive(tmp_path, monkeypatch):
    """The task's environment: a local archive and a metrics file; no S3 connection, no alert channel."""
    for name in ("NEWSARCHIVE_AWS_CONN_ID", "NEWSARCHIVE_OUTLETS"):
        monkeypatch.delenv(name, raising=False)
    for name in ("SMTP_CONN_ID", "EMAIL_TO", "SLACK_CONN_ID"):
        monkeypatch.delenv(f"NEWSARCHIVE_ALERT_{name}", raising=False)
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", str(tmp_path / "archive"))
    monkeypatch.setenv("NEWSARCHIVE_METRICS_FILE", str(tmp_path / "newsarchive.prom"))
    return tmp_path


def _summary(caplog) -> list[str]:
    """The task logger's lines: the SUMMARY line must be the last, after the end of Airflow's group."""
    return [r.getMessage() for r in caplog.records if r.name == "newsarchive.task"]


def test_the_task_is_known_by_its_outlet_or_as_the_runs_stage():
    assert subject_of(_context("per_outlet.crawl", "orient")) == ("orient", "crawl")
    assert subject_of({**_context("per_outlet.extract"), "outlet_id": "anapress"}) == (
        "anapress",
        "extract",
    )
    assert subject_of(_context("publish")) == ("run", "publish")
    assert subject_of(_context("per_outlet.crawl")) is None  # no outlet: nothing to say
    other = _context("publish")
    other["ti"].dag_id = "news_reextract"
    assert subject_of(other) is None
    assert run_day(_context("publish")) == "2026-11-21"
    manual = {**_context("publish"), "logical_date": None}
    manual["dag_run"].run_after = datetime(2026, 12, 6, 9, tzinfo=UTC)
    assert run_day(manual) == "2026-12-06"  # a manual run without a logical date


def test_a_bodys_figures_are_taken_from_the_crawls_counts():
    context = _context("per_outlet.crawl", "orient")
    counts = {
        "discovered": 12,
        "fetched": 9,
        "skipped": "3",  # not a figure of the live state
        "failed": {"http_500": 2, "timeout": 1},
        "discovery_failed": {"http_500": 1},
    }
    report(context, "SUMMARY crawl orient: 9 fetched", counts=counts)
    rep = context[REPORT_KEY]
    assert (rep.summary, rep.counts, rep.failed) == (
        "SUMMARY crawl orient: 9 fetched",
        {"discovered": 12, "fetched": 9},
        {"http_500": 3, "timeout": 1},
    )
    report(context, "SUMMARY publish")
    assert (context[REPORT_KEY].counts, context[REPORT_KEY].failed) == ({}, {})


def test_the_cause_is_our_reason_code_else_the_errors_type():
    assert cause_of(CrawlError("outlet orient: every discovery URL failed", reason="http_500")) == (
        "http_500",
        "outlet orient: every discovery URL failed",
    )
    assert cause_of(ValueError()) == ("ValueError", "ValueError")
    assert cause_of(None) == ("error", "failed (no error recorded)")


def test_the_next_try_follows_the_retry_delay_and_its_backoff():
    plain = _context("per_outlet.crawl", "orient")
    assert next_try_at(plain, END) == END + timedelta(minutes=5)
    tries = [
        next_try_at(_context("per_outlet.crawl", "orient", n, retry_exponential_backoff=True), END)
        for n in (1, 2, 3)
    ]
    for n, at in enumerate(tries):  # between 1x and 2x the delay times 2^(try-1)
        base = timedelta(minutes=5) * 2**n
        assert base <= at - END < 2 * base, (n, at)
    again = _context("per_outlet.crawl", "orient", 2, retry_exponential_backoff=True)
    assert next_try_at(again, END) == tries[1]  # the same task instance, the same time
    capped = _context(
        "per_outlet.crawl",
        "orient",
        9,
        retry_exponential_backoff=2.0,
        max_retry_delay=timedelta(hours=1),
    )
    assert next_try_at(capped, END) == END + timedelta(hours=1)
    huge = _context("per_outlet.crawl", "orient", 10_000, retry_exponential_backoff=10.0)
    assert next_try_at(huge, END) == END + timedelta(days=1)  # Airflow's own cap


def test_a_failed_try_is_retrying_with_its_cause_and_next_try_and_the_summary_is_last(
    archive, caplog
):
    context = _context("per_outlet.crawl", "orient", retry_exponential_backoff=0)
    caplog.set_level(logging.INFO)
    task_events.on_execute(context)
    store = open_store(archive / "archive")
    running = read(store, "orient")
    assert running is not None and (running.stage, running.state) == ("crawl", "running")

    context["exception"] = CrawlError(
        "outlet orient: every discovery URL failed (3x http_500)", reason="http_500"
    )
    ended = context["ti"].end_date = datetime.now(UTC)
    task_events.on_retry(context)

    live = read(store, "orient")
    assert live is not None
    assert (live.state, live.reason, live.try_number, live.max_tries) == (
        "retrying",
        "http_500",
        1,
        3,
    )
    assert live.next_try_at == (ended + timedelta(minutes=5)).isoformat()
    assert "every discovery URL failed" in live.message and live.run_id == RUN_ID
    metrics = (archive / "newsarchive.prom").read_text()
    assert 'newsarchive_outlet_state{outlet="orient",state="retrying"} 1.0' in metrics
    assert _summary(caplog)[-2:] == [
        END_GROUP,
        "SUMMARY crawl orient: FAILED (http_500): outlet orient: every discovery URL failed (3x http_500)",
    ]


def test_after_publish_each_outlet_shows_its_outcome_in_the_snapshot(archive, caplog):
    caplog.set_level(logging.INFO)
    gap = Gap("crawl", "http_500", "outlet euronews: every discovery URL failed")
    manifest = Manifest(
        day="2026-11-21",
        rev=1,
        created_at="2026-11-21T03:40:00+00:00",
        run_id=RUN_ID,
        software="newsarchive",
        config_hash="",
        outlets={
            "orient": OutletCounts(crawl=CrawlReport("orient", "finished", 12, 10, 10), new=10),
            "euronews": OutletCounts(status="gap", gap=gap),
            "anapress": OutletCounts(status="not_run"),
        },
        files=[],
    )
    context = _context("publish")
    task_events.on_execute(context)
    report(context, "SUMMARY publish: 2026-11-21 rev 1", manifest=manifest)
    task_events.on_success(context)

    found, damaged = read_all(open_store(archive / "archive"))
    assert damaged == [] and set(found) == {"run", "orient", "euronews"}  # not_run: nothing to say
    assert (found["run"].stage, found["run"].state) == ("publish", "ok")
    assert "publish" in found["run"].durations
    assert (found["orient"].state, found["orient"].counts) == (
        "ok",
        {"discovered": 12, "fetched": 10},
    )
    euronews = found["euronews"]
    assert (euronews.stage, euronews.state, euronews.reason) == ("crawl", "failed", "http_500")
    assert _summary(caplog)[-1] == "SUMMARY publish: 2026-11-21 rev 1"


def test_an_archive_that_is_down_costs_the_live_state_never_the_summary(
    tmp_path, archive, caplog, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", str(blocker / "archive"))  # cannot be made
    caplog.set_level(logging.INFO)
    context = _context("per_outlet.crawl", "orient")
    context["exception"] = CrawlError("outlet orient: dns", reason="dns")
    task_events.on_failure(context)
    lines = _summary(caplog)
    assert any(
        line.startswith("live state or metrics not updated for per_outlet.crawl") for line in lines
    )
    assert lines[-1] == "SUMMARY crawl orient: FAILED (dns): outlet orient: dns"


def test_a_damaged_live_record_is_named_and_replaced(archive, caplog):
    store = open_store(archive / "archive")
    store.put_bytes(layout.live_outlet_key("orient"), b"{not json", overwrite=True)
    caplog.set_level(logging.INFO)
    task_events.on_execute(_context("per_outlet.crawl", "orient", 2))
    live = read(store, "orient")
    assert live is not None and live.state == "running" and live.try_number == 2
    assert any("it is replaced" in r.getMessage() for r in caplog.records)


NEXT_TRY = """
import datetime, json
from types import SimpleNamespace
import pendulum
from airflow.dag_processing.dagbag import DagBag
from airflow.models.taskinstance import TaskInstance
from airflow.serialization.serialized_objects import DagSerialization
from newsarchive.airflow_glue.task_events import next_try_at
dag = DagBag("dags").get_dag("news_archive")
scheduler = DagSerialization.from_dict(DagSerialization.to_dict(dag))
end = pendulum.datetime(2026, 12, 6, 3, 1, 7, tz="UTC")
out = []
for task_id in ("per_outlet.crawl", "publish"):
    sdk_task, core_task = dag.get_task(task_id), scheduler.get_task(task_id)
    for logical in (pendulum.datetime(2026, 12, 6, tz="UTC"), pendulum.datetime(2026, 11, 21, 3, tz="UTC")):
        for try_number in (1, 2, 3, 9):
            ti = SimpleNamespace(dag_id="news_archive", task_id=task_id, try_number=try_number)
            ours = next_try_at({"ti": ti, "task": sdk_task, "logical_date": logical}, end)
            core = SimpleNamespace(retry_delay_override=None, task=core_task, dag_id="news_archive",
                                   task_id=task_id, try_number=try_number, end_date=end,
                                   # as the scheduler reads it from its DB: a stdlib datetime in UTC
                                   logical_date=datetime.datetime(*logical.timetuple()[:6], tzinfo=pendulum.UTC))
            theirs = TaskInstance.next_retry_datetime(core)
            out.append([task_id, str(logical), try_number, ours.isoformat(), theirs.isoformat()])
print("RESULT" + json.dumps(out))
"""


def test_the_next_try_shown_is_the_one_the_scheduler_computes(airflow_env):
    proc = run_python(NEXT_TRY, airflow_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))[6:])
    assert len(rows) == 16
    for task_id, logical, try_number, ours, theirs in rows:
        assert ours == theirs, (task_id, logical, try_number)
    delays = {r[2]: datetime.fromisoformat(r[3]) for r in rows if r[0] == "per_outlet.crawl"}
    assert len({d for d in delays.values()}) > 1  # the backoff grows with the tries
