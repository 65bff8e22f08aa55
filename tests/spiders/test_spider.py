"""The spiders, run as real `scrapy crawl` processes against the replica on loopback."""

import gzip
import json
import os
import subprocess
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # real `scrapy crawl` processes


def _scrapy(*args, env_extra=None, **kw):
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        **kw,
    )


def test_scrapy_list_shows_the_generic_spider_and_each_outlet():
    r = _scrapy("list")
    assert r.stdout.split() == [
        "anapress",
        "enabbaladi",
        "euronews",
        "news",
        "orient",
        "zamanalwsl",
    ]


def test_crawl_captures_raw_responses_byte_faithfully(replica, tmp_path):
    r = _scrapy(
        "crawl",
        "orient",
        "-s",
        f"NEWSARCHIVE_OUTPUT_DIR={tmp_path}",
        "-s",
        f"NEWSARCHIVE_HOST_MAP={json.dumps(replica.host_map)}",
    )
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads((tmp_path / "orient.crawl.json").read_text())
    assert report["fetched"] == 20 and report["discovered"] == 20 and report["failed"] == {}
    responses = []
    with (tmp_path / "orient.warc.gz").open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response" and "/news_show/" in record.rec_headers.get_header(
                "WARC-Target-URI"
            ):
                raw = record.raw_stream.read()
                responses.append(
                    (record.rec_headers.get_header("WARC-Target-URI"), record.http_headers, raw)
                )
    assert len(responses) == 20
    url, headers, raw = responses[0]
    assert url.startswith("https://www.orient-news.net/ar/news_show/")  # the real URL, not loopback
    assert headers.get_header("Content-Encoding") == "gzip"  # stored as received, still compressed
    assert "<html" in gzip.decompress(raw).decode("utf-8")


def test_unknown_outlet_is_a_clear_error():
    r = _scrapy("crawl", "news", "-a", "outlet=bbc")
    assert r.returncode != 0 and "unknown outlet 'bbc'" in r.stderr


def test_warcio_reads_every_record_of_a_crawl_back_with_its_digests(replica, tmp_path):
    """The crawl's WARC (common/warc_writer.py: zlib-ng, level 6) as warcio reads it: every record, its
    payload and block digests those of the bytes stored, and our reader gives the same records."""

    from archive.cdxj import _read_lines
    from archive.warc_check import check_warc
    from common.warc_reader import read_records
    from spiders.warc import capture_paths
    from tests.spiders.runs import crawl

    report, _ = crawl(replica, "orient", tmp_path)
    path = capture_paths(tmp_path, "orient").warc
    seen = []
    with path.open("rb") as fh:
        records = ArchiveIterator(fh, check_digests=True)
        for record in records:
            payload = record.content_stream().read()
            if record.rec_type == "response":
                raw = record.raw_stream  # consumed: the digest checker saw the whole block
                digest = record.rec_headers.get_header("WARC-Payload-Digest")
                assert digest and not raw.read() and record.digest_checker.passed is not False
            seen.append((records.get_record_offset(), record.rec_type, payload))
    assert report.fetched == 20 and sum(1 for s in seen if s[1] == "response") >= 20
    assert [(r.offset, r.rec_type, r.payload()) for r in read_records(path)] == seen
    assert check_warc(path, path.name) == []  # every digest recomputed, every member whole
    # the CDXJ lines written with the records: byte for byte what cdxj-indexer makes of the WARC
    sidecar = capture_paths(tmp_path, "orient").cdxj.read_text(encoding="utf-8").splitlines()
    assert sidecar == [line for line in _read_lines(path, "warc/orient.warc.gz") if line]
    assert len(sidecar) >= 20
