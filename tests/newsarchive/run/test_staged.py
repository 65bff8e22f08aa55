"""The one codec of the records a run's stages stage: every record round-trips; a key renamed, missing,
unknown or of another type, another kind or another version is a clear error naming the object, never
a silent 0; the crawl's own report is read by the same decoder."""

from __future__ import annotations

import json

import pytest

from archive.records import CrawlReport, Evidence, Gap, RequisiteCounts
from archive.store import open_store
from newsarchive.run import staged
from newsarchive.run.staged import (
    DedupReport,
    ExtractReport,
    StagedCrawl,
    StagedGap,
    StagedRecordError,
    from_json,
)

REPORT = CrawlReport(
    "orient",
    "finished",
    12,
    14,
    10,
    {"http_500": 2},
    {"seen": 3},
    {},
    1,
    0,
    2,
    retry_after={"x": 1},
    requisites=RequisiteCounts(5, 4, 2048, 1, 2, {"budget_page_count": 1}, {"http_404": 1}),
    records={"200": 14, "500": 2},
    evidence=(Evidence("<urn:uuid:1>", "https://o.example/rss", 500, "discovery"),),
)
RECORDS = [
    StagedCrawl("orient", "a1", REPORT),
    StagedGap(
        "orient",
        "a2",
        Gap("crawl", "http_500", "outlet orient: every discovery URL failed", ("<urn:uuid:1>",)),
    ),
    ExtractReport("orient", "a3", "a1", 9, {"no_text": 1}, {"https://o.example/1": "no_text"}),
    DedupReport("g1", "2026-11-21 rev 1", 9, {"exact_content": 1}, ["2026-11-20 rev 1"], [], 40),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_every_staged_record_round_trips_through_the_store(record, tmp_path):
    store = open_store(tmp_path / "archive")
    staged.write(store, "staging/x.json", record)
    assert staged.read(store, "staging/x.json", type(record)) == record
    body = json.loads(store.get_bytes("staging/x.json"))
    assert (body["kind"], body["version"]) == (record.KIND, record.VERSION)


def _envelope(record) -> dict:
    return json.loads(staged.encode(record))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda b: b["record"].update(extract=b["record"].pop("extracted")),
            "has no field extract",
        ),
        (lambda b: b["record"].pop("extracted"), "lacks extracted"),
        (lambda b: b["record"].update(extracted="9"), r"\.extracted: expected int, got str"),
        (lambda b: b["record"].update(extracted=True), r"\.extracted: expected int, got bool"),
        (
            lambda b: b["record"]["failed"].update(no_text=None),
            r"failed\['no_text'\]: expected int",
        ),
        (
            lambda b: b.update(version=2),
            "extract record version 2, this version reads extract version 1",
        ),
        (lambda b: b.update(kind="crawl"), "a crawl record version 1"),
        (lambda b: b.pop("record"), "not a staged record"),
    ],
)
def test_a_changed_record_is_an_error_naming_the_object(change, message, tmp_path):
    store = open_store(tmp_path / "archive")
    body = _envelope(RECORDS[2])
    change(body)
    store.put_bytes("staging/run/extract/orient.extract.json", json.dumps(body).encode())
    with pytest.raises(StagedRecordError, match=message) as raised:
        staged.read(store, "staging/run/extract/orient.extract.json", ExtractReport)
    assert "staging/run/extract/orient.extract.json" in str(raised.value)


def test_bytes_that_are_not_json_are_named():
    with pytest.raises(StagedRecordError, match="k: not JSON"):
        staged.decode(ExtractReport, b"\x00{", "k")


def test_the_crawls_own_report_is_read_field_by_field():
    """spiders/report.py writes exactly CrawlReport's fields: a key it renames is refused at once."""
    spider = REPORT.to_dict()  # no extra: exactly its fields, as JSON
    assert from_json(CrawlReport, json.loads(json.dumps(spider)), "crawl report") == REPORT
    spider["fetched_pages"] = spider.pop("fetched")
    with pytest.raises(
        StagedRecordError, match="crawl report: CrawlReport has no field fetched_pages"
    ):
        from_json(CrawlReport, spider, "crawl report")
