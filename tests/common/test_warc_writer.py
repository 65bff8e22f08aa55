"""common/warc_writer.py: WARC/1.1 records, each its own gzip member at level 6, read back as written by
warcio and checked whole below warcio (archive/warc_check.py)."""

import array
import base64
import io
import os
import re
import uuid
import zlib
from io import BytesIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from archive.warc_check import check_warc
from common.warc_writer import GzipWarcWriter, base32, warc_record_id
from spiders.warc import payload_digest

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


def _every_kind(writer):
    """One record of each kind the project writes (spiders/warc.py, archive/warc.py), with fixed ids
    and dates so that two writers are given the same records: a response of known length, its
    request, a revisit, provenance metadata, warcinfo; and the forms warcio also takes: a payload
    with its HTTP head inside (the stream starts after it), a digest given, no HTTP head, an empty
    body, a compressed payload, a length not given (warcio's own path)."""
    import gzip

    def fixed(n, **more):
        return {
            "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
            "WARC-Date": "2026-12-07T03:00:00.000001Z",
            **more,
        }

    def http(status="200 OK", extra=()):
        return StatusAndHeaders(status, [("Content-Type", "text/html"), *extra], "HTTP/1.1")

    page = PAGE
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Odd:  spaced \r\n\r\n" + page
    yield writer.create_warcinfo_record("a.warc.gz", {"software": "test", "outlet": "x"})
    yield writer.create_warc_record(
        "https://x.test/a", "response", payload=BytesIO(page), length=len(page),
        http_headers=http(), warc_headers_dict=fixed(1),
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/a", "request", payload=BytesIO(b""), length=0,
        http_headers=StatusAndHeaders("GET /a HTTP/1.1", [("Host", "x.test")], is_http_request=True),
        warc_headers_dict=fixed(2),
    )  # fmt: skip
    yield writer.create_revisit_record(
        "https://x.test/b", payload_digest(page), "https://x.test/a", "2026-12-06T03:00:00Z",
        http_headers=http(), warc_headers_dict={**fixed(3), "WARC-Refers-To": "<urn:uuid:1>"},
    )  # fmt: skip
    fields = b"kind: article\r\nvia: https://x.test/feed\r\n"
    yield writer.create_warc_record(
        "https://x.test/a", "metadata", payload=BytesIO(fields), length=len(fields),
        warc_content_type="application/warc-fields",
        warc_headers_dict=fixed(4, **{"WARC-Concurrent-To": "<urn:uuid:1>"}),
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/raw", "response", payload=BytesIO(raw), length=len(raw),
        warc_headers_dict=fixed(5),
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/d", "response", payload=BytesIO(page), length=len(page),
        http_headers=http(), warc_headers_dict=fixed(6, **{"WARC-Payload-Digest": payload_digest(page)}),
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/e", "resource", payload=BytesIO(page), length=len(page),
        warc_content_type="text/html", warc_headers_dict=fixed(7),
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/404", "response", payload=BytesIO(b""), length=0,
        http_headers=http("404 Not Found"), warc_headers_dict=fixed(8),
    )  # fmt: skip
    zipped = gzip.compress(page, mtime=0)
    yield writer.create_warc_record(
        "https://x.test/z", "response", payload=BytesIO(zipped), length=len(zipped),
        http_headers=http(extra=[("Content-Encoding", "gzip")]), warc_headers_dict=fixed(9),
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/f", "response", payload=BytesIO(page), http_headers=http(),
        warc_headers_dict=fixed(10),
    )  # fmt: skip
    # the headers warcio searches for, given: in other cases, a digest, an empty date, the record's own
    # Content-Type and Content-Length (replaced, not added), a WARC-Type and a target given (warcio's
    # own code makes those headers); a payload read from a file, not from memory
    yield writer.create_warc_record(
        "https://x.test/g", "response", payload=BytesIO(page), length=len(page), http_headers=http(),
        warc_headers_dict={
            **fixed(11), "warc-date": "", "WARC-Block-Digest": payload_digest(http().to_ascii_bytes() + page),
            "content-type": "application/http;msgtype=response", "Content-Length": "1",
        },
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/h", "metadata", payload=BytesIO(b"a: b\r\n"), length=6,
        warc_headers_dict={**fixed(12), "warc-type": "resource", "WARC-Target-URI": "urn:x"},
    )  # fmt: skip
    tail = BytesIO(b"junk" + page)
    tail.seek(4)  # a payload that starts inside its stream
    yield writer.create_warc_record(
        "https://x.test/i", "response", payload=tail, length=len(page), http_headers=http(),
        warc_headers_dict=fixed(13),
    )  # fmt: skip
    yield writer.create_warc_record(
        "https://x.test/j", "resource", payload=io.BufferedReader(BytesIO(page)), length=len(page),
        warc_content_type="text/html", warc_headers_dict=fixed(14),
    )  # fmt: skip


