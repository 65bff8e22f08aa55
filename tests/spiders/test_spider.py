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
