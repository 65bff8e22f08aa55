"""The revisit schedule: which archived articles a crawl of a day fetches again (from the archive's
stories), and the file the crawl reads them from (one decoder)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from archive.store import open_store
from common import decode
from newsarchive.run.revisits import plan
from spiders.revisits import Revisits, http_date
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


def test_the_crawl_reads_the_file_through_one_decoder(tmp_path):
    data = {
        "due": [[URL, "2026-11-21T00:00:00+00:00"]],
        "known": {URL: "2026-11-21T00:00:00+00:00"},
    }
    revisits = Revisits.from_bytes(json.dumps(data).encode())
    assert revisits.due == ((URL, "2026-11-21T00:00:00+00:00"),)
    assert revisits.since(URL.replace("https://www.", "http://")) == "2026-11-21T00:00:00+00:00"
    assert http_date("2026-11-21T00:00:00+00:00") == "Sat, 21 Nov 2026 00:00:00 GMT"
    for bad in (
        {"due": [[URL]], "known": {}},
        {"due": [], "known": {URL: "yesterday"}},
        {"due": []},
    ):
        with pytest.raises(decode.Malformed):
            Revisits.from_bytes(json.dumps(bad).encode())
