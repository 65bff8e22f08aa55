"""The DAG under real Airflow: it parses cleanly, imports without I/O, and runs end to end."""

import json
import re
import subprocess
import sys

import pytest

from archive.snapshot import read_manifest, resolve_snapshot
from archive.store import open_store
from archive.verify import verify_snapshot
from tests.conftest import ROOT, run_python
from tests.equivalence import LIVING_DAYS, fingerprint, reextract_publishes_nothing, same_day

pytestmark = pytest.mark.slow  # Airflow

DAGBAG_CHECK = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag("dags")
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    out["dags"][dag_id] = {"tags": sorted(dag.tags), "retries": [t.retries for t in dag.tasks],
                           "tasks": sorted(t.task_id for t in dag.tasks), "max_active_runs": dag.max_active_runs,
                           "catchup": dag.catchup, "doc": bool(dag.doc_md)}
print("RESULT" + json.dumps(out))
"""


def _result(proc) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])


def test_dagbag_has_no_import_errors_and_every_dag_has_tags_and_retries(airflow_env):
    out = _result(run_python(DAGBAG_CHECK, airflow_env))
    assert out["errors"] == {}
    assert "news_archive" in out["dags"]
    for dag_id, dag in out["dags"].items():
        assert dag["tags"], dag_id
        assert min(dag["retries"]) >= 2, dag_id
    dag = out["dags"]["news_archive"]
    assert dag["tasks"] == [
        "dedup",
        "gc",
        "list_outlets",
        "per_outlet.crawl",
        "per_outlet.extract",
        "publish",
        "quality",
    ]
    assert dag["max_active_runs"] == 1 and dag["catchup"] is False and dag["doc"]


IMPORT_AUDIT = """
import importlib.util, json, sys
import airflow.sdk, croniter, pendulum  # warm the libraries so only the DAG file's own behaviour is audited
events = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and not args[0].endswith((".py", ".pyc")) and "site-packages" not in args[0] and "/lib/python" not in args[0]:
        events.append(["open", args[0]])
    elif event in ("socket.connect", "socket.getaddrinfo", "subprocess.Popen"):
        events.append([event, repr(args)[:200]])
sys.addaudithook(hook)
spec = importlib.util.spec_from_file_location("news_archive_dag", "dags/news_archive.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print("RESULT" + json.dumps(events))
"""


def test_importing_the_dag_file_touches_neither_network_nor_store(airflow_env):
    env = {
        **airflow_env,
        "NEWSARCHIVE_ARCHIVE": "s3://no-such-bucket/x",
        "NEWSARCHIVE_OUTLETS": "/nonexistent.toml",
    }
    assert _result(run_python(IMPORT_AUDIT, env)) == []


def test_dag_serializes_for_the_scheduler(airflow_env):
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run(
        [*airflow, "dags", "reserialize"],
        env=airflow_env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    listed = subprocess.run(
        [*airflow, "dags", "list", "-o", "json"],
        env=airflow_env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    rows = json.loads(next(line for line in listed.stdout.splitlines() if line.startswith("[")))
    assert "news_archive" in [d["dag_id"] for d in rows]


DAG_TEST = """
import json
import pendulum
from airflow.dag_processing.dagbag import DagBag
from airflow.models.asset import AssetEvent
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session
dag = DagBag("dags").get_dag("news_archive")
RETRY_DELAY = None
if RETRY_DELAY is not None:  # a test of failures need not wait the production backoff between tries
    for t in dag.tasks:
        t.retry_delay = RETRY_DELAY
run = dag.test(logical_date=pendulum.datetime(2026, 11, 21, 3, tz="UTC"))
with create_session() as session:
    tis = session.query(TaskInstance).filter(TaskInstance.run_id == run.run_id).all()
    states = {f"{ti.task_id}[{ti.rendered_map_index or ti.map_index}]" if ti.map_index >= 0 else ti.task_id:
              [str(ti.state), ti.try_number] for ti in tis}
    mine = session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id).all()
    events = [{"asset": e.asset.name, "extra": e.extra} for e in mine]  # this run's, of the shared DB
print("STATES" + json.dumps(states))
print("EVENTS" + json.dumps(events))
print("RESULT" + '"' + str(run.state) + '"')
"""


XCOM_COUNTS = """
from airflow.models.xcom import XComModel
with create_session() as session:
    rows = session.scalars(XComModel.get_many(run_id=run.run_id, key="counts", task_ids="per_outlet.crawl")).all()
    values = [XComModel.deserialize_value(r) for r in rows]
    print("COUNTS" + json.dumps({v["outlet"]: v for v in values}))
