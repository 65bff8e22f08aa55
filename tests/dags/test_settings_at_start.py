"""The settings model where Airflow's processes start: the DAG files check the whole environment when
they are parsed (a wrong value is an import error naming its variable, not a DAG that vanishes without
a word), and `make cluster` and `make run` check it before they start any process (issue 24, item 5:
`NEWSARCHIVE_CRAWL_SLOTS=abc make cluster` started 8 processes, died with a traceback and left them
running; `=-1` gave an unlimited pool). Counted in `make test`'s summary as `edges (settings, ...)`."""

from __future__ import annotations

import json
import os
import subprocess

import psutil
import pytest

from tests.conftest import ROOT, run_python
from tests.report import edge_row

pytestmark = pytest.mark.slow  # Airflow, script subprocesses

DAGBAG = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag("dags")
dag = bag.dags.get("news_archive")
print("RESULT" + json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                             "schedule": None if dag is None else type(dag.timetable).__name__ + ":" + str(getattr(dag.timetable, "expression", "")),
                             "pool": None if dag is None else dag.get_task("per_outlet.crawl").pool}))
"""
CLUSTER_CASES = [
    ("NEWSARCHIVE_CRAWL_SLOTS", "abc"),
    ("NEWSARCHIVE_CRAWL_SLOTS", "-1"),
    ("NEWSARCHIVE_CRAWL_SLOTS", "0"),
    ("NEWSARCHIVE_WORKERS", "1e99"),
    ("NEWSARCHIVE_WORKER_CONCURRENCY", "two"),
    ("NEWSARCHIVE_WORKER_QUEUES", "crawl process"),
    ("NEWSARCHIVE_CLUSTER_PORT", "70000"),
    ("NEWSARCHIVE_PG_OPTIONS", "-c x=1; rm -rf /"),
    ("NEWSARCHIVE_STOP_GRACE_S", "-5"),
    ("NEWSARCHIVE_CRAWL_POOL", 'crawl", "slots": 99'),
    ("NEWSARCHIVE_SCHEDULE", "not a cron"),
    ("NEWSARCHIVE_WORKER", "4"),
]


def _dagbag(env: dict[str, str]) -> dict:
    proc = run_python(DAGBAG, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT") :])


def test_a_wrong_schedule_is_an_import_error_naming_the_variable(airflow_env):
    for value in ("not a cron", "0 3 * *", "61 3 * * *"):
        out = _dagbag({**airflow_env, "NEWSARCHIVE_SCHEDULE": value})
        errors = " ".join(e for k, e in out["errors"].items() if k.endswith("news_archive.py"))
        held = out["schedule"] is None and f"NEWSARCHIVE_SCHEDULE={value!r}: give a cron" in errors
        edge_row("settings, DAG parse", held=held, forged=out["schedule"] is not None)
        assert held, out


def test_the_dag_takes_its_settings_from_the_model(airflow_env):
    out = _dagbag({**airflow_env, "NEWSARCHIVE_SCHEDULE": "", "NEWSARCHIVE_CRAWL_POOL": "crawls"})
    assert out["errors"] == {} and out["pool"] == "crawls"
    assert out["schedule"].startswith("NullTimetable")  # empty: triggered runs only
    out = _dagbag({**airflow_env, "NEWSARCHIVE_SCHEDULE": "@hourly"})
    assert out["errors"] == {} and "0 * * * *" in out["schedule"], out


def _ours(marker: str) -> list[psutil.Process]:
    """Processes whose command line or environment names `marker` (a test's own directory)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if marker in " ".join(proc.info["cmdline"] or []) or marker in str(proc.environ()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.mark.parametrize("case", CLUSTER_CASES, ids=[f"{n}={v}" for n, v in CLUSTER_CASES])
def test_make_cluster_refuses_a_wrong_value_before_starting_anything(case, tmp_path):
    name, value = case
    home = tmp_path / "cluster"
    env = {**os.environ, "NEWSARCHIVE_CLUSTER_HOME": str(home), name: value}
    done = subprocess.run(
        [str(ROOT / "scripts" / "cluster.sh"), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stderr.strip().splitlines()
    left = _ours(str(home))
    held = done.returncode == 2 and len(lines) == 1 and name in lines[0] and not left
    edge_row("settings, scripts", held=held, traceback="Traceback" in done.stderr, lost=len(left))
    assert held, (done.returncode, done.stdout, done.stderr, left)
    assert not home.exists()  # not even its directory: nothing started, nothing written


def test_a_wrong_value_edited_into_cluster_env_is_named_with_the_file(tmp_path):
    home = tmp_path / "cluster"
    home.mkdir()
    (home / "cluster.env").write_text("export NEWSARCHIVE_CRAWL_SLOTS=-1\nexport API_PORT=1\n")
    env = {**os.environ, "NEWSARCHIVE_CLUSTER_HOME": str(home)}
    done = subprocess.run(
        [str(ROOT / "scripts" / "cluster.sh"), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done
    assert (
        "NEWSARCHIVE_CRAWL_SLOTS='-1'" in done.stderr and str(home / "cluster.env") in done.stderr
    )
    assert not list(home.glob("pids/*.pid")) and not _ours(str(home))


@pytest.mark.parametrize(
    "name, value",
    [("NEWSARCHIVE_REPLICA_PORT", "99999"), ("NEWSARCHIVE_MAX_ARTICLES", "abc")],
)
def test_make_run_refuses_a_wrong_value_before_starting_anything(name, value, tmp_path):
    home = tmp_path / "airflow"
    done = subprocess.run(
        [str(ROOT / "scripts" / "airflow.sh"), "start"],
        env={**os.environ, "AIRFLOW_HOME": str(home), name: value},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stderr.strip().splitlines()
    held = done.returncode == 2 and len(lines) == 1 and name in lines[0] and not home.exists()
    edge_row("settings, scripts", held=held, traceback="Traceback" in done.stderr)
    assert held, done
