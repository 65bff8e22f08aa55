"""newsarchive/airflow_glue/deadline.py: the day's deadline (NEWSARCHIVE_DEADLINE) as the scheduler
evaluates it for a new run of the real DAG, and the callback when it passes: one alert a day naming what
is late and why, none when the day is complete after all. In Python processes of their own (Airflow
reads its configuration at import) on a metadata DB of the test's own (own_airflow_env); the alert's
email and Slack post under a running scheduler: tests/dags/test_ops_rehearsal.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from archive import layout
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.ops import live_state
from outlets.registry import load_registry
from tests.archive.test_stories import capture
from tests.conftest import ROOT, run_python

pytestmark = pytest.mark.slow  # Python processes importing Airflow

EVALUATE = """
import datetime as dt, json
from airflow.dag_processing.dagbag import DagBag
from airflow.models import DagRun
from airflow.serialization.decoders import decode_deadline_alert
from airflow.serialization.serialized_objects import DagSerialization
from airflow.utils.session import create_session
from airflow.utils.types import DagRunType
from newsarchive.airflow_glue.deadline import SnapshotDueAt, deadline_alert
dag = DagBag("dags").get_dag("news_archive")
[encoded] = DagSerialization.to_dict(dag)["dag"]["deadline"]
alert = decode_deadline_alert(encoded)  # as the scheduler reads it back from the serialized DAG
today = dt.datetime.now(dt.UTC).date()
at = lambda day, hour: dt.datetime.combine(day, dt.time(hour), dt.UTC)
runs = {  # run id: (logical date, run after)
    "tomorrow": (at(today + dt.timedelta(days=1), 3), at(today + dt.timedelta(days=1), 3)),
    "yesterday": (at(today - dt.timedelta(days=1), 3), at(today - dt.timedelta(days=1), 3)),
    "manual": (None, at(today + dt.timedelta(days=2), 1)),
}
out = {"name": dag.deadline[0].name, "off": deadline_alert(None)}
with create_session() as session:
    for run_id, (logical, after) in runs.items():
        session.add(DagRun(dag_id="news_archive", run_id=run_id, logical_date=logical, run_after=after,
                           run_type=DagRunType.MANUAL, state="running"))
    session.flush()
    for run_id in [*runs, "nosuch"]:
        due = alert.reference.evaluate_with(session=session, interval=alert.interval,
                                            dag_id="news_archive", run_id=run_id)
        out[run_id] = due.isoformat() if due else None
    session.rollback()
ref = SnapshotDueAt("07:15")
out["round_trip"] = SnapshotDueAt.deserialize_reference(ref.serialize_reference()).at
try:
    SnapshotDueAt("25:00")
except ValueError as exc:
    out["bad"] = str(exc)
for name, stored in (("no_at", {"reference_type": "SnapshotDueAt"}), ("number_at", {"at": 7})):
    try:
        SnapshotDueAt.deserialize_reference(stored)
    except ValueError as exc:
        out[name] = str(exc)
print("RESULT" + json.dumps(out))
"""


def _result(proc) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))[6:])


def test_a_runs_deadline_is_its_day_at_the_time_given_and_none_once_that_passed(own_airflow_env):
    env = {
        **own_airflow_env,
        "NEWSARCHIVE_DEADLINE": "06:30",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(
            ROOT / "plugins"
        ),  # where the scheduler finds the reference
    }
    out = _result(run_python(EVALUATE, env))
    today = datetime.now(UTC).date()
    assert out["name"] == "snapshot complete by 06:30:00 UTC" and out["off"] is None
    assert out["tomorrow"] == f"{today + timedelta(days=1)}T06:30:00+00:00"
    assert out["yesterday"] is None  # a run created after its day's deadline (a backfill) gets none
    assert (
        out["manual"] == f"{today + timedelta(days=2)}T06:30:00+00:00"
    )  # no logical date: run_after
    assert out["nosuch"] is None
    assert out["round_trip"] == "07:15:00"
    assert out["bad"] == "a deadline's time of day is HH:MM or HH:MM:SS (UTC), not '25:00'"
    # a stored reference without its time of day is named as such, whatever else it holds
    assert out["no_at"].startswith("a stored SnapshotDueAt deadline has no time of day ('at')")
    assert out["number_at"].startswith("a stored SnapshotDueAt deadline has no time of day")


MISSED = """
import json
from newsarchive.airflow_glue.deadline import missed
for day in DAYS:
    missed({"dag_run": {"logical_date": f"{day}T03:00:00+00:00", "dag_id": "news_archive",
                        "dag_run_id": f"scheduled__{day}T03:00:00+00:00"}})
print("RESULT" + json.dumps("done"))
"""


def test_a_missed_deadline_alerts_once_a_day_naming_what_is_late_and_a_complete_day_never(
    own_airflow_env, tmp_path
):
    store = open_store(tmp_path / "archive")
    today = datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    active = load_registry(ROOT / "outlets.toml").active_ids
    rows = [capture(n, yesterday, outlet=o) for n, o in enumerate(active)]
    publish_snapshot(store, yesterday, rows, {})  # yesterday complete after all: no alert
    run_id = f"scheduled__{today}T03:00:00+00:00"
    for subject, stage, state, reason, message in (
        ("orient", "crawl", "failed", "http_500", "outlet orient: every discovery URL failed"),
        ("anapress", "extract", "running", "", ""),
    ):
        live_state.write(
            store,
            live_state.transition(
                None,
                subject=subject,
                day=today.isoformat(),
                run_id=run_id,
                stage=stage,
                state=state,
                when=datetime.now(UTC),  # today's tries, after yesterday's publish
                reason=reason,
                message=message,
                try_number=3 if state == "failed" else 1,
                max_tries=3,
            ),
        )
    env = {
        **own_airflow_env,
        "NEWSARCHIVE_ARCHIVE": str(tmp_path / "archive"),
        "NEWSARCHIVE_DEADLINE": "06:00",
    }
    for name in (
        "NEWSARCHIVE_OUTLETS",
        "NEWSARCHIVE_AWS_CONN_ID",
        "NEWSARCHIVE_ALERT_SMTP_CONN_ID",
    ):
        env.pop(name, None)
    days = [today.isoformat(), today.isoformat(), yesterday.isoformat()]
    _result(run_python(f"DAYS = {days!r}\n" + MISSED, env))

    marker = json.loads(store.get_bytes(layout.deadline_alert_key(today)))
    assert (marker["day"], marker["run_id"]) == (today.isoformat(), run_id)
    first, _checked, *why = marker["cause"].splitlines()
    assert first == (
        f"the snapshot of {today} is not published at its deadline 06:00:00 UTC: "
        "orient crawl http_500, failed: try 3 of 3"
    )
    assert why == [
        "- orient: crawl http_500, failed: try 3 of 3: outlet orient: every discovery URL failed",
        "- still running: anapress (extract)",
    ]
    assert not store.exists(layout.deadline_alert_key(yesterday))
    alerts = [i.key for i in store.list(layout.deadline_alert_key(today).rsplit("/", 1)[0] + "/")]
    assert alerts == [layout.deadline_alert_key(today)]  # the second call alerted no more
