"""Every request ends with a reason: what Scrapy drops without calling the errback is caught, counted as an
attempt, and given up (at once when permanent, after MAX_ATTEMPTS runs otherwise)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from replica.faults import LONG_URL
from replica.server import ReplicaServer
from spiders.state import MAX_ATTEMPTS
from tests.spiders.runs import crawl_days

DROPS = {
    "meta_refresh_offsite": "offsite_redirect",
    "backslash_redirect": "offsite_redirect",
    "redirect_self": "dropped_duplicate",
}


@pytest.mark.slow  # crawl subprocesses, several days
def test_dropped_requests_end_with_a_reason_and_reach_gave_up_over_runs(tmp_path):
    with ReplicaServer(per_outlet=20) as server:
        site = server.replica.sites["www.anapress.net"]
        url_of = {mode: site.url(a) for mode, a in zip(DROPS, site.articles[1:], strict=False)}
        for mode, url in url_of.items():
            server.replica.faults.set("anapress", mode, [urlsplit(url).path])
        server.replica.faults.set("anapress", "long_link", ["/rss"])
        reports, state = crawl_days(server, "anapress", tmp_path, MAX_ATTEMPTS + 1)

    first = reports[0]
    # nothing else: no `not_finished`, and no `dns` failure (elsewhere.example was never requested)
    assert first.failed == {
        "offsite_redirect": 2,
        "dropped_duplicate": 1,
        "dropped_url_length": 1,
    }
    assert first.fetched == 17 and first.gave_up == 3 and first.pending == 1
    # the duplicate is retried (a passing accident) and counts an attempt every run, until it is given up
    assert [r.failed for r in reports[1:MAX_ATTEMPTS]] == [{"dropped_duplicate": 1}] * (
        MAX_ATTEMPTS - 1
    )
    assert reports[MAX_ATTEMPTS].article_requests == 0 and reports[MAX_ATTEMPTS].failed == {}
    long_url = next(u for u in state.gave_up if len(u) > LONG_URL)
    assert state.gave_up == {
        **{url_of[m]: r for m, r in DROPS.items()},
        long_url: "dropped_url_length",
    }
    assert state.pending == {}
