"""archive/captures.py: every capture of a URL across snapshots, from their CDXJ indexes. A URL is
found in every form a user gives it; a revisit comes with its original; a story is followed across its
slugs and host variants; a damaged index is named and skipped; a checked index is cached under its
SHA-256, and a cache that cannot be written costs speed, never the lookup."""

import gzip
import logging
from urllib.parse import quote

import pytest

from archive import layout
from archive.captures import Capture, find_captures, query_url
from archive.snapshot import publish_snapshot
from archive.store import open_store
from archive.verify import verify_snapshot
from dedup.urls import canonical_url
from tests.archive.test_cdxj import (
    ARABIC_PATH,
    BODY,
    CAPTURED,
    DAY1,
    DAY2,
    _publish_day1,
    _rid,
)
from tests.archive.warcs import Page, page_html, row, write_warc


@pytest.mark.parametrize(
    "given",
    [
        "https://www.enabbaladi.net" + ARABIC_PATH,  # raw UTF-8
        "https://www.enabbaladi.net"
        + quote(ARABIC_PATH).lower(),  # percent-encoded (lower-case hex)
        "http://enabbaladi.net"
        + ARABIC_PATH
        + "/?utm_source=twitter&fbclid=abc",  # tracking, no www.
    ],
)
def test_arabic_url_found_in_every_form(archive_url, tmp_path, given):
    store = open_store(archive_url)
    _publish_day1(store, tmp_path)
    search = find_captures(store, given, canonical_url)
    assert [(c.url, c.article, c.snapshot, c.status) for c in search.captures] == [
        (CAPTURED, "id0001", "2026-11-20 rev 1", "200")
    ]
    capture = search.captures[0]
    assert capture.warc == "snapshots/date=2026-11-20/rev=1/warc/enabbaladi.warc.gz"
    assert (
        capture.captured_at == "2026-11-20T03:00:00Z" and capture.length > 0 and not capture.revisit
    )
    data = store.get_bytes(capture.warc)[capture.offset : capture.offset + capture.length]

    assert _rid(1).encode() in gzip.decompress(data)  # offset and length point at the record itself
    assert search.unindexed == []


def test_revisit_resolves_to_its_original_and_range_filters(archive_url, tmp_path):
    store = open_store(archive_url)
    _publish_day1(store, tmp_path)
    again = Page(
        CAPTURED + "?utm_source=x",
        _rid(3),
        "2026-11-21T03:00:00Z",
        BODY,
        revisit_of=(CAPTURED, "2026-11-20T03:00:00Z"),
    )
    dup = Page(CAPTURED, _rid(4), "2026-11-21T04:00:00Z", BODY)
    warc = write_warc(tmp_path / "d2.warc.gz", [again, dup], {_rid(4): "id0004"})
    publish_snapshot(
        store, DAY2, [row(4, dup, "enabbaladi", duplicate_of="id0001")], {"enabbaladi": warc}
    )
    everything = find_captures(store, "enabbaladi.net" + ARABIC_PATH, canonical_url).captures
    assert [(c.snapshot, c.revisit, c.duplicate_of) for c in everything] == [
        ("2026-11-20 rev 1", False, None),
        ("2026-11-21 rev 1", True, None),
        ("2026-11-21 rev 1", False, "id0001"),
    ]
    revisit = everything[1]
    assert revisit.original is not None and revisit.original.record_id == _rid(1)
    assert revisit.original.snapshot == "2026-11-20 rev 1"
    # a range that leaves the original's snapshot out still resolves the revisit
    later = find_captures(store, CAPTURED, canonical_url, since=DAY2).captures
    assert [c.record_id for c in later] == [_rid(3), _rid(4)] and later[
        0
    ].original.record_id == _rid(1)
    assert find_captures(store, CAPTURED, canonical_url, until=DAY1).captures[0].record_id == _rid(
        1
    )
    assert (
        find_captures(
            store, "https://enabbaladi.net/archives/2026/11/nothing", canonical_url
        ).captures
        == []
    )


def test_damaged_index_is_named_and_skipped(tmp_path):
    store = open_store(tmp_path / "archive")
    ref, manifest = _publish_day1(store, tmp_path)
    path = tmp_path / "archive" / (layout.cdxj_index_key(ref.prefix))
    path.write_bytes(path.read_bytes().replace(b'"200"', b'"404"', 1))
    search = find_captures(store, CAPTURED, canonical_url)
    assert search.captures == [] and "do not trust it" in search.unindexed[0]
    assert any(layout.CDXJ_INDEX in p for p in verify_snapshot(store, ref))


def test_a_checked_index_is_cached_under_its_sha256(archive_url, tmp_path):
    store = open_store(archive_url)
    ref, manifest = _publish_day1(store, tmp_path)
    entry = manifest.file(layout.cdxj_index_key(ref.prefix))
    cache = tmp_path / "cache"
    first = find_captures(store, "enabbaladi.net" + ARABIC_PATH, canonical_url, cache=cache)
    cached = cache / f"{entry.sha256}.cdxj"
    assert cached.read_bytes() == store.get_bytes(entry.key)
    again = find_captures(
        store, "enabbaladi.net" + ARABIC_PATH, canonical_url, cache=cache
    )  # from the cache
    assert again.captures == first.captures and len(again.captures) == 1
    cached.write_bytes(b"truncated")  # a cached copy of the wrong size is read and checked afresh
    assert find_captures(store, CAPTURED, canonical_url, cache=cache).captures == first.captures
    assert cached.read_bytes() == store.get_bytes(entry.key)


