"""archive/records.py: the records that cross stage boundaries. Each round-trips through its own codec;
dates and times are typed; the manifest's one decoder checks every field and names the first that is
wrong (a file outside its rev, a count that is not one, an unknown status or a newer format); an older
or newer crawl report passes through a manifest with the figures this version does not name."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive.records import (
    FORMAT_VERSION,
    ArchivedRow,
    CrawlReport,
    FileEntry,
    Gap,
    Manifest,
    OutletCounts,
    RecordError,
    rows_table,
    table_rows,
)
from tests.archive.test_current_table import row
from tests.newsarchive.run.test_staged import REPORT

PREFIX = "snapshots/date=2026-11-21/rev=2/"
SHA = "ab" * 32


def _manifest(**kw) -> Manifest:
    values = dict(
        day="2026-11-21",
        rev=2,
        created_at="2026-11-21T04:00:00+00:00",
        run_id="scheduled__2026-11-21",
        software="newsarchive 1.0",
        config_hash="c0ffee",
        outlets={
            "orient": OutletCounts(crawl=REPORT, extracted=9, archived=9, new=8, duplicates=1),
            "anapress": OutletCounts(
                status="gap", gap=Gap("crawl", "dns", "anapress: no DNS answer")
            ),
        },
        files=[
            FileEntry(PREFIX + "warc/orient.warc.gz", 2048, SHA),
            FileEntry(PREFIX + "articles/outlet=orient/lang=ar/part-0000.parquet", 512, SHA, 9),
        ],
        base="2026-11-21 rev 1",
        archived=9,
        new=8,
        carried=3,
        duplicates=1,
        dedup={"reasons": {"near_duplicate": 1}, "window": ["2026-11-20 rev 1"]},
        quality={"problems": [], "outlets": {"orient": {"yield": 9}}},
        derived_from="2026-11-21 rev 1",
        derived_reason="new extractor",
        extractor="trafilatura 2.0 / abc",
        rules={"orient": "r1"},
        signing={"algorithm": "ed25519", "key_sha256": SHA},
    )
    return Manifest(**{**values, **kw})


def test_a_manifest_round_trips_through_its_bytes_with_every_section():
    manifest = _manifest()
    again = Manifest.from_bytes(manifest.to_bytes())
    assert again.to_bytes() == manifest.to_bytes()
    assert again.outlets["orient"].crawl == REPORT and again.outlets["anapress"].gap == Gap(
        "crawl", "dns", "anapress: no DNS answer"
    )
    assert again.file(PREFIX + "warc/orient.warc.gz") == manifest.files[0]
    assert again.file(PREFIX + "warc/other.warc.gz") is None
    assert (again.base, again.derived_from, again.extractor, again.signing) == (
        "2026-11-21 rev 1",
        "2026-11-21 rev 1",
        "trafilatura 2.0 / abc",
        {"algorithm": "ed25519", "key_sha256": SHA},
    )
    assert json.loads(manifest.to_bytes())["format_version"] == FORMAT_VERSION


def _changed(change) -> bytes:
    data = json.loads(_manifest().to_bytes())
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "change, named",
    [
        (lambda d: d["files"][0].update(key="snapshots/date=2026-11-21/rev=1/x"), "files[0].key"),
        (lambda d: d["files"][0].update(key=PREFIX + "../rev=1/x"), "files[0].key"),
        (lambda d: d["files"][0].update(size=-1), "files[0].size"),
        (lambda d: d["files"][0].update(sha256="not hex"), "files[0].sha256"),
        (lambda d: d["counts"]["outlets"]["orient"].update(status="fine"), ".status"),
        (lambda d: d["counts"]["outlets"]["orient"].update(fetched="10"), ".fetched"),
        (lambda d: d["counts"]["outlets"].update({"../x": {}}), "counts.outlets"),
        (lambda d: d.update(format_version=FORMAT_VERSION + 1), "format_version"),
        (lambda d: d["snapshot"].update(rev=0), "snapshot.rev"),
        (lambda d: d.update(base="yesterday"), "base"),
        (lambda d: d.pop("files"), "files"),
    ],
)
def test_a_manifest_field_that_is_wrong_is_named(change, named):
    with pytest.raises(RecordError, match="^not a snapshot manifest") as caught:
        Manifest.from_bytes(_changed(change))
    assert named in str(caught.value)
    with pytest.raises(RecordError, match="not a snapshot manifest"):
        Manifest.from_bytes(b"\xff not json")


def test_a_version_1_manifest_reads_with_what_it_did_not_write():
    """Written before runs were carried forward: no format_version, no new or current counts."""

    def older(d):
        for name in ("format_version", "extractor", "derived", "signing"):
            d.pop(name)
        for name in ("new", "carried"):
            d["counts"].pop(name)
        for entry in d["counts"]["outlets"].values():
            for name in ("new", "current", "carried"):
                entry.pop(name)

    manifest = Manifest.from_bytes(_changed(older))
    assert manifest.format_version == 1 and manifest.new == 8 and manifest.carried == 0
    assert manifest.outlets["orient"].new == 8 and manifest.outlets["orient"].current == 8
    assert manifest.extractor is None and manifest.signing == {}


def test_a_crawl_report_keeps_the_figures_this_version_does_not_name():
    data = {**REPORT.to_dict(), "a_newer_figure": {"x": 1}}
    report = CrawlReport.from_dict(data)
    assert report.extra == {"a_newer_figure": {"x": 1}} and report.to_dict() == data
    counts = OutletCounts(crawl=report, extracted=9)
    assert OutletCounts.from_dict(counts.to_dict(), "orient").crawl == report
    for bad in ([1], {"fetched": 1}, {"outlet": 5}):
        with pytest.raises(RecordError, match="a crawl report is a JSON object with an outlet"):
            CrawlReport.from_dict(bad)
    with pytest.raises(RecordError, match=r"not a crawl report \(requisites.fetched: -1 is not"):
        CrawlReport.from_dict({"outlet": "orient", "requisites": {"fetched": -1}})


def test_a_gap_and_its_evidence_survive_the_manifest_and_a_damaged_one_is_named():
    """A crawl gap names its evidence records; the manifest's outlet entry keeps them, typed."""
    counts = OutletCounts(
        status="gap",
        crawl=REPORT,
        gap=Gap("crawl", "http_500", "every discovery URL failed", ("<urn:uuid:1>",)),
    )
    data = json.loads(json.dumps(counts.to_dict()))
    assert data["gap_records"] == ["<urn:uuid:1>"]
    assert data["evidence"] == [
        {
            "record_id": "<urn:uuid:1>",
            "url": "https://o.example/rss",
            "status": 500,
            "kind": "discovery",
        }
    ]
    assert OutletCounts.from_dict(data, "orient") == counts
    data["evidence"][0]["status"] = "500"
    with pytest.raises(RecordError, match=r"evidence\[0\]\.status"):
        OutletCounts.from_dict(data, "orient")


