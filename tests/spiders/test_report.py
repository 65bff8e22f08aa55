"""spiders/report.py: at the end of a crawl, the outlet's coverage report (read back by the crawl stage's
decoder, field by field) and what the crawl learnt (its state) are written next to its WARC; a write of
them that fails makes the report say so (finish reason `write_failed`)."""

from __future__ import annotations

import json

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from archive.records import CrawlReport, RequisiteCounts
from newsarchive.run.staged import from_json
from spiders import settings as project_settings
from spiders.news import NewsSpider
from spiders.report import CoverageReport
from spiders.state import CrawlRun
from spiders.warc import WRITE_ERROR_STAT, WRITE_FAILED, capture_paths


def _extension(tmp_path, **overrides: object) -> CoverageReport:
    settings = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    settings.update(NEWSARCHIVE_OUTPUT_DIR=str(tmp_path / "out"), **overrides)
    crawler = get_crawler(NewsSpider, settings)
    crawler.spider = NewsSpider.from_crawler(crawler, outlet="anapress")
    return CoverageReport.from_crawler(crawler)


def _report(tmp_path) -> CrawlReport:
    """The report as newsarchive/run/crawl.py reads it: a renamed, missing or unknown key is refused."""
    path = capture_paths(tmp_path / "out", "anapress").report
    return from_json(CrawlReport, json.loads(path.read_text(encoding="utf-8")), path.name)


def test_the_crawls_counts_reach_the_report_under_their_fields(tmp_path):
    ext = _extension(tmp_path)
    stats = ext.crawler.stats
    for key, value in {
        "newsarchive/discovered": 40,
        "downloader/request_count": 31,
        "newsarchive/discovery_requests": 3,
        "newsarchive/article_requests": 26,
        "newsarchive/fetched": 24,
        "newsarchive/failed/http_500": 2,
        "newsarchive/skipped/page_cap": 14,
        "newsarchive/discovery_failed/http_404": 1,
        "newsarchive/truncated_discovery/section_pages": 5,
        "newsarchive/retry_after/www.anapress.net": 1,
        "newsarchive/requisites/requested": 9,
        "newsarchive/requisites/fetched": 8,
        "newsarchive/requisites/bytes": 4096,
        "newsarchive/requisites/skipped/budget_page_count": 3,
        "newsarchive/requisites/failed/http_404": 1,
        "newsarchive/records": {"200": 24, "500": 2},
        "robotstxt/request_count": 1,
        "elapsed_time_seconds": 12.3456,
        "scheduler/enqueued": 99,  # Scrapy's own figures stay out of the report
    }.items():
        stats.set_value(key, value)
    ext.spider_closed(ext.crawler.spider, "finished")
    report = _report(tmp_path)
    assert (report.outlet, report.finish_reason, report.write_error) == ("anapress", "finished", "")
    assert (report.discovered, report.requested, report.fetched) == (40, 31, 24)
    assert (report.discovery_requests, report.article_requests, report.robots_requests) == (
        3,
        26,
        1,
    )
    assert report.failed == {"http_500": 2} and report.skipped == {"page_cap": 14}
    assert report.discovery_failed == {"http_404": 1}
    assert report.truncated_discovery == {"section_pages": 5}
    assert report.retry_after == {"www.anapress.net": 1}
    assert report.requisites == RequisiteCounts(
        9, 8, 4096, 0, 0, {"budget_page_count": 3}, {"http_404": 1}
    )
    assert report.records == {"200": 24, "500": 2} and report.elapsed_s == 12.35
    assert report.extra == {}
    assert not list((tmp_path / "out").glob("*.part"))  # written whole, then renamed


def test_a_page_left_in_flight_is_pending_when_the_crawl_stopped_early(tmp_path):
    ext = _extension(tmp_path, NEWSARCHIVE_RUN_DAY="2026-11-21")
    spider = ext.crawler.spider
    spider.in_flight["https://www.anapress.net/a/7"] = 1
    ext.spider_closed(spider, "memusage_exceeded")
    report = _report(tmp_path)
    assert report.finish_reason == "memusage_exceeded"
    assert (report.pending, report.gave_up, report.failed) == (1, 0, {"not_finished": 1})
    state = CrawlRun.from_bytes(capture_paths(tmp_path / "out", "anapress").state.read_bytes())
    assert state.day == "2026-11-21" and state.pending == {"https://www.anapress.net/a/7": 1}


def test_a_write_that_failed_makes_the_crawl_write_failed(tmp_path):
    """The WARC pipeline's failure (a stat) or the state's own: the report is still written, and says so."""
    ext = _extension(tmp_path)
    ext.crawler.stats.set_value(WRITE_ERROR_STAT, "anapress.warc.gz: [Errno 28] No space left")
    ext.spider_closed(ext.crawler.spider, "finished")
    report = _report(tmp_path)
    assert report.finish_reason == WRITE_FAILED
    assert report.write_error == "anapress.warc.gz: [Errno 28] No space left"

    other = _extension(tmp_path / "second")
    state = capture_paths(tmp_path / "second" / "out", "anapress").state
    state.mkdir(parents=True)  # the state cannot be written where a directory is
    other.spider_closed(other.crawler.spider, "finished")
    report = _report(tmp_path / "second")
    assert report.finish_reason == WRITE_FAILED
    assert report.write_error.startswith("anapress.state.json: [Errno 21] Is a directory")


def test_without_an_output_directory_the_extension_is_off(tmp_path):
    crawler = get_crawler(NewsSpider, {"NEWSARCHIVE_OUTPUT_DIR": ""})
    with pytest.raises(NotConfigured, match="NEWSARCHIVE_OUTPUT_DIR"):
        CoverageReport.from_crawler(crawler)
