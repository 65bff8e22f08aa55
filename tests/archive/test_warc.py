"""archive/warc.py: the publish stage's article links appended to a crawl's WARC, one metadata record per
article referring to its response capture, the captures left byte for byte as they were."""

from __future__ import annotations

import json
from io import BytesIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archive.warc import append_article_links
from common.warc_writer import GzipWarcWriter

URL = "https://www.example.com/news/1"


def test_each_article_gets_a_metadata_record_after_the_untouched_captures(tmp_path):
    path = tmp_path / "anapress.warc.gz"
    with path.open("wb") as fh:
        writer = GzipWarcWriter(fh)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                URL, "response", payload=BytesIO("<p>خبر</p>".encode()), http_headers=headers
            )
        )
    crawled = path.read_bytes()
    with path.open("rb") as fh:
        capture_id = next(iter(ArchiveIterator(fh))).rec_headers.get_header("WARC-Record-ID")
    links = [
        {"url": URL, "capture_id": capture_id, "article_id": "a" * 16, "canonical_url": URL},
        {
            "url": URL + "?p=2",
            "capture_id": capture_id,
            "article_id": "b" * 16,
            "canonical_url": URL,
        },
    ]
    append_article_links(path, links)
    assert path.read_bytes().startswith(crawled)  # a gzip member per record: the captures untouched
    with path.open("rb") as fh:
        records = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.rec_headers.get_header("WARC-Refers-To"),
                r.content_stream().read(),
            )
            for r in ArchiveIterator(fh)
        ]
    assert [r[0] for r in records] == ["response", "metadata", "metadata"]
    assert records[1][1:3] == (URL, capture_id) and records[2][1] == URL + "?p=2"
    assert json.loads(records[1][3]) == {"article_id": "a" * 16, "canonical_url": URL}
    append_article_links(path, [])
    with path.open("rb") as fh:
        assert len(list(ArchiveIterator(fh))) == 3
