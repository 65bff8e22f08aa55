"""newsarchive/run/stages.py: the per-outlet stages on a local archive, from a run's staging written as
the stages write it (tests/newsarchive/run/staging.py). A stage that fails leaves its outlet a gap naming
the cause, and an earlier attempt's outputs never count; the crawl itself (a `scrapy crawl` process) and
article extraction (worker processes) are in the slow tests (test_crawl.py, test_integrity.py)."""

from __future__ import annotations

import gzip
import uuid
from datetime import date

import pytest

from archive import layout
from archive.store import open_store
from common.warc_reader import DamagedWarc
from newsarchive.config import Settings
from newsarchive.run import staged
from newsarchive.run.lifecycle.state import read_staged
from newsarchive.run.runs import RunRef
from newsarchive.run.staged import ExtractReport, StagedGap
from newsarchive.run.stages import StageNotReady, crawl_stage, extract_stage
from spiders.state import CrawlStateError
from tests.archive.warcs import Page, page_html, write_warc
from tests.newsarchive.run.staging import stage_outlet, story

DAY = date(2026, 11, 21)
NOT_FOUND = "عذراً، الصفحة غير موجودة"  # enabbaladi's "not found" template (outlets.toml)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(archive=str(tmp_path / "archive"))


def test_extracting_an_outlet_whose_crawl_is_not_staged_says_what_to_run(settings):
    """e.g. an extraction cleared alone after the run published its outlet's crawl (and removed it)."""
    with pytest.raises(
        StageNotReady, match=r"clear per_outlet.crawl\[orient\] with its downstream"
    ):
        extract_stage(settings, RunRef.new_cli(DAY), "orient")


def test_a_deleted_page_is_kept_as_evidence_and_a_revisit_without_its_original_is_counted(
    settings, tmp_path
):
    """No article to extract: the outlet's soft 404 becomes a `gone` row with no text, and a revisit of
    a capture no WARC holds is counted, never a row."""
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    gone = story("www.enabbaladi.net", 1, None, "2026-11-21T03:05:00Z", body=NOT_FOUND)
    stage_outlet(store, run, "enabbaladi", [gone])
    pages = [
        Page(gone.url, f"<urn:uuid:{uuid.uuid4()}>", gone.fetched_at, page_html("t", NOT_FOUND)),
        Page(
            "https://www.enabbaladi.net/archives/2",
            f"<urn:uuid:{uuid.uuid4()}>",
            "2026-11-21T03:06:00Z",
            page_html("t", "نص"),
            revisit_of=("https://www.enabbaladi.net/archives/2", "2026-11-20T03:00:00Z"),
        ),
    ]
    warc = write_warc(tmp_path / "w.warc.gz", pages)
    store.put_file(run.warc("enabbaladi"), warc, overwrite=True)

    report = extract_stage(settings, run, "enabbaladi")

    assert (report.extracted, report.failed) == (1, {"revisit_unresolved": 1})
    [row] = staged.read_rows(store, run.articles("enabbaladi"))
    assert (row.url, row.gone, row.text, row.capture_id) == (
        gone.url,
        "soft_404",
        "",
        pages[0].record_id,
    )
    assert staged.read(store, run.extract_report("enabbaladi"), ExtractReport) == report
    assert read_staged(store, run).outlets["enabbaladi"].ok  # and no gap left behind


def test_a_damaged_staged_warc_is_a_gap_naming_the_outlet_the_run_and_the_remedy(settings):
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "anapress", [story("www.anapress.net", 1, None, "2026-11-21T03:00Z")])
    good = store.get_bytes(run.warc("anapress"))
    store.put_bytes(run.warc("anapress"), good[:200] + b"XXXX" + good[204:], overwrite=True)

    with pytest.raises(DamagedWarc) as caught:
        extract_stage(settings, run, "anapress")

    message = str(caught.value)
    assert message.startswith(f"outlet anapress: the staged WARC of run {run.run_id} is damaged")
    assert "clear its crawl task with its downstream tasks" in message
    gap = staged.read(store, run.gap("extract", "anapress"), StagedGap).gap
    assert (gap.stage, gap.reason, gap.message) == ("extract", "damaged_warc", message)
    assert not store.exists(run.extract_report("anapress"))  # no report of a half-read WARC


def test_a_crawl_that_cannot_start_is_a_gap_and_the_earlier_attempt_no_longer_counts(settings):
    """The outlet's crawl state is damaged: the crawl never starts, its gap names the repair, and what
    an earlier attempt of the run staged is gone (a rerun never publishes a stale crawl)."""
    run, store = RunRef.new_cli(DAY), open_store(settings.archive)
    stage_outlet(store, run, "orient", [story("www.orient-news.net", 1, None, "2026-11-21T03:00Z")])
    store.put_bytes(layout.crawl_state_key("orient"), gzip.compress(b"{not json"), overwrite=True)

    with pytest.raises(CrawlStateError, match="newsarchive repair crawl-state orient"):
        crawl_stage(settings, run, "orient")

    orient = read_staged(store, run).outlets["orient"]
    assert orient.crawl is None and orient.extract is None and not orient.has_rows
    assert (orient.gap.stage, orient.gap.reason) == ("crawl", "damaged_state")
    assert "newsarchive repair crawl-state orient" in orient.gap.message
    assert not store.exists(run.warc("orient"))