def test_dates_and_times_are_typed_and_a_day_alone_invents_no_time():
    r = ArchivedRow.from_dict(
        {
            **row(1).to_dict(),
            "published": "2026-11-21T01:30:00+03:00",
            "modified": "2026-11-22",
            "fetched_at": "2026-11-21T03:00:00Z",
        }
    )
    assert r.published == datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    assert r.published_date == date(2026, 11, 21)  # the day as the page wrote it, not the UTC day
    assert r.modified is None and r.modified_date == date(2026, 11, 22)
    assert r.fetched_at == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    assert ArchivedRow.from_dict(r.to_dict()) == r  # staging's JSON carries them losslessly
    [back] = table_rows(pq.read_table(_write(rows_table([r]))))
    assert back == r
    with pytest.raises(ValueError, match="published of"):
        ArchivedRow.from_dict({**row(2).to_dict(), "published": "yesterday"})


def _write(table: pa.Table) -> pa.BufferReader:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return pa.BufferReader(sink.getvalue())


def test_a_row_that_is_not_an_object_or_of_another_shape_is_a_record_error():
    for bad in (["id", "url"], "a row", None, 5):
        with pytest.raises(RecordError, match="not an archived row"):
            ArchivedRow.from_dict(bad)  # type: ignore[arg-type]
    with pytest.raises(
        RecordError, match="published_date of '0000000000000001': Invalid isoformat"
    ):
        ArchivedRow.from_dict({**row(1).to_dict(), "published_date": "21/11/2026"})
    partial = ArchivedRow.from_dict({"id": "x", "url": "https://x/1"})  # absent fields are None
    assert partial.title is None and partial.to_dict()["id"] == "x"
    assert rows_table([]).num_rows == 0 and table_rows(rows_table([])) == []
