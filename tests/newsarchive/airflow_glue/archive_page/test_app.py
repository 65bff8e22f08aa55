"""newsarchive/airflow_glue/archive_page/app.py: the Archive page's app (mounted by the Airflow plugin at
/newsarchive), served in process over a local archive named by NEWSARCHIVE_ARCHIVE: the page and its JSON
before the first run and after it, what the start script found out about the machine, and an archive
that cannot be read named in one line instead of a traceback. (The page under a real Airflow, in
Chromium: tests/dags/test_archive_page.py; its data and HTML: test_health.py, test_render.py.)"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.airflow_glue.archive_page.app import REACHABILITY_ENV, app
from tests.archive.test_stories import DAY, capture
from tests.archive.warcs import Page, page_html, write_warc


@pytest.fixture
def client(tmp_path, monkeypatch) -> TestClient:
    """The app as the Airflow API server runs it, on an archive of its own (none yet)."""
    for name in ("NEWSARCHIVE_AWS_CONN_ID", "NEWSARCHIVE_OUTLETS", REACHABILITY_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", str(tmp_path / "archive"))
    return TestClient(app)


def test_before_the_first_run_the_page_says_there_is_nothing_yet(client, tmp_path):
    page = client.get("/")
    assert page.status_code == 200 and "no snapshots in this archive yet" in page.text
    found = client.get("/health.json").json()
    assert found["archive"] == str(tmp_path / "archive") and len(found["days"]) == 30
    assert (found["snapshots"], found["outlets"], found["gaps"]) == ([], [], [])
    assert not (tmp_path / "archive").exists()  # reading the page never creates the archive


def test_a_published_day_is_on_the_page_and_in_its_json(client, tmp_path):
    store = open_store(tmp_path / "archive")
    row = capture(1, DAY)
    page = Page(row.url, row.capture_id, "2026-11-21T03:00:00Z", page_html(row.title, row.text))
    publish_snapshot(
        store,
        DAY,
        [row],
        {"orient": write_warc(tmp_path / "o.warc.gz", [page])},
        run_id="manual__x",
    )
    found = client.get("/health.json").json()
    [snapshot] = found["snapshots"]
    assert (snapshot["day"], snapshot["rev"], snapshot["run_id"], snapshot["verify"]) == (
        DAY.isoformat(),
        1,
        "manual__x",
        "ok",
    )
    assert "orient" in client.get("/").text


def test_what_the_start_script_found_is_shown_escaped_and_a_bad_file_is_ignored(
    client, tmp_path, monkeypatch
):
    notice = tmp_path / "reachability.json"
    notice.write_text(
        json.dumps({"message": "no outlet answers <b>from here</b>: make run REPLICA=1"})
    )
    monkeypatch.setenv(REACHABILITY_ENV, str(notice))
    page = client.get("/").text
    assert "no outlet answers &lt;b&gt;from here&lt;/b&gt;: make run REPLICA=1" in page
    assert "<b>from here</b>" not in page
    notice.write_text("{half a file")
    again = client.get("/")
    assert again.status_code == 200 and "no outlet answers" not in again.text


def test_an_archive_that_cannot_be_read_is_one_line_on_the_page_and_in_the_json(
    client, tmp_path, monkeypatch
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", str(blocker))  # a file where the archive should be
    page = client.get("/")
    assert page.status_code == 503 and "class='error'" in page.text and "Traceback" not in page.text
    error = client.get("/health.json")
    assert error.status_code == 503 and str(blocker) in error.json()["error"]
    assert "\n" not in error.json()["error"]


def test_a_story_page_is_for_a_story_id_only(client, tmp_path):
    open_store(tmp_path / "archive")
    assert client.get("/story/not-an-id").status_code == 404
    missing = client.get("/story/" + "0" * 16)
    assert missing.status_code == 404 and "0" * 16 in missing.text
    assert "<script>" not in client.get("/story/%3Cscript%3E").text
