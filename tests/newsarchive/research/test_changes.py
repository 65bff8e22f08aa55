"""newsarchive/research/changes.py through `search --changed` / `--deleted`: only the stories that changed
or went are searched, over an archive whose story changed, moved and went (the Archive page's changes
panel: tests/newsarchive/airflow_glue/archive_page/test_changes_panel.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from archive.current_table import refresh_day
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.test_stories import DAY, capture


def test_search_keeps_only_changed_or_deleted_stories(story_archive, capsys):
    other = "https://www.orient-news.net/news/700002"  # a story that never changed
    publish_days_after(story_archive, [capture(9, DAY + timedelta(days=5), url=other)])
    assert main(["search-index", "--archive", story_archive]) == 0
    capsys.readouterr()

    def hits(*extra: str) -> list[str]:
        assert main(["search", "ناشطون", "--archive", story_archive, "--limit", "50", *extra]) == 0
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
