"""The one WARC reader (archive/warc_read.py): only the records wanted are read, provenance rides along,
and a revisit is resolved by one rule wherever its original is (this WARC, an earlier one, nowhere)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.warc import append_article_links
from archive.warc_read import CaptureNotFound, Originals, iter_captures, resolve_capture

PAGE = b"<html><body><p>story</p></body></html>"
PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def _write(
    path: Path, records: list[tuple[str, str, str, bytes, dict[str, str]]], *, http: bool = True
) -> dict[str, str]:
    """(kind, url, date, body, extra WARC headers) records; returns url@date -> record id."""
    ids = {}
    with path.open("ab") as fh:
        writer = WARCWriter(fh, gzip=True)
        for kind, url, when, body, extra in records:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url,
                kind,
                payload=BytesIO(body),
                http_headers=headers if http else None,
                warc_headers_dict={"WARC-Date": when, **extra},
            )
            writer.write_record(record)
            ids[f"{url}@{when}"] = record.rec_headers.get_header("WARC-Record-ID")
    return ids


def _provenance(path: Path, record_id: str, url: str, fields: str) -> None:
    with path.open("ab") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(
            writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(fields.encode()),
                warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Concurrent-To": record_id},
            )
        )


def test_only_wanted_captures_are_read_and_each_has_its_provenance(tmp_path):
    warc = tmp_path / "a.warc.gz"
    article, feed = "https://x.example/a/1", "https://x.example/feed"
    ids = _write(warc, [("response", article, "2026-11-21T03:00:00Z", PAGE, {})])
    _provenance(
        warc, ids[f"{article}@2026-11-21T03:00:00Z"], article, "kind: article\r\nvia: " + feed
    )
    ids.update(_write(warc, [("response", feed, "2026-11-21T03:00:01Z", b"<rss/>", {})]))
    _provenance(warc, ids[f"{feed}@2026-11-21T03:00:01Z"], feed, "kind: discovery\r\n")
    append_article_links(
        warc,
        [
            {
                "url": article,
                "capture_id": ids[f"{article}@2026-11-21T03:00:00Z"],
                "article_id": "abc",
                "canonical_url": article,
            }
        ],
    )
    seen: list[str] = []
    captures = list(
        iter_captures(warc, wanted=lambda record_id, url: seen.append(url) or url == article)
    )
    assert seen == [article, feed]  # captures only: no metadata record is offered
    assert [(c.url, c.body, c.kind, c.via) for c in captures] == [(article, PAGE, "article", feed)]
    assert [(c.url, c.kind, c.is_article) for c in iter_captures(warc)] == [
        (article, "article", True),
        (feed, "discovery", False),
    ]


def test_a_revisit_gets_its_originals_payload_from_the_same_warc_by_uri_and_date(tmp_path):
    warc = tmp_path / "a.warc.gz"
    url, first, again = "https://x.example/a/1", "2026-11-21T03:00:00Z", "2026-11-21T04:00:00Z"
    ids = _write(warc, [("response", url, first, PAGE, {})])
    extra = {
        "WARC-Refers-To-Target-URI": url,
        "WARC-Refers-To-Date": first,
        "WARC-Profile": PROFILE,
    }
    ids.update(_write(warc, [("revisit", url, again, b"", extra)]))
    revisit_id = ids[f"{url}@{again}"]
    [capture] = list(iter_captures(warc, wanted=lambda record_id, _: record_id == revisit_id))
    assert (capture.record_id, capture.body, capture.fetched_at) == (revisit_id, PAGE, again)
    assert capture.refers_to == ids[f"{url}@{first}"] and capture.status == 200
    assert resolve_capture(warc, revisit_id).body == PAGE  # the same rule by id (verify's way)


def test_a_revisit_without_http_headers_takes_its_originals_status(tmp_path):
    """The guard for a record without HTTP headers is the reader's, whichever path reads it."""
    warc = tmp_path / "a.warc.gz"
    url = "https://x.example/a/1"
    original = _write(warc, [("response", url, "2026-11-21T03:00:00Z", PAGE, {})])
    revisit = _write(
        warc,
        [
            (
                "revisit",
                url,
                "2026-11-21T05:00:00Z",
                b"",
                {"WARC-Refers-To": original[f"{url}@2026-11-21T03:00:00Z"]},
            )
        ],
        http=False,
    )
    captures = list(iter_captures(warc))
    assert [(c.status, c.content_type, c.body) for c in captures] == [
        (200, "text/html; charset=utf-8", PAGE)
    ] * 2
    assert captures[1].record_id == revisit[f"{url}@2026-11-21T05:00:00Z"]


def test_a_revisit_of_an_earlier_warc_is_found_there_and_an_unresolved_one_is_named(tmp_path):
    earlier, later = tmp_path / "rev1.warc.gz", tmp_path / "rev2.warc.gz"
    url, first, again = "https://x.example/a/1", "2026-11-21T03:00:00Z", "2026-11-21T09:00:00Z"
    original_id = _write(earlier, [("response", url, first, PAGE, {})])[f"{url}@{first}"]
    _write(later, [("revisit", url, again, b"", {"WARC-Refers-To": original_id})])
    originals = Originals(None, "2026-11-21", "x", tmp_path)
    list(iter_captures(earlier, originals))  # read first: searched for originals from then on
    [capture] = list(iter_captures(later, originals))
    assert capture.body == PAGE and capture.refers_to == original_id
    unresolved: list[CaptureNotFound] = []
    assert list(iter_captures(later, unresolved=unresolved)) == []  # costs only itself
    [missing] = unresolved
    assert original_id in str(missing) and missing.url == url
    with pytest.raises(CaptureNotFound, match=original_id):
        list(iter_captures(later))
