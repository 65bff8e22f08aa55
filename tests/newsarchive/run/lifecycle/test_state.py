"""newsarchive/run/lifecycle/state.py: a run's state read from the archive alone, from staging written as
the per-outlet stages write it (tests/newsarchive/run/staging.py): what each outlet has staged and by
which attempts, the revs the run published and which staged outputs each holds already."""

from __future__ import annotations

from datetime import date

from archive import layout
from archive.snapshot import SnapshotRef, abandon, claim_rev, publish_snapshot
from archive.store import open_store
from newsarchive.run import lifecycle, staged
from newsarchive.run.lifecycle.state import newest_of_day, published, read_staged, run_revs
from newsarchive.run.runs import RunRef
from newsarchive.run.staged import ExtractReport, StagedCrawl, new_attempt
from tests.archive.test_stories import capture
from tests.newsarchive.run.staging import stage_crawl_gap, stage_outlet, story

DAY = date(2026, 11, 21)
OUTLETS = ["anapress", "euronews", "orient"]


def _stories(host: str, first: int, fetched: str = "2026-11-21T03:10:00Z"):
    return [
        story(host, n, f"2026-11-21T0{n % 10}:00:00+03:00", fetched) for n in (first, first + 1)
    ]


def test_each_outlet_is_read_with_the_attempts_that_wrote_it(settings):
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", _stories("www.anapress.net", 1))
    stage_crawl_gap(store, run, "euronews")
    stage_outlet(store, RunRef.new_cli(DAY), "orient", _stories("www.orient-news.net", 1))

    state = read_staged(store, run)

    assert sorted(state.outlets) == [
        "anapress",
        "euronews",
    ]  # another run's staging is not this run's
    anapress, euronews = state.outlets["anapress"], state.outlets["euronews"]
    assert anapress.ok and anapress.report is not None and anapress.report.fetched == 2
    assert anapress.attempts == tuple(sorted((anapress.crawl.attempt, anapress.extract.attempt)))
    assert not euronews.ok and (euronews.gap.stage, euronews.gap.reason) == ("crawl", "http_500")
    assert state.generation == ",".join(sorted((anapress.token, euronews.token)))
    assert read_staged(store, run, ["anapress", "orient"]).outlets.keys() == {"anapress"}
    assert state.only({"euronews"}).generation == euronews.token
    assert read_staged(store, RunRef.new_cli(DAY)).empty


def test_an_outlet_staged_again_is_a_new_generation_and_an_old_dedup_pass_is_stale(settings):
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", _stories("www.anapress.net", 1))
    lifecycle.deduplicate(settings, run, ["anapress"])
    first = read_staged(store, run)
    assert first.dedup_fresh is not None and first.dedup_fresh.articles == 2

    stage_outlet(
        store, run, "anapress", _stories("www.anapress.net", 1)
    )  # the crawl cleared and rerun
    again = read_staged(store, run)
    assert again.outlets["anapress"].token != first.outlets["anapress"].token
    assert again.dedup is not None and again.dedup_fresh is None


def test_an_extraction_of_an_earlier_crawl_is_not_finished(settings):
    """The crawl ran again after its extraction: the outlet waits for an extraction of this crawl."""
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", _stories("www.anapress.net", 1))
    held = read_staged(store, run).outlets["anapress"]
    assert held.crawl is not None
    newer = StagedCrawl("anapress", new_attempt(), held.crawl.report)
    staged.write(store, run.crawl_report("anapress"), newer)

    outlet = read_staged(store, run).outlets["anapress"]
    assert not outlet.ok and outlet.extract is not None
    assert (outlet.gap.stage, outlet.gap.reason) == ("extract", "not_finished")
    staged.write(
        store,
        run.extract_report("anapress"),
        ExtractReport("anapress", new_attempt(), newer.attempt, 2),
    )
    assert read_staged(store, run).outlets["anapress"].ok


def test_a_damaged_staged_record_costs_only_its_outlet(settings):
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", _stories("www.anapress.net", 1))
    stage_outlet(
        store, run, "euronews", _stories("arabic.euronews.com", 10, "2026-11-21T03:20:00Z")
    )
    store.put_bytes(run.extract_report("euronews"), b'{"outlet": "euronews"}', overwrite=True)

    gap = read_staged(store, run).outlets["euronews"].gap
    assert (gap.stage, gap.reason) == ("extract", "damaged_staging")
    assert (
        run.extract_report("euronews") in gap.message
        and "run the extract of euronews" in gap.message
    )

    published_ = lifecycle.publish(settings, run, OUTLETS[:2])
    euronews = published_.manifest.outlets["euronews"]
    assert (euronews.status, euronews.gap.stage, euronews.gap.reason) == (
        "gap",
        "extract",
        "damaged_staging",
    )
    assert "euronews.extract.json" in euronews.gap.message
    assert published_.manifest.outlets["anapress"].status == "ok"
    assert [r.ref.rev for r in run_revs(store, run)] == [1]


def test_the_revs_a_run_published_name_the_outputs_they_hold(settings):
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", _stories("www.anapress.net", 1))
    stage_crawl_gap(store, run, "euronews")
    before = read_staged(store, run)
    first = lifecycle.publish(settings, run, OUTLETS[:2])
    other = RunRef.new_cli(DAY)
    publish_snapshot(store, DAY, [capture(1, DAY)], {}, run_id=other.run_id)  # rev 2: another run's

    [rev] = run_revs(store, run)
    assert rev.ref == first.ref and rev.manifest.run_id == run.run_id
    assert rev.tokens == {o.token for o in before.outlets.values()}
    assert published(before, [rev]) == {"anapress": rev, "euronews": rev}
    # a finish cut short left anapress's outputs staged: they are known as published, not new
    stage_outlet(store, run, "euronews", _stories("arabic.euronews.com", 10))
    assert published(before.only({"anapress"}), run_revs(store, run)) == {"anapress": rev}
    assert published(read_staged(store, run), run_revs(store, run)) == {}
    assert [r.ref.rev for r in run_revs(store, other)] == [2]


def test_the_newest_of_a_day_is_its_newest_complete_rev_whose_manifest_reads(settings, tmp_path):
    store = open_store(settings.archive)
    assert newest_of_day(store, DAY) is None
    for n in (1, 2, 3):
        publish_snapshot(store, DAY, [capture(n, DAY)], {})
    claim_rev(store, DAY, "a publish under way")  # rev 4: not complete, not the day yet
    assert newest_of_day(store, DAY) == SnapshotRef(DAY.isoformat(), 3)
    (tmp_path / "archive" / layout.snapshot_prefix(DAY, 3) / layout.MANIFEST).write_bytes(b"{}")
    assert newest_of_day(store, DAY) == SnapshotRef(DAY.isoformat(), 2)
    abandon(
        store, SnapshotRef(DAY.isoformat(), 2), "abandoned by a publisher that outlived its claim"
    )
    assert newest_of_day(store, DAY) == SnapshotRef(DAY.isoformat(), 1)
