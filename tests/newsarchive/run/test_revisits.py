"""newsarchive/run/revisits.py: which archived articles of an outlet a crawl of a day fetches again,
decided from the archive's stories (the current-articles table), and the file the crawl reads them from
(its decoder: tests/spiders/test_revisits.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from archive import layout
from archive.store import open_store
from newsarchive.run.revisits import plan
from spiders.revisits import Revisits
from tests.archive.test_stories import DAY, URL, capture, publish_days

OTHER = "https://www.orient-news.net/news/700002"


def test_due_at_each_age_of_its_first_capture_never_once_gone(tmp_path):
    store = open_store(str(tmp_path / "archive"))
    publish_days(
        store,
        [
            [capture(1, DAY), capture(2, DAY, url=OTHER)],
            [capture(3, DAY + timedelta(1), url=OTHER, title="", text="", gone="http_404")],
        ],
    )
    on = {age: plan(store, "orient", DAY + timedelta(age), (1, 7)) for age in (1, 2, 7)}
    since = f"{DAY.isoformat()}T03:00:00+00:00"  # when it was last fetched
    assert sorted(on[1].due) == [(URL, since), (OTHER, since)]
    assert on[2].due == [] and [url for url, _ in on[7].due] == [URL]
    assert set(on[2].known) == {URL}  # the deleted story is not followed any more
    assert plan(store, "orient", DAY + timedelta(1), ()).due == []
    assert plan(store, "anapress", DAY + timedelta(1), (1,)).due == []


def test_a_capture_fetched_after_its_day_is_asked_for_as_that_day_left_it(tmp_path):
    """A run of a past day fetched the page days later: the revisit asks If-Modified-Since the end of
    the day whose snapshot holds the capture, not the later fetch."""
    store = open_store(str(tmp_path / "archive"))
    late = f"{(DAY + timedelta(3)).isoformat()}T10:00:00+00:00"
    publish_days(store, [[capture(1, DAY, fetched_at=late)]])
    schedule = plan(store, "orient", DAY + timedelta(1), (1, 7))
    assert schedule.due == [(URL, f"{(DAY + timedelta(1)).isoformat()}T00:00:00+00:00")]
    assert schedule.known == {URL: f"{(DAY + timedelta(1)).isoformat()}T00:00:00+00:00"}


def test_the_plan_written_is_the_one_the_crawl_reads(tmp_path):
    store = open_store(str(tmp_path / "archive"))
    publish_days(store, [[capture(1, DAY), capture(2, DAY, url=OTHER)]])
    schedule = plan(store, "orient", DAY + timedelta(1), (1,))
    read = Revisits.from_bytes(schedule.write(tmp_path / "revisits.json").read_bytes())
    assert read.due == tuple(schedule.due) and len(read.due) == 2
    assert read.since(OTHER) == schedule.known[OTHER] == f"{DAY.isoformat()}T03:00:00+00:00"


def test_a_day_the_table_does_not_vouch_for_is_left_out_and_named(tmp_path, caplog):
    store = open_store(str(tmp_path / "archive"))
    publish_days(store, [[capture(1, DAY)], [capture(2, DAY + timedelta(1), url=OTHER)]])
    key = layout.current_table_key(DAY.isoformat())
    (tmp_path / "archive" / key).write_bytes(b"not the day file the record names")
    with caplog.at_level(logging.WARNING, logger="newsarchive.run.revisits"):
        schedule = plan(store, "orient", DAY + timedelta(2), (1, 2))
    assert schedule.due == [(OTHER, f"{(DAY + timedelta(1)).isoformat()}T03:00:00+00:00")]
    assert URL not in schedule.known  # its day is not trusted: not revisited from it
    assert any(
        key in r.getMessage() and "revisits of orient" in r.getMessage() for r in caplog.records
    )
