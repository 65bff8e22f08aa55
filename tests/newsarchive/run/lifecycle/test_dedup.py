"""newsarchive/run/lifecycle/dedup.py: the one dedup pass over a whole day (the rows a publish brings and
those carried forward from the day's newest rev), against the window of the days before it. A row's
decision depends on the articles' own facts, never on the order they came in or which rev brought them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from archive.snapshot import SnapshotRef, publish_snapshot
from archive.store import open_store
from newsarchive.run.lifecycle.dedup import carry_forward, dedup_day
from newsarchive.run.lifecycle.transaction import segment_file
from tests.archive.test_stories import DAY, capture
from tests.newsarchive.run.staging import text

THRESHOLD = 0.8
EURONEWS = "https://arabic.euronews.com/2026/11/21/story"
COPY = "https://www.enabbaladi.net/archives/10"


def _day_rows():
    """A story (euronews, 07:07), the same text republished 40 minutes later (enabbaladi), an article of
    its own, and a deletion's evidence (no text)."""
    return [
        capture(1, DAY, url=EURONEWS, outlet="euronews", text=text(1), published="2026-11-21T07:07:00+03:00"),
        capture(2, DAY, url=COPY, outlet="enabbaladi", text=text(1), published="2026-11-21T07:47:00+03:00"),
        capture(3, DAY, text=text(3)),
        capture(4, DAY, url=COPY + "9", outlet="enabbaladi", title="", text="", gone="http_404"),
    ]  # fmt: skip


def _decisions(rows):
    return {r.id: (r.duplicate_of, r.revision_of, r.reason) for r in rows}


def test_the_earliest_published_is_the_original_whatever_order_the_rows_came_in(tmp_path):
    store = open_store(tmp_path / "archive")
    rows = _day_rows()
    forward = dedup_day(store, DAY, rows, 7, THRESHOLD)
    backward = dedup_day(store, DAY, rows[::-1], 7, THRESHOLD)
    assert [r.id for r in forward.rows] == [r.id for r in backward.rows]
    assert _decisions(forward.rows) == _decisions(backward.rows)
    copy = _decisions(forward.rows)[rows[1].id]
    assert copy == (rows[0].id, None, "exact_content")
    assert _decisions(forward.rows)[rows[0].id] == (None, None, None)
    assert len(forward.rows) == 4  # nothing dropped: the deletion is kept and is no one's duplicate
    gone = next(r for r in forward.rows if r.gone)
    assert (gone.duplicate_of, gone.revision_of, gone.reason) == (None, None, None)
    assert forward.reasons == {"exact_content": 1}
    assert (forward.window, forward.window_articles) == ([], 0)


def test_a_day_is_checked_against_the_window_of_the_days_before_it(tmp_path):
    """Yesterday's rev carries its dedup segment: today's republication of its story is a duplicate of
    it; outside the window it is an original again."""
    store = open_store(tmp_path / "archive")
    yesterday = dedup_day(store, DAY, _day_rows()[:1], 7, THRESHOLD)
    publish_snapshot(store, DAY, yesterday.rows, {}, extra=segment_file(yesterday, tmp_path))
    later = replace(_day_rows()[1], published=None, published_date=None)  # undated: sorted last
    today = dedup_day(store, DAY + timedelta(1), [later], 7, THRESHOLD)
    assert today.window == [SnapshotRef(DAY.isoformat(), 1).label] and today.window_articles == 1
    assert _decisions(today.rows)[later.id] == (yesterday.rows[0].id, None, "exact_content")
    outside = dedup_day(store, DAY + timedelta(9), [later], 7, THRESHOLD)
    assert outside.window == [] and _decisions(outside.rows)[later.id] == (None, None, None)


def test_rows_not_captured_again_are_carried_forward_naming_the_rev_of_their_capture(tmp_path):
    store = open_store(tmp_path / "archive")
    assert carry_forward(store, None, _day_rows()) == ([], None)
    older = replace(
        _day_rows()[2],
        id="c" * 16,
        url="https://www.orient-news.net/news/1",
        carried_from="2026-11-20 rev 1",
    )
    base, manifest = publish_snapshot(store, DAY, [*_day_rows()[:2], older], {})
    again = replace(_day_rows()[0], id="f" * 16, url=EURONEWS.replace("https://", "http://") + "/")

    carried, read = carry_forward(store, base, [again])

    assert read is not None and (read.day, read.rev, read.archived) == (
        manifest.day,
        manifest.rev,
        3,
    )
    assert {r.url: r.carried_from for r in carried} == {
        COPY: base.label,  # its capture is in the base rev's WARC
        older.url: "2026-11-20 rev 1",  # carried into the base already: still where its capture is
    }
