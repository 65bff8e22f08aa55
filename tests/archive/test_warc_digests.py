"""archive/warc_digests.py: the payload digests of an outlet's archived responses of the run's own day,
which the crawl writes revisit records against. Only complete revs of that day and that outlet count, the
oldest capture of a payload wins, and a WARC that cannot be read (or does not match its manifest) costs
only its revisits: the other revs' digests are still there."""

from __future__ import annotations

import logging
from datetime import date

from archive import layout
from archive.snapshot import publish_snapshot
from archive.store import open_store
from archive.warc_digests import archived_digests, write_digests
from spiders.warc import Original, read_digests
from tests.archive.warcs import Page, page_html, payload_digest, row, write_warc

DAY = date(2026, 11, 21)
URL = "https://www.orient-news.net/ar/news_show/{}"
FIRST, SECOND, THIRD = (page_html(t, t * 20) for t in ("أول", "ثان", "ثالث"))


def _rid(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def _publish(store, tmp_path, day: date, pages: list[Page], outlet: str = "orient"):
    warc = write_warc(tmp_path / f"{outlet}-{day}-{pages[0].record_id[-3:]}.warc.gz", pages)
    return publish_snapshot(store, day, [row(0, pages[0], outlet)], {outlet: warc})[0]


def _archive(tmp_path):
    store = open_store(tmp_path / "archive")
    rev1 = _publish(
        store,
        tmp_path,
        DAY,
        [
            Page(URL.format(1), _rid(1), "2026-11-21T03:00:00Z", FIRST),
            Page(URL.format(2), _rid(2), "2026-11-21T03:01:00Z", SECOND),
        ],
    )
    rev2 = _publish(  # a rerun of the day: the first page again (a later capture), a revisit, a new one
        store,
        tmp_path,
        DAY,
        [
            Page(URL.format(1), _rid(11), "2026-11-21T09:00:00Z", FIRST),
            Page(URL.format(2), _rid(12), "2026-11-21T09:01:00Z", SECOND, (URL.format(2), "x")),
            Page(URL.format(3), _rid(13), "2026-11-21T09:02:00Z", THIRD),
        ],
    )
    # what is not the outlet's, or not the day's, is never a revisit's original
    _publish(
        store, tmp_path, DAY, [Page(URL.format(4), _rid(21), "2026-11-21T10:00:00Z", b"x")], "enab"
    )
    _publish(
        store,
        tmp_path,
        date(2026, 11, 20),
        [Page(URL.format(5), _rid(31), "2026-11-20T03:00:00Z", b"y")],
    )
    return store, rev1, rev2


def test_the_days_archived_payloads_of_the_outlet_the_oldest_capture_first(tmp_path):
    store, _, _ = _archive(tmp_path)
    digests = archived_digests(store, DAY, "orient", tmp_path)
    assert digests == {
        payload_digest(FIRST): [URL.format(1), "2026-11-21T03:00:00Z", _rid(1)],
        payload_digest(SECOND): [URL.format(2), "2026-11-21T03:01:00Z", _rid(2)],
        payload_digest(THIRD): [URL.format(3), "2026-11-21T09:02:00Z", _rid(13)],
    }
    assert archived_digests(store, DAY, "euronews", tmp_path) == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"] + sorted(
        p.name for p in tmp_path.glob("*.warc.gz")
    )  # the downloaded WARCs are gone
    # the file the crawl reads (spiders/warc.py), as the crawl reads it
    path = write_digests(digests, tmp_path / "digests.json")
    assert read_digests(path)[payload_digest(THIRD)] == Original(
        URL.format(3), "2026-11-21T09:02:00Z", _rid(13)
    )


def test_a_rev_that_is_not_complete_or_a_warc_that_cannot_be_trusted_costs_only_its_own(
    tmp_path, caplog
):
    store, rev1, rev2 = _archive(tmp_path)
    success = tmp_path / "archive" / rev2.prefix / layout.SUCCESS
    marker = success.read_bytes()
    success.unlink()  # rev 2 is not complete
    assert set(archived_digests(store, DAY, "orient", tmp_path)) == {
        payload_digest(FIRST),
        payload_digest(SECOND),
    }
    success.write_bytes(marker)
    first_warc = tmp_path / "archive" / layout.warc_key(rev1.prefix, "orient")
    first_warc.write_bytes(first_warc.read_bytes()[:-50])  # not the WARC its manifest lists
    with caplog.at_level(logging.WARNING, logger="archive.warc_digests"):
        digests = archived_digests(store, DAY, "orient", tmp_path)
    assert digests == {
        payload_digest(FIRST): [URL.format(1), "2026-11-21T09:00:00Z", _rid(11)],
        payload_digest(THIRD): [URL.format(3), "2026-11-21T09:02:00Z", _rid(13)],
    }
    assert f"orient: no revisits against {layout.warc_key(rev1.prefix, 'orient')}" in caplog.text
