"""The news_reextract DAG under real Airflow: it parses, and `dag.test()` re-extracts an archived day."""

import json
from datetime import date

import pytest

from archive.snapshot import list_snapshots, load_manifest, read_articles
from archive.store import open_store
from archive.verify import verify_snapshot
from newsarchive.config import Settings
from newsarchive.run.pipeline import run_pipeline
from replica.faults import PROMO_LINE
from replica.server import ReplicaServer
from tests.conftest import ROOT, run_python

pytestmark = pytest.mark.slow  # Airflow, a pipeline run

DAY = date(2026, 11, 21)
DAG_TEST = """
import json
import pendulum
from airflow.dag_processing.dagbag import DagBag
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session
bag = DagBag("dags")
assert not bag.import_errors, bag.import_errors
dag = bag.get_dag("news_reextract")
print("TASKS" + json.dumps(sorted(t.task_id for t in dag.tasks)))
run = dag.test(run_after=pendulum.datetime(2026, 11, 29, 3, tz="UTC"), run_conf=CONF)
with create_session() as session:
    tis = session.query(TaskInstance).filter(TaskInstance.run_id == run.run_id).all()
    states = {f"{ti.task_id}[{ti.rendered_map_index or ti.map_index}]" if ti.map_index >= 0 else ti.task_id:
              str(ti.state) for ti in tis}
print("STATES" + json.dumps(states))
print("RESULT" + json.dumps(str(run.state)))
"""


def _line(proc, prefix: str):
    return json.loads(
        next(x for x in proc.stdout.splitlines() if x.startswith(prefix))[len(prefix) :]
    )


def test_dag_test_reextracts_a_day_with_a_new_rule(airflow_env, tmp_path):
    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=20) as server:
        server.replica.faults.set("anapress", "new_furniture")
        run_pipeline(
            Settings(archive=str(archive), host_map=server.host_map), DAY, ["anapress", "orient"]
        )
        requests = len(server.replica.requests)
        outlets = tmp_path / "outlets.toml"
        old = 'prune = [".news-ticker", ".views-count", ".font-tools", ".tags"]'
        outlets.write_text(
            (ROOT / "outlets.toml")
            .read_text(encoding="utf-8")
            .replace(old, old[:-1] + ', ".app-promo"]'),
            encoding="utf-8",
        )
        conf = {
            "since": DAY.isoformat(),
            "until": (DAY.replace(day=22)).isoformat(),
            "outlets": ["anapress"],
            "only_stale": True,
            "reason": "anapress: prune .app-promo",
        }
        env = {
            **airflow_env,
            "NEWSARCHIVE_ARCHIVE": str(archive),
            "NEWSARCHIVE_OUTLETS": str(outlets),
        }
        proc = run_python(f"CONF = {conf!r}\n" + DAG_TEST, env)
        assert len(server.replica.requests) == requests  # no request reached the outlets

    assert _line(proc, "RESULT") == "success", (proc.stdout[-3000:], proc.stderr[-3000:])
    assert _line(proc, "TASKS") == ["list_days", "reextract"]
    assert _line(proc, "STATES") == {"list_days": "success", f"reextract[{DAY}]": "success"}
    log = proc.stdout + proc.stderr
    assert f"SUMMARY reextract {DAY}: published {DAY} rev 2 (derived from {DAY} rev 1)" in log
    assert f"   20 × {PROMO_LINE}" in log
    store = open_store(archive)
    old_ref, new_ref = list_snapshots(store, DAY, DAY)
    manifest = load_manifest(store, new_ref)
    assert (
        manifest.derived_from == old_ref.label
        and manifest.derived_reason == "anapress: prune .app-promo"
    )
    assert manifest.run_id.startswith("manual__") and list(manifest.rules) == ["anapress"]
    assert not [
        t for t in read_articles(store, new_ref).column("text").to_pylist() if PROMO_LINE in t
    ]
    assert verify_snapshot(store, new_ref) == [] and verify_snapshot(store, old_ref) == []
