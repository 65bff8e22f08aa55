"""Archives shared by the tests of a library module and of the command that serves it (a research module
in tests/newsarchive/research, its command in tests/newsarchive/cli, the Archive page)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from archive.current_table import refresh_day
from archive.snapshot import publish_snapshot
from archive.store import open_store
from tests.archive.test_current_table import row
from tests.archive.test_stories import DAY, URL, capture, publish_days

DAYS = [date(2026, 11, 20), date(2026, 11, 21)]  # the days of `table_archive`

MOVED = "https://www.orient-news.net/news/700001-new-slug"
CORRECTED = "قال ناشطون إن ١٥ شخصا قتلوا في القصف.\nوأضافوا أن الطيران استهدف السوق."


@pytest.fixture
def story_archive(tmp_path, monkeypatch) -> str:
    """One story over five days in a local archive: new, retitled, seen again unchanged, corrected at a
    new URL (MOVED), then gone (http_404); its own cache of verified day files."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    where = str(tmp_path / "archive")
    publish_days(
        open_store(where),
        [
            [capture(1, DAY)],
            [capture(2, DAY + timedelta(1), title="محدّث: قصف على ريف إدلب")],
            [capture(3, DAY + timedelta(2), title="محدّث: قصف على ريف إدلب")],
            [
                capture(
                    4,
                    DAY + timedelta(3),
                    url=MOVED,
                    title="محدّث: قصف على ريف إدلب",
                    text=CORRECTED,
                    via=URL,
                )
            ],
            [capture(5, DAY + timedelta(4), url=MOVED, title="", text="", gone="http_404")],
        ],
    )
    return where


@pytest.fixture
def table_archive(archive_url) -> str:
    """The current-articles table of two days (DAYS), on each backend (`archive_url`): three rows a
    day, one a duplicate; the second day published again (rev 2: one row carried, one new)."""
    store = open_store(archive_url)
    for n, day in enumerate(DAYS):
        rows = [
            row(10 * n + 1, outlet="orient"),
            row(10 * n + 2, outlet="anapress"),
            row(10 * n + 3, outlet="orient", duplicate_of=f"{10 * n + 1:016x}"),
        ]
        publish_snapshot(store, day, rows, {})
        refresh_day(store, day.isoformat())
    publish_snapshot(
        store,
        DAYS[1],
        [row(11, outlet="orient", carried_from="2026-11-21 rev 1"), row(15, outlet="euronews")],
        {},
    )  # a rerun: rev 2 of the second day
    refresh_day(store, DAYS[1].isoformat())
    return archive_url
