"""Reading captures back from a WARC for re-extraction: only the records wanted, revisits resolved."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.warc import append_article_links
from archive.warc_read import Capture
from archive.warc_stream import MissingCapture, RevisitRef, find_original, iter_captures

PAGE = b"<html><body><p>story</p></body></html>"


def _write(
    path: Path, records: list[tuple[str, str, str, bytes, dict[str, str]]]
) -> dict[str, str]:
    """(kind, url, date, body, extra WARC headers) records; returns url@date -> record id."""
    ids = {}
    with path.open("ab") as fh:
        writer = WARCWriter(fh, gzip=True)
        for kind, url, when, body, extra in records:
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url,
                kind,
                payload=BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": when, **extra},
            )
            writer.write_record(record)
            ids[f"{url}@{when}"] = record.rec_headers.get_header("WARC-Record-ID")
    return ids


def test_only_wanted_responses_are_read_and_metadata_is_skipped(tmp_path):
    warc = tmp_path / "a.warc.gz"
    ids = _write(
        warc,
        [
            ("response", "https://x.example/a/1", "2026-11-21T03:00:00Z", PAGE, {}),
            ("response", "https://x.example/feed", "2026-11-21T03:00:01Z", b"<rss/>", {}),
        ],
    )
    append_article_links(
        warc,
        [
            {
                "url": "https://x.example/a/1",
                "capture_id": ids["https://x.example/a/1@2026-11-21T03:00:00Z"],
                "article_id": "abc",
                "canonical_url": "https://x.example/a/1",
            }
        ],
    )
    seen: list[str] = []
    captures = list(
        iter_captures(warc, lambda record_id, url: seen.append(url) or url.endswith("/a/1"))
    )
    assert seen == [
        "https://x.example/a/1",
        "https://x.example/feed",
    ]  # responses only: no metadata record
    assert [(c.url, c.body) for c in captures if isinstance(c, Capture)] == [
        ("https://x.example/a/1", PAGE)
    ]


def test_a_revisit_gets_its_originals_payload_from_the_same_warc(tmp_path):
    warc = tmp_path / "a.warc.gz"
    url, first, again = "https://x.example/a/1", "2026-11-21T03:00:00Z", "2026-11-21T04:00:00Z"
    ids = _write(warc, [("response", url, first, PAGE, {})])
    ids.update(
        _write(
            warc,
            [
                (
                    "revisit",
                    url,
                    again,
                    b"",
                    {
                        "WARC-Refers-To-Target-URI": url,
                        "WARC-Refers-To-Date": first,
                        "WARC-Profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
                    },
                )
            ],
        )
    )
    revisit_id = ids[f"{url}@{again}"]
    [capture] = list(iter_captures(warc, lambda record_id, _: record_id == revisit_id))
    assert isinstance(capture, Capture)
    assert capture.record_id == revisit_id and capture.body == PAGE and capture.fetched_at == again


def test_a_revisit_of_an_earlier_warc_goes_to_the_resolver_and_an_unresolved_one_is_named(tmp_path):
    earlier, later = tmp_path / "rev1.warc.gz", tmp_path / "rev2.warc.gz"
    url, first, again = "https://x.example/a/1", "2026-11-21T03:00:00Z", "2026-11-21T09:00:00Z"
    original_id = _write(earlier, [("response", url, first, PAGE, {})])[f"{url}@{first}"]
    _write(later, [("revisit", url, again, b"", {"WARC-Refers-To": original_id})])
    asked: list[RevisitRef] = []

    def resolve(ref: RevisitRef) -> Capture | None:
        asked.append(ref)
        return find_original(earlier, ref)

    [capture] = list(iter_captures(later, lambda *_: True, resolve))
    assert (
        isinstance(capture, Capture) and capture.body == PAGE and asked[0].refers_to == original_id
    )
    [missing] = list(iter_captures(later, lambda *_: True, lambda ref: None))
    assert isinstance(missing, MissingCapture) and original_id in missing.why
