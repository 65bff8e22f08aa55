"""The Archive page's changes panel (edits and deletions per outlet and day, linked to each story's
diffs), over an archive whose story changed, moved and went (`search --changed` / `--deleted`:
tests/newsarchive/research/test_changes.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from archive.store import open_store
from newsarchive.airflow_glue.archive_page.app import app
from newsarchive.airflow_glue.archive_page.changes_panel import panel
from newsarchive.research.changes import per_day
from tests.archive.test_stories import DAY


def test_the_panel_counts_edits_and_deletions_and_links_the_story(story_archive, monkeypatch):
    rows = per_day(open_store(story_archive), DAY, DAY.replace(day=30), warn=print)
    assert [(r.day, r.outlet, r.edited, r.gone) for r in rows] == [
        ("2026-11-25", "orient", 0, 1),
        ("2026-11-24", "orient", 1, 0),
        ("2026-11-22", "orient", 1, 0),
    ]
    html = panel(rows)
    story = rows[0].stories[0][0]
    assert f'href="story/{story}"' in html and 'data-change="http_404"' in html
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", story_archive)
    client = TestClient(app)
    page = client.get(f"/story/{story}")
    assert page.status_code == 200 and "<del>١٢</del> <ins>١٥</ins>" in page.text
    assert client.get("/story/not-an-id").status_code == 404
    assert "id='changes'" in client.get("/").text
