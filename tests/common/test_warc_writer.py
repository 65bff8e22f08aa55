"""common/warc_writer.py: WARC/1.1 records, each its own gzip member at level 6, read back as written by
warcio and checked whole below warcio (archive/warc_check.py)."""

import zlib
from io import BytesIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archive.warc_check import check_warc
from common.warc_writer import GzipWarcWriter

PAGE = ("<html><body><article><p>" + "نص الخبر " * 400 + "</p></article></body></html>").encode()


def _write(path, level=6, n=5):
    with path.open("wb") as fh:
        writer = GzipWarcWriter(fh, level=level)
        offsets = []
        for i in range(n):
            offsets.append(fh.tell())
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
            record = writer.create_warc_record(
                f"https://x.test/a/{i}", "response", payload=BytesIO(PAGE), http_headers=headers
            )
            writer.write_record(record)
        offsets.append(fh.tell())
    return offsets


def test_records_read_back_as_written_each_its_own_member(tmp_path):
    path = tmp_path / "a.warc.gz"
    offsets = _write(path)
    with path.open("rb") as fh:
        records = [
            (
                r.rec_headers.get_header("WARC-Target-URI"),
                r.content_stream().read(),
                r.rec_headers.protocol,
            )
            for r in ArchiveIterator(fh)
        ]
    assert records == [(f"https://x.test/a/{i}", PAGE, "WARC/1.1") for i in range(5)]
    data = path.read_bytes()
    for start, end in zip(offsets, offsets[1:], strict=False):  # each record inflates alone
        member = zlib.decompressobj(zlib.MAX_WBITS + 16)
        assert member.decompress(data[start:end]).startswith(b"WARC/1.1\r\n") and member.eof
    assert check_warc(path, "a.warc.gz") == []


def test_level_6_is_warcios_format_at_a_lower_level(tmp_path):
    """The same records at level 9 (warcio's own) and 6: the same WARC once inflated, members alike."""
    six, nine = tmp_path / "6.warc.gz", tmp_path / "9.warc.gz"
    _write(six, level=6)
    _write(nine, level=9)

    def records(path):
        with path.open("rb") as fh:
            return [r.content_stream().read() for r in ArchiveIterator(fh)]

    assert records(six) == records(nine)
    assert six.read_bytes()[8] == 0 and nine.read_bytes()[8] == 2  # gzip XFL: default, best


def test_a_compressed_payload_is_stored_after_its_deflated_heads(tmp_path):
    """A gzip-encoded page (as servers send it) and a PNG: stored, not deflated again, in one gzip
    member that warcio reads back with its digests and that inflates alone."""
    import gzip
    import os

    from archive.warc_check import check_warc

    page, png = gzip.compress(PAGE), b"\x89PNG\r\n\x1a\n" + os.urandom(20_000)
    path = tmp_path / "c.warc.gz"
    with path.open("wb") as fh:
        writer = GzipWarcWriter(fh)
        for url, body, headers in (
            (
                "https://x.test/a",
                page,
                [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            ),
            ("https://x.test/b.png", png, [("Content-Type", "image/png")]),
        ):
            http = StatusAndHeaders("200 OK", headers, "HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http)
            )
    with path.open("rb") as fh:
        records = ArchiveIterator(fh, check_digests=True)
        assert [r.raw_stream.read() for r in records] == [page, png]
    assert check_warc(path, path.name) == []
    data = path.read_bytes()
    assert len(page) + len(png) < len(data) < len(page) + len(png) + 1200  # stored, heads deflated
    member = zlib.decompressobj(zlib.MAX_WBITS + 16)
    assert member.decompress(data).startswith(b"WARC/1.1\r\n") and member.eof
