"""The Archive page's changes panel (edits and deletions per outlet and day, linked to each story's
diffs) and `search --changed` / `--deleted`, over an archive whose story changed, moved and went."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from archive.current_table import refresh_day
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.airflow_glue.archive_page.app import app
from newsarchive.airflow_glue.archive_page.changes_panel import panel
from newsarchive.cli.main import main
from newsarchive.research.changes import per_day
from tests.archive.test_stories import DAY, capture
from tests.newsarchive.research.test_history import archive  # noqa: F401 (the fixture)


def test_the_panel_counts_edits_and_deletions_and_links_the_story(archive, monkeypatch):  # noqa: F811
    rows = per_day(open_store(archive), DAY, DAY.replace(day=30), warn=print)
    assert [(r.day, r.outlet, r.edited, r.gone) for r in rows] == [
        ("2026-11-25", "orient", 0, 1),
        ("2026-11-24", "orient", 1, 0),
        ("2026-11-22", "orient", 1, 0),
    ]
    html = panel(rows)
    story = rows[0].stories[0][0]
    assert f'href="story/{story}"' in html and 'data-change="http_404"' in html
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", archive)
    client = TestClient(app)
    page = client.get(f"/story/{story}")
    assert page.status_code == 200 and "<del>١٢</del> <ins>١٥</ins>" in page.text
    assert client.get("/story/not-an-id").status_code == 404
    assert "id='changes'" in client.get("/").text


def test_search_keeps_only_changed_or_deleted_stories(archive, capsys):  # noqa: F811
    other = "https://www.orient-news.net/news/700002"  # a story that never changed
    publish_days_after(archive, [capture(9, DAY + timedelta(days=5), url=other)])
    assert main(["search-index", "--archive", archive]) == 0
    capsys.readouterr()

    def hits(*extra: str) -> list[str]:
        assert main(["search", "ناشطون", "--archive", archive, "--limit", "50", *extra]) == 0
        return re.findall(r"^\d+\. ", capsys.readouterr().out, re.M)

    every, changed, deleted = hits(), hits("--changed"), hits("--deleted")
    # every capture but the other story's is of the one story, edited and then deleted
    assert len(every) == len(changed) + 1 and changed == deleted and changed
    assert hits("--deleted", "--outlet", "euronews") == []


def publish_days_after(where: str, rows: list) -> None:
    store = open_store(where)
    day = rows[0].fetched_at.date()
    publish_snapshot(store, day, rows, {})
    refresh_day(store, day.isoformat())