def test_every_kind_of_record_is_written_as_warcio_writes_it(tmp_path):
    """Inflated, our file is byte for byte what warcio's writer writes for the same records."""
    from warcio.warcwriter import WARCWriter

    ours, theirs = BytesIO(), BytesIO()
    written = []
    ours_writer = GzipWarcWriter(ours, on_record=lambda r, o, n: written.append((o, n)))
    theirs_writer = WARCWriter(theirs, gzip=False, warc_version="1.1")
    for mine, warcios in zip(_every_kind(ours_writer), _every_kind(theirs_writer), strict=True):
        if mine.rec_type == "warcinfo":  # its id and date are made when it is created
            warcios.rec_headers.headers = list(mine.rec_headers.headers)
        ours_writer.write_record(mine)
        theirs_writer.write_record(warcios)
    data = ours.getvalue()
    assert len(written) == 15 and sum(n for _, n in written) == len(data)
    inflated = b""
    for offset, length in written:  # each record its own member
        member = zlib.decompressobj(zlib.MAX_WBITS + 16)
        inflated += member.decompress(data[offset : offset + length])
        assert member.eof and not member.unused_data
    assert inflated == theirs.getvalue()
    path = tmp_path / "every.warc.gz"
    path.write_bytes(data)
    with path.open("rb") as fh:
        assert len(list(ArchiveIterator(fh, check_digests=True))) == 15
    assert check_warc(path, path.name) == []


def test_base32_is_base64s_for_every_length():
    """The digests' base32 is base64.b32encode's: SHA-1's 20 bytes by the fast path, any other length
    by base64's own."""
    cases = [os.urandom(20) for _ in range(500)] + [b"\x00" * 20, b"\xff" * 20]
    cases += [os.urandom(n) for n in (0, 1, 5, 19, 21, 32)]
    # other bytes-like objects: base64's own (a memoryview of 20 two-byte items is 40 bytes)
    cases += [bytearray(os.urandom(20)), memoryview(array.array("H", range(20)))]
    for digest in cases:
        assert base32(digest) == base64.b32encode(digest).decode("ascii"), digest


