"""The crawl's WARC writer (spiders/warc.py) read back through archive/warc_read.py: a payload seen
before becomes a WARC/1.1 revisit with no second copy of the body; provenance rides along."""

from __future__ import annotations

import gzip
import json

import pytest
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.warc_check import check_warc
from archive.warc_read import CaptureNotFound, iter_captures, resolve_capture
from spiders import settings as project_settings
from spiders.news import NewsSpider
from spiders.warc import WarcPipeline, capture_paths, payload_digest

BODY = "<html><body><p>نص واحد لا يتكرر في الملف</p></body></html>".encode()
FEED = "https://www.anapress.net/rss"
PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def _pipeline(tmp_path, **overrides) -> WarcPipeline:
    settings = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    settings.update(NEWSARCHIVE_OUTPUT_DIR=str(tmp_path), **overrides)
    crawler = get_crawler(NewsSpider, settings)
    crawler.spider = NewsSpider.from_crawler(crawler, outlet="anapress")
    pipeline = WarcPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def _capture(url: str, body: bytes = BODY, status: int = 200) -> dict:
    return {
        "url": url,
        "status": status,
        "protocol": "HTTP/1.1",
        "body": body,
        "request_headers": [("User-Agent", "newsarchive-test")],
        "response_headers": [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
        "fetched_at": "2026-11-21T03:00:00+00:00",
        "outlet": "anapress",
    }


def _records(path):
    with path.open("rb") as fh:
        return [(r.rec_type, r.rec_headers) for r in ArchiveIterator(fh)]


def test_the_same_payload_under_another_url_is_a_revisit_without_a_second_body(tmp_path):
    pipeline = _pipeline(tmp_path)
    first = pipeline.write_capture(
        _capture("https://www.anapress.net/a/1"), (FEED, "2026-11-21T03:00:00+00:00")
    )
    second = pipeline.write_capture(
        _capture("https://www.anapress.net/a/1?utm=x"), (FEED, "2026-11-21T03:00:01+00:00")
    )
    pipeline.close_spider()
    warc = capture_paths(tmp_path, "anapress").warc
    revisit = dict(_records(warc))["revisit"]
    assert revisit.protocol == "WARC/1.1" and revisit.get_header("WARC-Profile") == PROFILE
    assert (
        revisit.get_header("WARC-Refers-To") == first
        and revisit.get_header("WARC-Record-ID") == second
    )
    assert revisit.get_header("WARC-Refers-To-Target-URI") == "https://www.anapress.net/a/1"
    assert revisit.get_header("WARC-Refers-To-Date") == "2026-11-21T03:00:00Z"
    assert revisit.get_header("WARC-Payload-Digest") == payload_digest(BODY)
    assert gzip.decompress(warc.read_bytes()).count(BODY) == 1  # the body is stored once
    captures = list(iter_captures(warc))
    assert [c.body for c in captures] == [BODY, BODY] and [c.status for c in captures] == [200, 200]
    assert captures[1].refers_to == first and captures[1].record_id == second
    assert [c.kind for c in captures] == ["article", "article"] and all(
        c.is_article for c in captures
    )
    assert [c.via for c in captures] == [FEED, FEED] and captures[
        1
    ].discovered_at == "2026-11-21T03:00:01+00:00"
    assert resolve_capture(warc, second).body == BODY
    assert check_warc(warc, warc.name) == []


def test_without_revisits_every_body_is_written_again(tmp_path):
    pipeline = _pipeline(tmp_path, NEWSARCHIVE_REVISITS=False)
    pipeline.write_capture(_capture("https://www.anapress.net/a/1"), None)
    pipeline.write_capture(_capture("https://www.anapress.net/a/2"), None)
    pipeline.close_spider()
    warc = capture_paths(tmp_path, "anapress").warc
    assert [t for t, _ in _records(warc)].count("response") == 2
    assert gzip.decompress(warc.read_bytes()).count(BODY) == 2


def test_an_archived_payload_is_a_revisit_whose_original_must_be_found_elsewhere(tmp_path):
    digests = tmp_path / "digests.json"
    original = "<urn:uuid:00000000-0000-4000-8000-000000000001>"
    digests.write_text(
        json.dumps(
            {
                payload_digest(BODY): [
                    "https://www.anapress.net/a/1",
                    "2026-11-21T02:00:00Z",
                    original,
                ]
            }
        )
    )
    pipeline = _pipeline(tmp_path / "out", NEWSARCHIVE_ARCHIVED_DIGESTS=str(digests))
    pipeline.write_capture(_capture("https://www.anapress.net/a/1"), None)
    pipeline.write_capture(_capture("https://www.anapress.net/a/2", b"<html>other</html>"), None)
    pipeline.close_spider()
    warc = capture_paths(tmp_path / "out", "anapress").warc
    assert [t for t, _ in _records(warc)][1:] == [
        "revisit",
        "request",
        "metadata",
        "response",
        "request",
        "metadata",
    ]
    with pytest.raises(CaptureNotFound, match=original):
        list(iter_captures(warc))
    unresolved: list[CaptureNotFound] = []
    assert [c.url for c in iter_captures(warc, unresolved=unresolved)] == [
        "https://www.anapress.net/a/2"
    ]
    assert len(unresolved) == 1  # costs only itself


def test_errors_and_not_modified_are_never_revisits(tmp_path):
    pipeline = _pipeline(tmp_path)
    pipeline.write_capture(_capture(FEED, b""), None, "discovery")
    pipeline.write_capture(_capture(FEED, b"", status=304), None, "discovery")
    pipeline.write_capture(_capture("https://www.anapress.net/a/9", BODY, status=404), None)
    pipeline.write_capture(_capture("https://www.anapress.net/a/10", BODY, status=404), None)
    pipeline.close_spider()
    warc = capture_paths(tmp_path, "anapress").warc
    captures = list(iter_captures(warc))
    assert [c.status for c in captures] == [200, 304, 404, 404]
    assert [c.kind for c in captures] == ["discovery", "discovery", "article", "article"]
    assert "revisit" not in [t for t, _ in _records(warc)]
