"""Archives shared by the tests of a library module and of the command that serves it (a research module
in tests/newsarchive/research, its command in tests/newsarchive/cli)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from archive.store import open_store
from tests.archive.test_stories import DAY, URL, capture, publish_days

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
