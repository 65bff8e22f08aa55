"""The run lifecycle's state machine (newsarchive/run/lifecycle/) on a local archive, from staging written
as the per-outlet stages write it (tests/newsarchive/run/staging.py; the crawls themselves are in the
slow tests): every way a run can be resumed ends in the same truthful day, and the day's duplicates are
decided by the articles' own facts, whatever the order they arrived in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from archive.snapshot import list_snapshots, load_manifest, read_rows
from archive.store import open_store
from archive.verify import verify
from newsarchive.config import Settings
from newsarchive.run import lifecycle, quality
from newsarchive.run.gc import collect
from newsarchive.run.lifecycle.state import read_staged
from newsarchive.run.runs import RunRef
from spiders.state import load_crawl_state
from tests.newsarchive.run.staging import stage_crawl_gap, stage_outlet, story

DAY = date(2026, 11, 21)
OUTLETS = ["anapress", "enabbaladi", "euronews"]


def _anapress(fetched: str = "2026-11-21T03:10:00Z"):
    return [
        story("www.anapress.net", n, f"2026-11-21T0{n}:00:00+03:00", fetched) for n in (1, 2, 3)
    ]


def _euronews(fetched: str):
    return [
        story("arabic.euronews.com", 10, "2026-11-21T07:07:00+03:00", fetched),
        story("arabic.euronews.com", 11, "2026-11-21T09:00:00+03:00", fetched),
    ]


def _enabbaladi(fetched: str):
    """Its own story, and Euronews' first story republished 40 minutes later (the same text)."""
    copy = story("www.enabbaladi.net", 10, "2026-11-21T07:47:00+03:00", fetched)
    return [copy, story("www.enabbaladi.net", 20, "2026-11-21", fetched)]


def _decisions(settings: Settings) -> dict[str, tuple]:
    store = open_store(settings.archive)
    rows = read_rows(store, load_manifest(store, list_snapshots(store)[-1]))
    return {r.url: (r.id, r.duplicate_of, r.revision_of, r.reason) for r in rows}


def test_the_original_of_a_syndicated_story_is_the_earliest_published_whatever_arrived_first(
    tmp_path,
):
    """The copy was fetched first (its crawl finished first) and staged first in one archive, last in
    the other: both days are the same, and the copy points at Euronews' original."""
    days = []
    for n, order in enumerate((OUTLETS, OUTLETS[::-1])):
        settings = Settings(archive=str(tmp_path / f"archive{n}"))
        run, store = RunRef.new_cli(DAY), open_store(settings.archive)
        fetched = {"euronews": "2026-11-21T03:30:00Z", "enabbaladi": "2026-11-21T03:01:00Z"}
        stories = {
            "anapress": _anapress(),
            "euronews": _euronews(fetched["euronews"]),
            "enabbaladi": _enabbaladi(fetched["enabbaladi"]),
        }
        for outlet in order:
            stage_outlet(store, run, outlet, stories[outlet])
        lifecycle.deduplicate(settings, run, OUTLETS)
        lifecycle.publish(settings, run, OUTLETS)
        days.append(_decisions(settings))
    assert days[0] == days[1]
    original = days[0]["https://arabic.euronews.com/a/10"]
    copy = days[0]["https://www.enabbaladi.net/a/10"]
    assert original[1] is None and copy[1:] == (original[0], None, "exact_content")
    assert sum(1 for d in days[0].values() if d[1]) == 1


