"""newsarchive/airflow_glue/tasks.py: every Airflow task process imports it, so it must not pay for Scrapy (the
crawl is a subprocess) nor trafilatura (only the extract tasks import it, when they run); the DAG's first
task is the run's preflight."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_python

PREFLIGHT = """
import json
from newsarchive.airflow_glue import tasks
try:
    print("RESULT" + json.dumps(["ok", tasks.list_outlets({})]))
except Exception as exc:
    print("RESULT" + json.dumps([type(exc).__name__, str(exc), getattr(exc, "reason", "")]))
"""


@pytest.mark.slow  # a Python subprocess
def test_the_task_module_imports_neither_scrapy_nor_trafilatura():
    code = (
        "import sys, newsarchive.airflow_glue.tasks, newsarchive.run.stages; "
        "print(sorted(m for m in ('scrapy', 'trafilatura') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.slow  # a Python subprocess importing Airflow
def test_the_dags_first_task_fails_for_good_on_what_would_stop_the_publish(airflow_env, tmp_path):
    """A signing key that does not load used to fail the publish task, after every outlet was crawled
    and extracted; the CLI named it up front. The DAG's list_outlets task now runs the same preflight."""
    archive = tmp_path / "archive"
    env = {**airflow_env, "NEWSARCHIVE_ARCHIVE": str(archive)}
    ok = run_python(PREFLIGHT, env)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert json.loads(ok.stdout.split("RESULT")[1])[0] == "ok"
    for setting, named in (
        ({"NEWSARCHIVE_SIGNING_KEY": str(tmp_path / "no-key.pem")}, "NEWSARCHIVE_SIGNING_KEY"),
        ({"NEWSARCHIVE_RETENTION_DAYS": "30"}, "--retention-days needs an S3 archive"),
    ):
        bad = run_python(PREFLIGHT, {**env, **setting})
        kind, message, _reason = json.loads(bad.stdout.split("RESULT")[1])
        # AirflowFailException: no retry, which could not change a setting
        assert kind == "AirflowFailException" and named in message, message
        assert len(message.splitlines()) == 1
    assert not (archive / "staging").exists() and not (archive / "snapshots").exists()
