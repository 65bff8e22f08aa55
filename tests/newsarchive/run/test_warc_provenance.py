"""Issue 14, the crawl side, on the replica: discovery documents kept in the WARC (a 304 as a 304),
`via`/`discovered_at` on every row, and a same-day `--refetch` written as revisits that still extract
and verify, on a local archive and on SeaweedFS S3."""

from __future__ import annotations

import dataclasses
import gzip
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from wacz.main import main as wacz_main
from warcio.archiveiterator import ArchiveIterator

from archive.snapshot import (
    SnapshotRef,
    load_manifest,
    read_articles,
    resolve_snapshot,
)
from archive.store import open_store
from archive.verify import verify_snapshot
from archive.wacz_export import export_wacz
from archive.warc_read import iter_captures
from newsarchive.config import Settings
from newsarchive.run.pipeline import run_pipeline
from outlets.registry import load_registry
from tests.conftest import RUN_DAY
from tests.spiders.runs import crawl_days

pytestmark = pytest.mark.slow  # crawl subprocesses and pipeline runs

PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def _records(path: Path) -> list:
    with path.open("rb") as fh:
        return [(r.rec_type, r.rec_headers, r.http_headers) for r in ArchiveIterator(fh)]


def _warc(store, ref: SnapshotRef, outlet: str, tmp: Path) -> Path:
    local = tmp / f"{outlet}-rev{ref.rev}.warc.gz"
    store.download(f"{ref.prefix}warc/{outlet}.warc.gz", local)
    return local


def test_a_same_day_refetch_is_written_as_revisits_and_its_rows_extract_and_verify(
    replica, archive_url, tmp_path
):
    settings = Settings(archive=archive_url, host_map=replica.host_map)
    run_pipeline(settings, RUN_DAY, ["anapress"])
    run_pipeline(dataclasses.replace(settings, refetch=True), RUN_DAY, ["anapress"])
    store = open_store(archive_url)
    first, second = (
        SnapshotRef(RUN_DAY.isoformat(), 1),
        resolve_snapshot(store, RUN_DAY.isoformat()),
    )
    assert second.rev == 2
    old, new = _warc(store, first, "anapress", tmp_path), _warc(store, second, "anapress", tmp_path)
    originals = {h.get_header("WARC-Record-ID"): h for t, h, _ in _records(old) if t == "response"}
    revisits = {h.get_header("WARC-Record-ID"): h for t, h, _ in _records(new) if t == "revisit"}
    assert not [t for t, _, _ in _records(new) if t == "response"]  # nothing changed on the replica
    for headers in revisits.values():
        assert headers.protocol == "WARC/1.1" and headers.get_header("WARC-Profile") == PROFILE
        original = originals[headers.get_header("WARC-Refers-To")]
        assert headers.get_header("WARC-Refers-To-Target-URI") == original.get_header(
            "WARC-Target-URI"
        )
        assert headers.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date")
        assert headers.get_header("WARC-Payload-Digest") == original.get_header(
            "WARC-Payload-Digest"
        )
    assert new.stat().st_size < old.stat().st_size / 2
    before = {r["url"]: r for r in read_articles(store, first).to_pylist()}
    after = {r["url"]: r for r in read_articles(store, second).to_pylist()}
    assert after.keys() == before.keys() and len(after) == 20
    for (
        url,
        row,
    ) in after.items():  # extracted again from the originals' bodies, not carried forward
        assert row["capture_id"] in revisits and row["carried_from"] is None
        assert row["text"] == before[url]["text"] and row["title"] == before[url]["title"]
    assert verify_snapshot(store, first) == [] and verify_snapshot(store, second) == []
    # the rerun's WACZ holds the earlier rev's WARC too: its revisits' originals are there
    (wacz,) = export_wacz(store, second, tmp_path / "wacz", outlet="anapress")
    assert wacz_main(["validate", "-f", str(wacz.path)]) == 0
    with zipfile.ZipFile(wacz.path) as z:
        assert sorted(n for n in z.namelist() if n.startswith("archive/")) == [
            f"archive/anapress-{RUN_DAY}-rev1.warc.gz",
            f"archive/anapress-{RUN_DAY}-rev2.warc.gz",
        ]


def test_every_row_names_the_discovery_document_it_was_found_on_and_that_document_is_in_the_warc(
    demo_run, tmp_path
):
    settings, _ = demo_run
    store = open_store(settings.archive)
    ref = resolve_snapshot(store, RUN_DAY.isoformat())
    rows = read_articles(store, ref).to_pylist()
    assert rows
    for outlet in {r["outlet"] for r in rows}:
        records = _records(_warc(store, ref, outlet, tmp_path))
        documents = {
            h.get_header("WARC-Target-URI")
            for t, h, http in records
            if t in ("response", "revisit") and "/robots.txt" not in h.get_header("WARC-Target-URI")
        }
        registry = load_registry(settings.outlets_path).get(outlet)
        starts = set(registry.feeds) | set(registry.sitemaps) | set(registry.sections)
        assert starts <= documents, (
            outlet
        )  # every feed, sitemap and section page of the registry is kept
        assert any(
            h.get_header("WARC-Target-URI").endswith("/robots.txt")
            for t, h, _ in records
            if t == "response"
        )
        kinds = {c.url: c.kind for c in iter_captures(_warc(store, ref, outlet, tmp_path))}
        # page requisites too (on by default), kept and never extracted
        assert set(kinds.values()) == {"article", "discovery", "robots", "requisite"}
        assert {kinds[r["url"]] for r in rows if r["outlet"] == outlet} == {"article"}
        assert {kinds[url] for url in starts} == {"discovery"}
        assert {k for u, k in kinds.items() if u.endswith("/robots.txt")} == {"robots"}
        # only article pages are extracted: discovery documents and requisites are kept, never counted
        # as failures
        assert load_manifest(store, ref).outlets[outlet].extract_failed == {}, outlet
        for row in (r for r in rows if r["outlet"] == outlet):
            assert row["via"] in documents, row["url"]
            found = row["discovered_at"]  # typed (schema 2.0): a UTC instant
            assert found.utcoffset() == timedelta(0) and found <= datetime.now(UTC)
            assert found <= row["fetched_at"]


def test_a_feed_answered_304_is_kept_as_a_304(replica, tmp_path):
    reports, _ = crawl_days(replica, "anapress", tmp_path, 2)
    assert reports[1].not_modified >= 1
    records = _records(tmp_path / "day1" / "anapress.warc.gz")
    feed = "https://www.anapress.net/rss"
    [(response, http)] = [
        (h, http)
        for t, h, http in records
        if t == "response" and h.get_header("WARC-Target-URI") == feed
    ]
    assert http.get_statuscode() == "304"
    [request] = [
        http for t, h, http in records if t == "request" and h.get_header("WARC-Target-URI") == feed
    ]
    assert request.get_header("If-None-Match") or request.get_header("If-Modified-Since")
    with gzip.open(tmp_path / "day1" / "anapress.warc.gz") as fh:
        assert b"HTTP/1.1 304 Not Modified" in fh.read()
