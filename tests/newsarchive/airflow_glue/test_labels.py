"""newsarchive/airflow_glue/labels.py: the cluster policy that labels each mapped task instance with the
value it was expanded from, when the scheduler creates it (so a crawl waiting for its retry, or an
extract that never runs, shows its outlet, not `2`), and keeps that label when Airflow writes NULL over
it. Run through the scheduler's own code in a Python process importing Airflow, on a metadata DB of its
own (own_airflow_env): the real DAG synced to the DB, a run created, list_outlets' XCom pushed, the
mapped tasks expanded. Under a running scheduler and its REST API: tests/dags/test_grid.py."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_python

pytestmark = pytest.mark.slow  # a Python process importing Airflow

SCHEDULE = """
import datetime as dt, json
from sqlalchemy import select, update
from airflow.dag_processing.bundles.manager import DagBundlesManager
from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
from airflow.models.serialized_dag import SerializedDagModel
from airflow.models.taskinstance import TaskInstance
from airflow.models.taskmap import TaskMap
from airflow.models.xcom import XComModel
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState, TaskInstanceState
from airflow.utils.types import DagRunType, DagRunTriggeredByType

DagBundlesManager().sync_bundles_to_db()
sync_bag_to_db(DagBag("dags"), "dags-folder", None)
out = {}
with create_session() as session:
    dag = SerializedDagModel.get_dag("news_archive", session=session)
    for day, (run_id, outlets) in enumerate(RUNS.items(), start=21):
        when = dt.datetime(2026, 11, day, 3, tzinfo=dt.UTC)
        run = dag.create_dagrun(run_id=run_id, logical_date=when, data_interval=(when, when), run_after=when,
                                run_type=DagRunType.MANUAL, triggered_by=DagRunTriggeredByType.TEST,
                                state=DagRunState.RUNNING, session=session)
        session.flush()
        [listing] = [t for t in run.get_task_instances(session=session) if t.task_id == "list_outlets"]
        XComModel.set("return_value", outlets, dag_id="news_archive", task_id="list_outlets",
                      run_id=run_id, session=session)  # what the task returned
        session.add(TaskMap.from_task_instance_xcom(listing, outlets))
        listing.state = TaskInstanceState.SUCCESS
        session.flush()
        run.dag = dag
        run.task_instance_scheduling_decisions(session=session)  # the scheduler expands the mapped tasks
        session.flush()
        out[run_id] = sorted([t.task_id, t.map_index, t._rendered_map_index]
                             for t in run.get_task_instances(session=session) if t.map_index >= 0)
    # Airflow writes NULL over a label (a retry's message carries none): in the ORM, and in an UPDATE
    crawl = lambda i: session.scalars(select(TaskInstance).where(
        TaskInstance.run_id == "daily", TaskInstance.task_id == "per_outlet.crawl",
        TaskInstance.map_index == i)).one()
    crawl(1)._rendered_map_index = None
    session.flush()
    session.execute(update(TaskInstance).where(TaskInstance.run_id == "daily",
        TaskInstance.task_id == "per_outlet.crawl", TaskInstance.map_index == 2).values(
        {"_rendered_map_index": None, "state": "up_for_retry"}))  # as the execution API does
    session.commit()
    session.expire_all()
    out["after_null"] = [crawl(i).rendered_map_index for i in range(3)]
print("RESULT" + json.dumps(out))
"""


def test_mapped_tasks_are_labelled_by_outlet_when_created_and_keep_it(own_airflow_env):
    runs = {"daily": ["anapress", "orient", "euronews"], "odd": ["x" * 300, 7, ""]}
    proc = run_python(f"RUNS = {runs!r}\n" + SCHEDULE, own_airflow_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))[6:])
    outlets = runs["daily"]
    assert out["daily"] == sorted(
        [task, i, outlet]
        for task in ("per_outlet.crawl", "per_outlet.extract")
        for i, outlet in enumerate(outlets)
    )
    # a value that is no short string: the first 250 characters, else Airflow's own index
    assert {(i, label) for task, i, label in out["odd"] if task == "per_outlet.crawl"} == {
        (0, "x" * 250),
        (1, None),
        (2, None),
    }
    assert out["after_null"] == outlets  # a label once given is never replaced by nothing