def test_clear_with_downstream_and_clear_only_failed_end_in_the_day_a_healthy_run_makes(
    settings, tmp_path
):
    """Euronews' crawl fails, the run publishes rev 1 (a gap) and cleans its staging. Then the crawl
    is cleared and runs again: with its downstream tasks (dedup and publish run) or alone with the other
    failed tasks (only the last task, quality, runs: it publishes). Either way rev 2 holds the day a
    healthy run makes, the outlets published in rev 1 keep their real counts, and the canary passes."""
    healthy = Settings(archive=str(tmp_path / "healthy"))
    run, store = RunRef.new_cli(DAY), open_store(healthy.archive)
    stage_outlet(store, run, "anapress", _anapress())
    stage_outlet(store, run, "euronews", _euronews("2026-11-21T03:20:00Z"))
    stage_outlet(store, run, "enabbaladi", _enabbaladi("2026-11-21T03:05:00Z"))
    lifecycle.publish(healthy, run, OUTLETS)
    expected = _decisions(healthy)

    for path in ("with downstream", "only failed"):
        settings = Settings(archive=str(tmp_path / path))
        run, store = RunRef.new_cli(DAY), open_store(settings.archive)
        stage_outlet(store, run, "anapress", _anapress())
        stage_outlet(store, run, "enabbaladi", _enabbaladi("2026-11-21T03:05:00Z"))
        stage_crawl_gap(store, run, "euronews")
        lifecycle.deduplicate(settings, run, OUTLETS)
        first = lifecycle.publish(settings, run, OUTLETS)
        assert first.manifest.outlets["euronews"].gap.reason == "http_500"
        assert not list(store.list(run.staging))
        with pytest.raises(quality.QualityCheckFailed, match="outlet euronews: 0 new articles"):
            lifecycle.conclude(settings, run, OUTLETS)

        stage_outlet(store, run, "euronews", _euronews("2026-11-21T09:40:00Z"))  # the clear
        if path == "with downstream":
            lifecycle.deduplicate(settings, run, OUTLETS)
            second = lifecycle.publish(settings, run, OUTLETS)
            again, verdict = lifecycle.conclude(settings, run, OUTLETS)
            assert again.ref == second.ref
        else:
            second, verdict = lifecycle.conclude(settings, run, OUTLETS)
        assert verdict.startswith(f"quality check of snapshot {DAY} rev 2 passed")
        manifest = second.manifest
        assert {o: (c.status, c.gap) for o, c in manifest.outlets.items()} == {
            o: ("ok", None) for o in OUTLETS
        }
        before = first.manifest.outlets["anapress"]
        anapress = manifest.outlets["anapress"]
        assert (anapress.crawl, anapress.extracted, anapress.new, anapress.carried) == (
            before.crawl,
            3,
            3,
            0,
        )
        assert _decisions(settings) == expected, path
        assert manifest.new == 6 and manifest.duplicates == 1 and manifest.carried == 0
        assert not list(store.list(run.staging))
        assert load_crawl_state(store, "euronews").seen  # the recovered crawl is committed
        assert verify(store, second.ref, retention=False).problems == []


def test_a_retried_publish_and_a_finish_cut_short_never_make_a_second_rev(settings):
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", _anapress())
    stage_outlet(store, run, "euronews", _euronews("2026-11-21T03:20:00Z"))
    state = read_staged(store, run, OUTLETS)
    first = lifecycle.publish(settings, run, OUTLETS)
    # as if the finish had been cut short after anapress's outputs went: euronews's are still staged
    stage_outlet(store, run, "euronews", _euronews("2026-11-21T03:20:00Z"))
    held = state.outlets["euronews"]
    for key, record in (
        (run.crawl_report("euronews"), held.crawl),
        (run.extract_report("euronews"), held.extract),
    ):
        from newsarchive.run import staged

        staged.write(store, key, record)
    assert read_staged(store, run, OUTLETS).outlets["euronews"].token == held.token
    again = lifecycle.publish(settings, run, OUTLETS)  # the retried task
    assert again.ref == first.ref and [r.rev for r in list_snapshots(store)] == [1]
    assert not list(store.list(run.staging))


def test_a_newer_attempt_staged_after_a_publish_is_neither_finished_nor_removed_by_gc(settings):
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", _anapress())
    lifecycle.publish(settings, run, ["anapress"])
    seen = load_crawl_state(store, "anapress").to_bytes()
    stage_outlet(store, run, "anapress", _anapress("2026-11-21T11:00:00Z"))  # a task cleared later
    result = collect(settings)  # gc: the run has a complete rev, but not of these outputs
    assert result.finished_runs == [] and result.removed_staging == []
    assert load_crawl_state(store, "anapress").to_bytes() == seen  # nothing unpublished is "seen"
    assert not read_staged(store, run, ["anapress"]).empty
    published, _ = lifecycle.conclude(settings, run, ["anapress"])
    assert published.ref.rev == 2 and not list(store.list(run.staging))
    assert collect(settings, older_than=timedelta(0)).removed_staging == []


def test_a_run_that_published_nothing_and_staged_nothing_names_what_to_clear(settings):
    run = RunRef.new_cli(DAY)
    with pytest.raises(lifecycle.RunNotPublished, match="clear its failed crawl tasks"):
        lifecycle.conclude(settings, run, OUTLETS)
    with pytest.raises(lifecycle.NothingToPublish, match="none of its crawls ran"):
        lifecycle.publish(settings, run, OUTLETS)
