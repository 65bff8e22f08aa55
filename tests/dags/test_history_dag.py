"""Article history under the DAG: `dag.test()` on the living replica's day D and D+1 with the revisit
schedule, then `newsarchive history` shows the next day's new headline (a new slug) and the three kinds
of deletion as dated versions, each deletion's capture kept."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from newsarchive.cli.main import main
from tests.conftest import run_python
from tests.newsarchive.run.test_history_living import url_of

pytestmark = pytest.mark.slow
DAY = date(2026, 11, 21)
TWO_DAYS = """
import pendulum
from airflow.dag_processing.dagbag import DagBag
dag = DagBag("dags").get_dag("news_archive")
for day in (21, 22):
    run = dag.test(logical_date=pendulum.datetime(2026, 11, day, 3, tz="UTC"))
    print("RESULT", day, run.state)
"""


def test_dag_runs_record_an_edit_and_each_deletion(airflow_env, living_replica, tmp_path, capsys):
    archive = tmp_path / "archive"
    env = {
        **airflow_env,
        "NEWSARCHIVE_ARCHIVE": str(archive),
        "NEWSARCHIVE_HOST_MAP": json.dumps(living_replica.host_map),
        "NEWSARCHIVE_REVISIT_DAYS": "1",
    }
    proc = run_python(TWO_DAYS, env, timeout=1500)
    assert "RESULT 21 success" in proc.stdout and "RESULT 22 success" in proc.stdout, (
        proc.stdout[-3000:] + proc.stderr[-3000:]
    )
    expected = {
        ("orient", 0): (["new", "edited"], None),
        ("zamanalwsl", 1): (["new", "gone"], "http_404"),
        ("euronews", 2): (["new", "gone"], "redirect"),
        ("enabbaladi", 2): (["new", "gone"], "soft_404"),
    }
    for (outlet, n), (changes, gone) in expected.items():
        capsys.readouterr()
        url = url_of(living_replica, outlet, n)
        assert main(["history", url, "--archive", str(archive), "--format", "json"]) == 0
        story = json.loads(capsys.readouterr().out)
        assert [v["change"] for v in story["versions"]] == changes, (outlet, n)
        last = story["versions"][-1]
        assert last["gone"] == gone and last["capture_id"]
        assert last["snapshot"][:10] == (DAY + timedelta(days=1)).isoformat()
