"""The crawl's WARC writer (spiders/warc.py) read back through archive/warc_read.py: a payload seen
before becomes a WARC/1.1 revisit with no second copy of the body; provenance rides along."""

from __future__ import annotations

import gzip
import json
import os

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


def _pipeline(tmp_path, requisites=None, **overrides) -> WarcPipeline:
    settings = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    settings.update(NEWSARCHIVE_OUTPUT_DIR=str(tmp_path), **overrides)
    crawler = get_crawler(NewsSpider, settings)
    crawler.spider = NewsSpider.from_crawler(crawler, outlet="anapress")
    crawler.spider.state.requisites = requisites or {}  # as the crawl state file gives them
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


def test_every_response_is_kept_as_it_arrives_except_an_articles_2xx_which_the_spider_judges(
    tmp_path,
):
    from scrapy import Request

    from spiders.warc import KIND_KEY

    pipeline = _pipeline(tmp_path)
    article = "https://www.anapress.net/a/1"
    arrivals = [
        (Request(article), _capture(article, b"<h1>Moved</h1>", 301)),  # a redirect hop
        (Request(article + "?moved=1"), _capture(article + "?moved=1", b"", 500)),  # retried
        (Request(article + "?moved=1"), _capture(article + "?moved=1")),  # the page: an item
        (
            Request("https://www.anapress.net/robots.txt", meta={"dont_obey_robotstxt": True}),
            _capture("https://www.anapress.net/robots.txt", b"busy", 503),
        ),
        (Request(FEED, meta={KIND_KEY: "discovery"}), _capture(FEED, b"", 404)),
        (
            Request("https://www.anapress.net/s.css", meta={KIND_KEY: "requisite"}),
            _capture("https://www.anapress.net/s.css", b"body{}"),
        ),
    ]
    for request, capture in arrivals:
        pipeline.response_captured(request, capture)
    pipeline.close_spider()
    captures = list(iter_captures(capture_paths(tmp_path, "anapress").warc))
    assert [(c.kind, c.status, c.url) for c in captures] == [
        ("article", 301, article),
        ("article", 500, article + "?moved=1"),
        ("robots", 503, "https://www.anapress.net/robots.txt"),
        ("discovery", 404, FEED),
        ("requisite", 200, "https://www.anapress.net/s.css"),
    ]
    stats = pipeline.crawler.stats
    assert stats.get_value("newsarchive/records") == {
        "200": 1,
        "301": 1,
        "404": 1,
        "500": 1,
        "503": 1,
    }
    named = stats.get_value("newsarchive/evidence")
    assert [(e["status"], e["kind"]) for e in named] == [
        (500, "article"),
        (503, "robots"),
        (404, "discovery"),
    ]
    assert [e["record_id"] for e in named] == [c.record_id for c in captures if c.status >= 400]


def test_a_requisite_archived_on_an_earlier_day_is_a_revisit_of_that_record(tmp_path):
    """The crawl state names each requisite payload archived in full (its URL, date, record id, day)."""
    css = b"body { background: #f4efe6 }"
    original = "<urn:uuid:00000000-0000-4000-8000-00000000c55a>"
    pipeline = _pipeline(
        tmp_path,
        {
            payload_digest(css): [
                "https://www.anapress.net/s.css",
                "2026-11-20T03:00:00Z",
                original,
                "2026-11-20",
            ]
        },
    )
    same = pipeline.write_capture(
        _capture("https://www.anapress.net/s.css", css), None, "requisite"
    )
    changed = pipeline.write_capture(
        _capture("https://www.anapress.net/logo.png", b"\x89PNG new"), None, "requisite"
    )
    page = pipeline.write_capture(_capture("https://www.anapress.net/a/5", css), None, "article")
    pipeline.close_spider()
    records = dict(
        (h.get_header("WARC-Record-ID"), (t, h))
        for t, h in _records(capture_paths(tmp_path, "anapress").warc)
    )
    assert (
        records[same][0] == "revisit" and records[same][1].get_header("WARC-Refers-To") == original
    )
    assert records[same][1].get_header("WARC-Refers-To-Date") == "2026-11-20T03:00:00Z"
    # only a requisite refers to another day (readers of articles look within the day only)
    assert records[changed][0] == records[page][0] == "response"
    run = pipeline.crawler.spider.run.requisites
    assert run == {
        payload_digest(b"\x89PNG new"): [
            "https://www.anapress.net/logo.png",
            "2026-11-21T03:00:00Z",
            changed,
        ]
    }


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_write_that_fails_stops_the_writer_and_is_named_for_the_report(tmp_path):
    """/dev/full answers every write with ENOSPC, as a full disk does: Scrapy would only log an error
    raised by a pipeline and go on crawling, so the pipeline keeps the first failure for the report
    (spiders/report.py: finish reason write_failed) and writes nothing more, and no sidecar is left."""
    files = capture_paths(tmp_path, "anapress")
    files.warc.symlink_to("/dev/full")
    pipeline = _pipeline(tmp_path)
    big = b"<html><body>" + os.urandom(40_000).hex().encode() + b"</body></html>"  # past the buffer
    item = {**_capture("https://www.anapress.net/a/1", big), "via": None, "discovered_at": None}
    assert pipeline.process_item(item)["url"] == item["url"]  # the item goes on; the write did not
    assert "anapress.warc.gz" in pipeline.write_error
    assert "No space left on device" in pipeline.write_error
    stat = pipeline.crawler.stats.get_value("newsarchive/write_error")
    assert stat == pipeline.write_error
    pipeline.process_item({**item, "url": "https://www.anapress.net/a/2"})  # nothing more written
    assert pipeline.write_error == stat  # the first failure is the one named
    pipeline.close_spider()
    assert not files.cdxj.exists() and not list(tmp_path.glob("*.part"))


def test_a_warc_closed_whole_keeps_its_sidecar_and_names_no_failure(tmp_path):
    pipeline = _pipeline(tmp_path)
    pipeline.write_capture(_capture("https://www.anapress.net/a/1"), None)
    pipeline.close_spider()
    files = capture_paths(tmp_path, "anapress")
    assert pipeline.write_error == ""
    assert files.cdxj.exists() and files.warc.stat().st_size > 0
    assert pipeline.crawler.stats.get_value("newsarchive/write_error") is None
