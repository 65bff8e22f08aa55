"""newsarchive/airflow_glue/reextract_tasks.py: the news_reextract DAG's task bodies on a local archive,
called as the DAG calls them (the run's params in the task context). A bad param fails the run for good
with one line naming it (slow: Airflow's exception, in a Python process importing Airflow); the DAG
itself under `dag.test()`: tests/dags/test_news_reextract.py."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from archive import layout
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.airflow_glue.reextract_tasks import list_days, reextract, request_of
from newsarchive.airflow_glue.task_events import REPORT_KEY
from newsarchive.reextract.day import ReextractError, ReextractRequest
from tests.archive.test_stories import DAY, capture
from tests.archive.warcs import Page, page_html, write_warc
from tests.conftest import run_python


@pytest.fixture
def archive(tmp_path, monkeypatch):
    """A task's environment: an archive with snapshots of DAY and DAY + 2 (orient's WARC with them)."""
    monkeypatch.delenv("NEWSARCHIVE_AWS_CONN_ID", raising=False)
    monkeypatch.delenv("NEWSARCHIVE_OUTLETS", raising=False)
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", str(tmp_path / "archive"))
    store = open_store(tmp_path / "archive")
    for offset in (0, 2):
        day = DAY + timedelta(days=offset)
        row = capture(offset + 1, day)
        page = Page(row.url, row.capture_id, f"{day}T03:00:00Z", page_html(row.title, row.text))
        warc = write_warc(tmp_path / f"{day}.warc.gz", [page])
        publish_snapshot(store, day, [row], {"orient": warc})
    return tmp_path / "archive"


def test_the_params_are_the_request_of_newsarchive_reextract():
    assert request_of({}) == ReextractRequest((), False, False, "")
    assert request_of(
        {"outlets": ["orient"], "only_stale": True, "reason": "orient: prune .promo"}
    ) == ReextractRequest(("orient",), True, False, "orient: prune .promo")
    for bad in ("orient", ["orient", 3]):
        with pytest.raises(ReextractError, match=r"param outlets: .* is not a list of outlet ids"):
            request_of({"outlets": bad})


def test_the_days_of_the_range_that_have_a_snapshot_are_listed(archive):
    context = {"params": {"since": DAY.isoformat(), "until": (DAY + timedelta(3)).isoformat()}}
    assert list_days(context) == [DAY.isoformat(), (DAY + timedelta(2)).isoformat()]
    assert context[REPORT_KEY].summary == (
        f"SUMMARY days: 2 archived days from {DAY} to {DAY + timedelta(3)}"
    )


def test_a_day_whose_warc_cannot_be_read_publishes_nothing_and_names_the_problem(archive, caplog):
    """Its rows stay as archived; the task's XCom counts the problem, its log names it."""
    (archive / layout.warc_key(layout.snapshot_prefix(DAY, 1), "orient")).write_bytes(b"damaged")
    context = {
        "params": {"outlets": ["orient"]},
        "dag_run": SimpleNamespace(run_id="manual__2026-12-06T10:00:00+00:00"),
    }
    caplog.set_level(logging.INFO)
    out = reextract(DAY.isoformat(), context)
    assert out == {
        "day": DAY.isoformat(),
        "source": "2026-11-21 rev 1",
        "published": None,
        "note": "nothing changed: no rev published",
        "problems": 1,
        "changed": {"orient": 0},
    }
    problems = [r.getMessage() for r in caplog.records if r.getMessage().startswith("PROBLEM")]
    assert (
        len(problems) == 1 and "orient: the WARC of 2026-11-21 rev 1 cannot be read" in problems[0]
    )
    assert context[REPORT_KEY].summary == (
        f"SUMMARY reextract {DAY}: nothing changed: no rev published (2026-11-21 rev 1)"
    )
    assert open_store(archive).exists(layout.snapshot_prefix(DAY, 2) + layout.SUCCESS) is False


BAD_PARAMS = """
import json
from airflow.sdk.exceptions import AirflowFailException
from newsarchive.airflow_glue.reextract_tasks import list_days
out = []
for params in PARAMS:
    try:
        out.append(["ok", list_days({"params": params})])
    except AirflowFailException as exc:
        out.append([getattr(exc, "reason", None), str(exc)])
print("RESULT" + json.dumps(out))
"""


def test_a_bad_param_fails_the_run_for_good_in_one_line(archive, airflow_env):
    cases = [
        {"since": "21/11/2026", "until": "2026-11-22"},
        {"since": "2026-11-24", "until": "2026-11-26"},
        {"since": "2026-11-21", "until": "2026-11-21", "outlets": ["nosuch"]},
        {"since": "2026-11-21", "until": "2026-11-21"},
    ]
    env = {**airflow_env, "NEWSARCHIVE_ARCHIVE": str(archive)}
    env.pop("NEWSARCHIVE_OUTLETS", None)
    proc = run_python(f"PARAMS = {cases!r}\n" + BAD_PARAMS, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("RESULT"))[6:])
    assert rows[0][0] == "reextract" and rows[0][1].startswith(
        "param since: '21/11/2026' is not a date; give a date YYYY-MM-DD"
    )
    assert rows[1] == ["reextract", f"no snapshot from 2026-11-24 to 2026-11-26 in {archive}"]
    assert rows[2][0] == "config" and rows[2][1].startswith(
        "unknown outlet 'nosuch'; known outlets:"
    )
    assert rows[3] == ["ok", ["2026-11-21"]]  # the same process: nothing stuck from a failure
    assert all("\n" not in text for _, text in rows[:3])
