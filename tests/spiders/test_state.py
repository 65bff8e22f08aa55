"""The crawl state's rules and the Retry-After parser, without a crawl."""

from datetime import UTC, datetime

import pytest

from spiders.state import CrawlRun, CrawlState


def _run(day: str, fetched=(), pending=None, gave_up=None) -> CrawlRun:
    return CrawlRun(
        outlet="orient",
        day=day,
        started=f"{day}T03:00:00+00:00",
        fetched=list(fetched),
        pending=pending or {},
        gave_up=gave_up or {},
        validators={"https://x/rss": {"etag": day}},
    )


def test_folding_a_run_in_twice_changes_nothing_and_seen_keeps_the_first_day():
    state = CrawlState("orient").after(_run("2026-11-20", ["https://orient-news.net/a/1"]))
    again = state.after(
        _run("2026-11-21", ["https://orient-news.net/a/1", "https://orient-news.net/a/2"])
    )
    assert (
        again.after(
            _run("2026-11-21", ["https://orient-news.net/a/1", "https://orient-news.net/a/2"])
        )
        == again
    )
    assert again.seen == {
        "https://orient-news.net/a/1": "2026-11-20",
        "https://orient-news.net/a/2": "2026-11-21",
    }
    assert CrawlState.from_bytes(again.to_bytes(), "orient") == again


def test_a_rerun_of_a_day_recaptures_that_day_and_ignores_its_own_validators():
    state = CrawlState("orient").after(_run("2026-11-21", ["https://orient-news.net/a/1"]))
    assert state.archived_elsewhere("https://www.orient-news.net/a/1?utm_source=x", "2026-11-22")
    assert not state.archived_elsewhere("https://orient-news.net/a/1", "2026-11-21")
    assert state.validators_for("2026-11-21") == {} and state.validators_for("2026-11-22")
    assert state.last_crawl_before("2026-11-21") is None
    assert state.last_crawl_before("2026-11-22") == datetime(2026, 11, 21, 3, tzinfo=UTC)


def test_pending_drops_what_was_archived_or_given_up():
    state = CrawlState("orient").after(
        _run(
            "2026-11-20",
            pending={"https://orient-news.net/a/3": 1},
            gave_up={"https://orient-news.net/a/4": "http_404"},
        )
    )
    assert state.pending == {"https://orient-news.net/a/3": 1}
    state = state.after(
        _run(
            "2026-11-21",
            ["https://orient-news.net/a/3"],
            pending={"https://orient-news.net/a/3": 1},
        )
    )
    assert state.pending == {}


def test_a_state_of_another_outlet_or_version_is_refused():
    blob = CrawlState("orient").to_bytes()
    with pytest.raises(ValueError, match="expected version 1 for 'anapress'"):
        CrawlState.from_bytes(blob, "anapress")
    with pytest.raises(ValueError, match="not a gzip stream"):
        CrawlState.from_bytes(b"{}", "orient")


def test_requisite_originals_keep_the_first_archived_and_age_out():
    """Each requisite payload archived in full is remembered with the day of its snapshot, so later
    days write a revisit of it; after KEEP_REQUISITE_DAYS it is written in full again."""
    import gzip
    import json

    from spiders.state import KEEP_REQUISITE_DAYS

    def run(day: str, requisites: dict) -> CrawlRun:
        return CrawlRun("anapress", day, f"{day}T03:00:00+00:00", requisites=requisites)

    state = CrawlState("anapress").after(run("2026-11-01", {"sha1:A": ["u", "t1", "<r1>"]}))
    state = state.after(
        run("2026-11-02", {"sha1:A": ["u", "t2", "<r2>"], "sha1:B": ["v", "t2", "<r3>"]})
    )
    assert state.requisites == {
        "sha1:A": ["u", "t1", "<r1>", "2026-11-01"],  # the first original stays the original
        "sha1:B": ["v", "t2", "<r3>", "2026-11-02"],
    }
    assert CrawlState.from_bytes(state.to_bytes(), "anapress").requisites == state.requisites
    from datetime import date, timedelta

    later = state.after(run((date(2026, 11, 2) + timedelta(KEEP_REQUISITE_DAYS)).isoformat(), {}))
    assert later.requisites == {"sha1:B": ["v", "t2", "<r3>", "2026-11-02"]}
    # a state written before requisites were remembered reads as none; a damaged entry is refused
    data = json.loads(gzip.decompress(state.to_bytes()))
    del data["requisites"]
    assert (
        CrawlState.from_bytes(gzip.compress(json.dumps(data).encode()), "anapress").requisites == {}
    )
    data["requisites"] = {"sha1:A": ["u", 3]}
    with pytest.raises(ValueError, match=r"requisites\[.sha1:A.\]\[1\]: expected text"):
        CrawlState.from_bytes(gzip.compress(json.dumps(data).encode()), "anapress")


@pytest.mark.parametrize("reason", ["timeout", "crashed", "memory"])
def test_a_page_whose_extraction_failed_for_a_passing_reason_is_given_up_after_max_attempts(reason):
    """Fetched, then its extraction timed out (or its worker crashed or ran out of memory): pending with
    one more attempt per run, given up after MAX_ATTEMPTS like a failed fetch (issue 24: it stayed at 1
    and was downloaded and extracted again every run, forever)."""
    from spiders.state import MAX_ATTEMPTS, seen_key

    url = "https://orient-news.net/a/9"
    state = CrawlState("orient")
    for attempt in range(1, MAX_ATTEMPTS):
        state = state.after(_run(f"2026-11-{20 + attempt}", [seen_key(url)]), {url: reason})
        assert state.pending == {url: attempt} and url not in state.gave_up
    state = state.after(_run("2026-11-30", [seen_key(url)]), {url: reason})
    assert state.pending == {} and state.gave_up == {url: f"extract_{reason}"}
    assert seen_key(url) not in state.seen


def test_a_page_with_no_article_is_given_up_at_once_and_a_redirect_keeps_its_count():
    state = CrawlState("orient").after(_run("2026-11-21"), {"https://x.test/a": "no-article"})
    assert state.gave_up == {"https://x.test/a": "extract_no-article"} and state.pending == {}
    state = CrawlState("orient", pending={"https://x.test/b": 2})
    state = state.after(_run("2026-11-22"), {"https://x.test/b/": "timeout"})  # the same page's key
    assert state.pending == {"https://x.test/b/": 3}
