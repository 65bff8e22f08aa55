"""Stories and versions in the current-articles table: a stable story id across edits, slug changes and
deletion; a version only when the title, text, author or publication day changed."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from archive import layout
from archive.current_table import refresh_day
from archive.records import ArchivedRow
from archive.snapshot import publish_snapshot
from archive.store import open_store

DAY = date(2026, 11, 21)
URL = "https://www.orient-news.net/news/700001"


def capture(n: int, day: date, url: str = URL, **kw) -> ArchivedRow:
    fields = dict(
        id=f"{n:016x}",
        url=url,
        canonical_url=url,
        outlet="orient",
        title="قصف على ريف إدلب",
        author=None,
        published="2026-11-21T09:00:00+03:00",
        date_source="jsonld",
        modified=None,
        language="ar",
        text="قال ناشطون إن ١٢ شخصا قتلوا في القصف.\nوأضافوا أن الطيران استهدف السوق.",
        fetched_at=f"{day.isoformat()}T03:00:00+00:00",
        capture_id=f"<urn:uuid:{n:08x}-0000-0000-0000-000000000000>",
    )
    return ArchivedRow(**{**fields, **kw})


def publish_days(store, days: list[list[ArchivedRow]]) -> list:
    tables = []
    for offset, rows in enumerate(days):
        day = DAY + timedelta(days=offset)
        publish_snapshot(store, day, rows, {})
        refresh_day(store, day.isoformat())
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / "t.parquet"
            store.download(layout.current_table_key(day.isoformat()), local)
            tables.append(pq.read_table(local).to_pylist())
    return tables


def test_edits_slug_changes_and_a_deletion_keep_one_story(tmp_path):
    store = open_store(str(tmp_path / "archive"))
    moved = "https://www.orient-news.net/news/700001-new-slug"
    days = publish_days(
        store,
        [
            [capture(1, DAY)],
            [capture(2, DAY + timedelta(1), title="محدّث: قصف على ريف إدلب")],  # retitled
            [capture(3, DAY + timedelta(2), title="محدّث: قصف على ريف إدلب")],  # the same again
            [  # moved to a new slug (reached from the old page), a number corrected
                capture(
                    4,
                    DAY + timedelta(3),
                    url=moved,
                    title="محدّث: قصف على ريف إدلب",
                    text="قال ناشطون إن ١٥ شخصا قتلوا في القصف.\nوأضافوا أن الطيران استهدف السوق.",
                    via=URL,
                )
            ],
            [capture(5, DAY + timedelta(4), url=moved, title="", text="", gone="http_404")],
            [
                capture(
                    6, DAY + timedelta(5), url="https://www.orient-news.net/news/9", gone="http_410"
                )
            ],
        ],
    )
    rows = [day[0] for day in days]
    story = rows[0]["story_id"]
    assert [r["story_id"] for r in rows[:5]] == [story] * 5
    assert [r["version"] for r in rows[:5]] == [1, 2, 2, 3, 4]
    assert [r["change"] for r in rows[:5]] == ["new", "edited", None, "edited", "gone"]
    assert rows[1]["version_sha"] == rows[2]["version_sha"] != rows[0]["version_sha"]
    # a deletion of a page never archived is evidence, not a version of anything
    assert rows[5]["story_id"] != story and rows[5]["change"] is None and rows[5]["version"] is None


def test_a_story_seen_again_after_its_deletion_is_a_new_version(tmp_path):
    store = open_store(str(tmp_path / "archive"))
    days = publish_days(
        store,
        [
            [capture(1, DAY)],
            [capture(2, DAY + timedelta(1), title="", text="", gone="soft_404")],
            [capture(3, DAY + timedelta(2), title="", text="", gone="soft_404")],
            [capture(4, DAY + timedelta(3))],
        ],
    )
    assert [(d[0]["version"], d[0]["change"]) for d in days] == [
        (1, "new"),
        (2, "gone"),
        (2, None),
        (3, "edited"),
    ]
