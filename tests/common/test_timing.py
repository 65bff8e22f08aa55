"""A stage's TIMING line: logged when the block ends, also when it fails, and read back as it was written."""

import logging

import pytest

from common.timing import StageTime, timed


def test_a_stage_that_fails_still_logs_its_time_and_the_line_reads_back(caplog):
    with caplog.at_level(logging.INFO, logger="common.timing"):
        with timed("crawl", "anapress"):
            pass
        with pytest.raises(ValueError), timed("publish.parquet"):
            raise ValueError("boom")
    times = [StageTime.parse(r.getMessage()) for r in caplog.records]
    assert [(t.stage, t.subject) for t in times if t] == [
        ("crawl", "anapress"),
        ("publish.parquet", "run"),
    ]
    assert all(t is not None and 0 <= t.seconds < 5 for t in times)


@pytest.mark.parametrize(
    "line",
    [
        "SUMMARY crawl anapress: fetched=3",
        "TIMING crawl anapress -1.000 s",
        "TIMING Crawl; rm -rf anapress 1.000 s",
        "TIMING crawl anapress 1e9 s",
    ],
)
def test_a_line_that_is_not_a_timing_is_none(line):
    assert StageTime.parse(line) is None


def test_a_timing_line_inside_a_task_log_line_is_found():
    line = "2026-12-06T10:43:35Z [info     ] TIMING crawl euronews 10.395 s [common.timing] loc=x.py:50"
    assert StageTime.parse(line) == StageTime("crawl", "euronews", 10.395)