def test_record_ids_are_random_version_4_uuids_as_warcio_writes_them():
    ids = [warc_record_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for record_id in ids:
        assert re.fullmatch(
            r"<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>",
            record_id,
        )
        parsed = uuid.UUID(record_id[len("<urn:uuid:") : -1])
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
    # every other bit varies: the 122 random bits of uuid4
    bits = [int(uuid.UUID(i[10:-1])) for i in ids]
    fixed_mask = (0xF << 76) | (0x3 << 62)
    varying = 0
    for value in bits:
        varying |= value ^ bits[0]
    assert varying == ((1 << 128) - 1) & ~fixed_mask
    writer = GzipWarcWriter(BytesIO())
    record = writer.create_warc_record(
        "https://x.test/", "resource", payload=BytesIO(b"x"), length=1
    )
    assert re.fullmatch(
        r"<urn:uuid:[0-9a-f-]{36}>", record.rec_headers.get_header("WARC-Record-ID")
    )


def _crawl_records(writer, stream_of):
    """The records as spiders/warc.py and archive/warc.py make them (no id or date given: each writer
    makes its own), written by `writer`: a capture's response and request as a pair (latin-1 header
    values, two Set-Cookie headers), its provenance metadata, a revisit pair of a gzip-encoded page,
    and publish's article link (a length not given, no HTTP head)."""
    page = PAGE
    date = "2026-12-07T05:00:00Z"
    for kind, body in (("response", page), ("revisit", b"")):
        response_http = StatusAndHeaders(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("X-Title", "caf\xe9 \xc3\xa9"),
                *([("Content-Encoding", "gzip")] if kind == "revisit" else []),
            ],
            protocol="HTTP/1.1",
        )
        if kind == "response":
            response = writer.create_warc_record(
                "https://x.test/a?\u0645=1", "response", payload=stream_of(body), length=len(body),
                http_headers=response_http,
                warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": payload_digest(body)},
            )  # fmt: skip
        else:
            response = writer.create_revisit_record(
                "https://x.test/b", payload_digest(page), "https://x.test/a", date,
                http_headers=response_http,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": "<urn:uuid:1>"},
            )  # fmt: skip
        request = writer.create_warc_record(
            "https://x.test/a", "request", payload=stream_of(b""), length=0,
            http_headers=StatusAndHeaders(
                "GET /a HTTP/1.1", [("Host", "x.test"), ("Accept-Language", "ar")],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )  # fmt: skip
        writer.write_request_response_pair(request, response)
        yield response
        yield request
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        fields = b"kind: article\r\nvia: https://x.test/feed\r\n"
        metadata = writer.create_warc_record(
            "https://x.test/a", "metadata", payload=stream_of(fields), length=len(fields),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )  # fmt: skip
        writer.write_record(metadata)
        yield metadata
    link = b'{"article_id": "a1", "canonical_url": "https://x.test/a"}'
    record = writer.create_warc_record(
        "https://x.test/a", "metadata", payload=stream_of(link),
        warc_content_type="application/json", warc_headers_dict={"WARC-Refers-To": "<urn:uuid:2>"},
    )  # fmt: skip
    writer.write_record(record)
    yield record


_MADE = re.compile(
    rb"(WARC-Record-ID: |WARC-Concurrent-To: )<urn:uuid:[0-9a-f-]{36}>|WARC-Date: [0-9T:.Z-]+"
)


def _made_values_numbered(data: bytes) -> bytes:
    """The ids and dates each writer makes, numbered in order of appearance (the same id named again,
    as WARC-Concurrent-To, gets the same number)."""
    seen: dict[bytes, int] = {}

    def number(match):
        value = match.group(0).split(b": ", 1)[1]
        return match.group(0).split(b": ", 1)[0] + b": #%d" % seen.setdefault(value, len(seen))

    return _MADE.sub(number, data)


def _state(record):
    headers = [(n, v) for n, v in record.rec_headers.headers if n not in _GENERATED]
    http = record.http_headers
    return (
        headers, record.length, record.payload_length, record.content_type,
        (http.headers, http.headers_buff) if http else None, record.raw_stream.tell(),
    )  # fmt: skip


_GENERATED = ("WARC-Record-ID", "WARC-Date", "WARC-Concurrent-To")


def test_the_crawls_records_are_written_and_left_as_warcio_writes_and_leaves_them():
    """The records the project's callers make, each writer making its own ids and dates: the same
    bytes once those are numbered, and each record left in the same state (headers in order, lengths,
    HTTP head, the payload stream's position): by the fast path (in memory) and by warcio's own (a
    payload in a buffered reader)."""
    from warcio.warcwriter import WARCWriter

    for stream_of in (BytesIO, lambda data: io.BufferedReader(BytesIO(data))):
        ours, theirs = BytesIO(), BytesIO()
        written = []
        ours_writer = GzipWarcWriter(ours, on_record=lambda r, o, n, w=written: w.append((o, n)))
        theirs_writer = WARCWriter(theirs, gzip=False, warc_version="1.1")
        mine = list(_crawl_records(ours_writer, stream_of))
        warcios = list(_crawl_records(theirs_writer, stream_of))
        assert [_state(r) for r in mine] == [_state(r) for r in warcios]
        data = ours.getvalue()
        inflated = b"".join(
            zlib.decompressobj(zlib.MAX_WBITS + 16).decompress(data[o : o + n]) for o, n in written
        )
        assert len(written) == 7
        assert _made_values_numbered(inflated) == _made_values_numbered(theirs.getvalue())
        assert b"X-Title: caf%C3%A9" in inflated  # warcio's percent-encoding of the latin-1 value


def test_an_http_header_appended_by_hand_as_a_longer_tuple_is_written_as_warcio_writes_it():
    from warcio.warcwriter import WARCWriter

    outputs = []
    for writer_of in (
        lambda fh: GzipWarcWriter(fh, level=0),
        lambda fh: WARCWriter(fh, gzip=False, warc_version="1.1"),
    ):
        out = BytesIO()
        writer = writer_of(out)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
        http.headers.append(("X", "a", "b"))
        record = writer.create_warc_record(
            "https://x.test/a", "response", payload=BytesIO(b"x"), length=1, http_headers=http,
            warc_headers_dict={"WARC-Record-ID": "<urn:uuid:1>", "WARC-Date": "2026-12-07T00:00:00Z"},
        )  # fmt: skip
        writer.write_record(record)
        data = out.getvalue()
        outputs.append(
            zlib.decompress(data, zlib.MAX_WBITS + 16) if data[:2] == b"\x1f\x8b" else data
        )
    assert outputs[0] == outputs[1] and b"X: a: b\r\n" in outputs[0]