def test_captures_follow_a_story_across_slug_changes_and_host_variants(tmp_path):
    """Orient updates a story under its id: a new headline, so a new slug, and the same canonical URL
    (the first one); the index names each capture's canonical URL and the article it revises."""
    store = open_store(tmp_path / "archive")
    first = "https://www.orient-news.net/ar/news_show/700123/0/%D8%AD%D9%84%D8%A8"
    revised = "https://www.orient-news.net/ar/news_show/700123/0/%D9%85%D8%AD%D8%AF%D8%AB-%D8%AD%D9%84%D8%A8"
    mobile = first.replace("://www.", "://m.")
    amp = first.replace("://www.", "://amp.") + "?amp=1"
    other = "https://www.orient-news.net/ar/news_show/700124/0/%D8%A3%D8%AE%D8%B1%D9%89"
    day1 = [
        Page(first, _rid(1), "2026-11-20T03:00:00Z", BODY),
        Page(mobile, _rid(2), "2026-11-20T03:01:00Z", BODY + b" "),
    ]
    day2 = [
        Page(revised, _rid(3), "2026-11-21T03:00:00Z", BODY + b"  "),
        Page(amp, _rid(4), "2026-11-21T03:02:00Z", BODY + b"   "),
        Page(other, _rid(5), "2026-11-21T03:03:00Z", page_html("أخرى", "نص آخر")),
    ]
    story = canonical_url(first)
    rows1 = [row(1, day1[0], "orient") | {"canonical_url": story}]
    rows2 = [
        row(3, day2[0], "orient")
        | {"canonical_url": story, "revision_of": "id0001", "reason": "revision"},
        row(5, day2[2], "orient") | {"canonical_url": canonical_url(other)},
    ]
    publish_snapshot(
        store,
        DAY1,
        rows1,
        {"orient": write_warc(tmp_path / "1.warc.gz", day1, {_rid(1): "id0001"})},
    )
    publish_snapshot(
        store,
        DAY2,
        rows2,
        {
            "orient": write_warc(
                tmp_path / "2.warc.gz", day2, {_rid(3): "id0003", _rid(5): "id0005"}
            )
        },
    )
    everything = [_rid(1), _rid(2), _rid(3), _rid(4)]
    for given in (
        first,
        revised,
        mobile,
        amp,
        "orient-news.net/ar/news_show/700123/0/%D8%AD%D9%84%D8%A8",
    ):
        search = find_captures(store, given, canonical_url)
        assert [c.record_id for c in search.captures] == everything, given
    search = find_captures(store, first, canonical_url)
    assert search.linked == [canonical_url(revised)]
    assert [(c.article, c.canonical_url, c.revision_of) for c in search.captures] == [
        ("id0001", story, None),
        (None, None, None),  # the mobile page: captured, no article of its own
        ("id0003", story, "id0001"),
        (None, None, None),
    ]
    # a range keeps to its days; the other story of the day is never part of this one
    assert [
        c.record_id for c in find_captures(store, revised, canonical_url, until=DAY1).captures
    ] == [_rid(1), _rid(2)]
    assert [c.record_id for c in find_captures(store, other, canonical_url).captures] == [_rid(5)]


def test_a_url_is_asked_for_in_any_form_a_user_gives_it():
    plain = canonical_url("https://enabbaladi.net/archives/1")
    for given in (
        "enabbaladi.net/archives/1",
        " https://www.enabbaladi.net/archives/1?utm_source=x ",
        "http://m.enabbaladi.net/archives/1",
    ):
        assert query_url(given, canonical_url) == plain, given


def test_a_capture_says_when_it_was_made_and_what_it_refers_to():
    place = dict(url="https://x.example/a", status="200", digest="sha1:A", offset=0, length=900)
    original = Capture(
        **place,
        timestamp="20261120030000",
        mime="text/html",
        snapshot="2026-11-20 rev 1",
        warc="snapshots/date=2026-11-20/rev=1/warc/x.warc.gz",
        record_id=_rid(1),
        article="id0001",
        duplicate_of=None,
    )
    revisit = Capture(
        **place,
        timestamp="20261121030000",
        mime="warc/revisit",
        snapshot="2026-11-21 rev 1",
        warc="snapshots/date=2026-11-21/rev=1/warc/x.warc.gz",
        record_id=_rid(2),
        article=None,
        duplicate_of=None,
        refers_to_uri="https://x.example/a",
        refers_to_date="2026-11-20T03:00:00Z",
        original=original,
    )
    assert original.captured_at == "2026-11-20T03:00:00Z" and not original.revisit
    shown = revisit.to_dict()
    assert shown["revisit"] and shown["captured_at"] == "2026-11-21T03:00:00Z"
    assert shown["original"]["record_id"] == _rid(1) and shown["duplicate"] is False


def test_a_cache_that_cannot_be_written_costs_speed_never_the_lookup(tmp_path, caplog):
    store = open_store(tmp_path / "archive")
    _publish_day1(store, tmp_path)
    (tmp_path / "a-file").write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="archive.captures"):
        search = find_captures(store, CAPTURED, canonical_url, cache=tmp_path / "a-file" / "cache")
    assert [c.record_id for c in search.captures] == [_rid(1)] and search.unindexed == []
    assert "cannot cache" in caplog.text
