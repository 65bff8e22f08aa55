"""newsarchive/run/repair.py: `newsarchive repair crawl-state OUTLET` rebuilds an outlet's crawl state
from the archive's snapshots (the damaged state and the CLI around it: tests/newsarchive/test_damaged.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from archive import layout
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.config import Settings
from newsarchive.run.repair import repair_crawl_state
from spiders.state import CrawlStateError, load_crawl_state, seen_key
from tests.archive.test_stories import DAY, URL, capture

OTHER = "https://www.orient-news.net/news/700002"
ANAPRESS = "https://www.anapress.net/a/1"


@pytest.fixture
def archive(tmp_path):
    """Two days of orient (a page captured on both, under another spelling of its URL the second day)
    and one anapress page; orient's crawl state damaged."""
    store = open_store(tmp_path / "archive")
    publish_snapshot(
        store, DAY, [capture(1, DAY), capture(2, DAY, url=ANAPRESS, outlet="anapress")], {}
    )
    again = URL.replace("https://www.", "http://") + "/"
    publish_snapshot(
        store, DAY + timedelta(1), [capture(3, DAY, url=again), capture(4, DAY, url=OTHER)], {}
    )
    store.put_bytes(layout.crawl_state_key("orient"), b"\x1f\x8b not a state", overwrite=True)
    return tmp_path / "archive", store


def test_the_state_sees_every_page_the_snapshots_hold_on_the_day_first_archived(archive):
    path, store = archive
    with pytest.raises(CrawlStateError):
        load_crawl_state(store, "orient")
    assert repair_crawl_state(Settings(archive=str(path)), "orient") == 2
    state = load_crawl_state(store, "orient")
    assert state.seen == {
        seen_key(URL): DAY.isoformat(),
        seen_key(OTHER): (DAY + timedelta(1)).isoformat(),
    }
    assert state.pending == {} and state.validators == {}  # pending work starts afresh
    kept = [i.key for i in store.list(layout.CRAWL_STATE_PREFIX) if ".damaged-" in i.key]
    assert len(kept) == 1 and kept[0].startswith(layout.crawl_state_key("orient"))
    assert load_crawl_state(store, "anapress").seen == {}  # another outlet's state is left alone


def test_a_damaged_snapshot_is_skipped_and_named(archive, caplog):
    """Its pages are then fetched again: nothing is lost by leaving it out."""
    path, store = archive
    second = layout.snapshot_prefix(DAY + timedelta(1), 1)
    (path / second / layout.MANIFEST).write_bytes(b"{}")
    with caplog.at_level(logging.WARNING, logger="newsarchive.run.repair"):
        assert repair_crawl_state(Settings(archive=str(path)), "orient") == 1
    assert load_crawl_state(store, "orient").seen == {seen_key(URL): DAY.isoformat()}
    assert any(
        f"{(DAY + timedelta(1)).isoformat()} rev 1" in r.getMessage() for r in caplog.records
    ), [r.getMessage() for r in caplog.records]