"""


def _line(proc, prefix: str):
    return json.loads(
        next(x for x in proc.stdout.splitlines() if x.startswith(prefix))[len(prefix) :]
    )


def test_dag_test_runs_end_to_end_and_gives_the_day_the_cli_gives(
    airflow_env, living_replica, living_reference, tmp_path
):
    """`dag.test()` over the living replica's first day: the same article ids, duplicates, revisions,
    texts and gaps as `newsarchive run` (tests/equivalence.py), the canary passes, the Asset event names
    the snapshot, and re-extraction with the same rules publishes nothing."""
    archive = tmp_path / "archive"
    env = {
        **airflow_env,
        "NEWSARCHIVE_ARCHIVE": str(archive),
        "NEWSARCHIVE_HOST_MAP": json.dumps(living_replica.host_map),
    }
    proc = run_python(DAG_TEST, env)
    assert _result(proc) == "success", proc.stdout[-3000:]
    assert re.search(
        r"SUMMARY crawl anapress: discovered=\d+ fetched=\d+ failed=0", proc.stdout + proc.stderr
    )
    store = open_store(archive)
    ref = resolve_snapshot(store, "2026-11-21")
    manifest = read_manifest(store, ref)
    assert manifest["run_id"].startswith("manual__")
    settings, reference = living_reference
    expected = read_manifest(
        open_store(settings.archive), resolve_snapshot(open_store(settings.archive), "2026-11-21")
    )
    assert {o: c["archived"] for o, c in manifest["counts"]["outlets"].items()} == {
        o: c["archived"] for o, c in expected["counts"]["outlets"].items()
    }
    assert verify_snapshot(store, ref) == []
    same_day(fingerprint(store, LIVING_DAYS[0]), reference[LIVING_DAYS[0]], "dag.test()")
    # the canary passed, its figures are in the manifest, and publish emitted the snapshot's Asset event
    assert _line(proc, "STATES")["quality"][0] == "success"
    assert manifest["counts"]["quality"]["problems"] == []
    assert {o: f["new"] for o, f in manifest["counts"]["quality"]["outlets"].items()} == {
        o: c["current"] for o, c in manifest["counts"]["outlets"].items()
    }
    events = _line(proc, "EVENTS")
    assert [e["asset"] for e in events] == ["newsarchive_snapshot"]
    assert events[0]["extra"]["snapshot"] == "2026-11-21 rev 1"
    assert events[0]["extra"]["archived"] == manifest["counts"]["archived"]
    reextract_publishes_nothing(str(archive), LIVING_DAYS[0])


def test_an_outlet_answering_500_fails_its_own_task_and_the_rest_is_published(
    airflow_env, tmp_path
):
    """...and every task is labelled by its outlet (the extract that never ran too), the crawl's counts and
    cause reach its XCom and SUMMARY line, and the failed crawl and quality check each send an email with
    the outlet, the cause and a link to the run (SMTP notifier, to a local aiosmtpd server; Slack webhook
    notifier, to a local HTTP server)."""
    from replica.server import ReplicaServer
    from tests.smtp import SmtpSink, WebhookSink

    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=5) as replica, SmtpSink() as smtp, WebhookSink() as slack:
        replica.replica.faults.set("euronews", "http_500")
        env = {
            **airflow_env,
            "NEWSARCHIVE_ARCHIVE": str(archive),
            "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
            **smtp.alert_env("ops@example.org"),
            **slack.alert_env(),
            "AIRFLOW__API__BASE_URL": "http://airflow.example.org:8080",
        }
        proc = run_python(
            DAG_TEST.replace(
                "RETRY_DELAY = None", "import datetime; RETRY_DELAY = datetime.timedelta(seconds=1)"
            ).replace('print("STATES"', XCOM_COUNTS + 'print("STATES"'),
            env,
        )
        mails = smtp.wait_for(2)
        posts = slack.wait_for(2)
    states = {task: state for task, (state, _) in _line(proc, "STATES").items()}
    others = ("anapress", "orient", "enabbaladi", "zamanalwsl")
    assert states.get("per_outlet.crawl[euronews]") == "failed", states
    assert (
        _line(proc, "STATES")["per_outlet.crawl[euronews]"][1] == 3
    )  # the first try and its 2 retries
    assert all(
        states[f"per_outlet.{t}[{o}]"] == "success" for o in others for t in ("crawl", "extract")
    )
    # only the failed outlet's own extract is skipped (mapped as a group: per outlet, not all or nothing),
    # and it is labelled by its outlet though it never ran
    assert states["per_outlet.extract[euronews]"] == "upstream_failed"
    assert sorted(v for k, v in states.items() if k.startswith("per_outlet.extract")) == [
        "success"
    ] * 4 + ["upstream_failed"]
    counts = _line(proc, "COUNTS")
    assert (
        counts["euronews"]["error"] == "http_500"
        and "every discovery URL failed" in counts["euronews"]["message"]
    )
    assert (
        counts["euronews"]["fetched"] == 0
        and counts["euronews"]["discovery_failed"]["http_500"] >= 1
    )
    assert counts["anapress"]["fetched"] == 5 and "error" not in counts["anapress"]
    assert "SUMMARY crawl euronews: discovered=0 fetched=0" in proc.stdout + proc.stderr
    assert "FAILED (http_500)" in proc.stdout + proc.stderr
    subjects = sorted(m["Subject"] for m in mails)
    assert subjects[0].startswith(
        "[newsarchive] per_outlet.crawl[euronews] failed for euronews: outlet euronews:"
    )
    assert subjects[1].startswith(
        "[newsarchive] quality failed for euronews: quality check of snapshot 2026-11-21"
    )
    for mail in mails:
        body = mail.get_payload(decode=True) if not mail.is_multipart() else SmtpSink.html(mail)
        assert (
            "http://airflow.example.org:8080/dags/news_archive/runs/manual__" in body
            and "http_500" in body
        )
        assert mail["To"] == "ops@example.org"
    # the same two alerts through the Slack webhook notifier
    texts = sorted(p["text"] for p in posts)
    assert len(texts) == 2 and texts[0].startswith(
        "per_outlet.crawl[euronews] failed in run manual__"
    )
    assert all(
        "Outlet: euronews" in t and "http_500" in t and "/dags/news_archive/runs/manual__" in t
        for t in texts
    )
    assert states["publish"] == "success"
    assert states["quality"] == "failed"  # an outlet with no articles is what the canary is for
    assert _line(proc, "STATES")["quality"][1] == 1  # failed at once: its figures would not change
    assert _result(proc) == "failed"
    output = proc.stdout + proc.stderr
    assert "outlet euronews: every discovery URL failed" in output and "http_500" in output
    assert (
        "quality check of snapshot 2026-11-21 rev 1 failed" in output
        and "outlet euronews: 0 new articles" in output
    )
    store = open_store(archive)
    manifest = read_manifest(store, resolve_snapshot(store, "2026-11-21"))
    euronews = manifest["counts"]["outlets"]["euronews"]
    assert (euronews["status"], euronews["gap_stage"], euronews["gap_reason"]) == (
        "gap",
        "crawl",
        "http_500",
    )
    assert manifest["counts"]["archived"] == 20
    assert not list(store.list("staging/"))  # the run's staging went with its complete snapshot
    assert any(
        "outlet euronews: 0 new articles" in p for p in manifest["counts"]["quality"]["problems"]
    )


def test_dag_test_publishes_to_s3_with_credentials_from_an_airflow_connection(
    airflow_env, replica, s3_server
):
    conn = {
        "conn_type": "aws",
        "login": s3_server.env["AWS_ACCESS_KEY_ID"],
        "password": s3_server.env["AWS_SECRET_ACCESS_KEY"],
        "extra": {"endpoint_url": s3_server.endpoint, "region_name": "us-east-1"},
    }
    env = {k: v for k, v in airflow_env.items() if not k.startswith("AWS_")}
    env.update(
        {
            "NEWSARCHIVE_ARCHIVE": "s3://archive/dagtest",
            "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
            "NEWSARCHIVE_AWS_CONN_ID": "newsarchive_s3",
            "AIRFLOW_CONN_NEWSARCHIVE_S3": json.dumps(conn),
        }
    )
    proc = run_python(DAG_TEST, env)
    assert _result(proc) == "success", proc.stdout[-3000:]
    store = open_store(
        "s3://archive/dagtest"
    )  # this process has the server's settings in its environment
    ref = resolve_snapshot(store, "2026-11-21")
    manifest = read_manifest(store, ref)
    assert manifest["counts"]["archived"] == 100
    assert all(c["fetched"] == 20 for c in manifest["counts"]["outlets"].values())
    assert verify_snapshot(store, ref) == []


def test_a_rerun_of_the_date_with_a_failing_crawl_keeps_the_day_whole(airflow_env, tmp_path):
    """Under dag.test(): the date runs again (the same logical date, a new run id: dag.test's run ids end
    with the time they were made) while euronews answers 500. Rev 2 records euronews as a gap with its
    cause, claims no fetch for it, and carries its articles from rev 1 (another run's captures); nothing
    of rev 1 is lost, every capture is where its row says."""
    from replica.server import ReplicaServer
    from tests.newsarchive.run.test_integrity import check, everything_archived

    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=5) as replica:
        env = {
            **airflow_env,
            "NEWSARCHIVE_ARCHIVE": str(archive),
            "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
            "NEWSARCHIVE_REFETCH": "1",
        }
        code = DAG_TEST.replace(
            "RETRY_DELAY = None", "import datetime; RETRY_DELAY = datetime.timedelta(seconds=1)"
        )
        assert _result(run_python(code, env)) == "success"
        store = open_store(archive)
        before = everything_archived(store)
        replica.replica.faults.set("euronews", "http_500")
        proc = run_python(code, env)
    assert _result(proc) == "failed"  # the canary names the outlet
    manifest = read_manifest(store, resolve_snapshot(store, "2026-11-21"))
    assert manifest["snapshot"]["rev"] == 2 and manifest["base"] == "2026-11-21 rev 1"
    euronews = manifest["counts"]["outlets"]["euronews"]
    assert (euronews["status"], euronews["gap_stage"], euronews["gap_reason"]) == (
        "gap",
        "crawl",
        "http_500",
    )
    assert "fetched" not in euronews and euronews["carried"] == 5 and euronews["archived"] == 5
    assert manifest["counts"]["archived"] == 25
    assert not list(store.list("staging/"))
    check(
        "dag.test: crawl fails on a rerun",
        store,
        before,
        outlets=["anapress", "orient", "euronews", "enabbaladi", "zamanalwsl"],
    )
