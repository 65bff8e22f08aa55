"""The CDXJ index of a snapshot and the lookup of a URL's captures across snapshots (local and S3)."""

import json
from datetime import date
from urllib.parse import quote

import pytest

from archive import layout
from archive.capture_index import (
    IndexExists,
    IndexMissing,
    index_snapshot,
    index_source,
)
from archive.captures import find_captures
from archive.snapshot import publish_snapshot, read_manifest_bytes
from archive.store import open_store
from archive.verify import verify_snapshot
from dedup.urls import canonical_url
from tests.archive.warcs import Page, page_html, row, write_warc

DAY1, DAY2 = date(2026, 11, 20), date(2026, 11, 21)
ARABIC_PATH = "/archives/2026/11/مقال-عن-حلب"
CAPTURED = "https://www.enabbaladi.net" + quote(ARABIC_PATH)  # as Scrapy records it
BODY = page_html("حلب تستعيد أسواقها", "عاد الباعة إلى سوق المدينة القديمة في حلب")


def _rid(n):
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def _publish_day1(store, tmp_path):
    first = Page(CAPTURED, _rid(1), "2026-11-20T03:00:00Z", BODY)
    other = Page(
        "https://www.enabbaladi.net/archives/2026/11/other",
        _rid(2),
        "2026-11-20T03:00:05Z",
        page_html("أخرى", "نص آخر"),
    )
    warc = write_warc(
        tmp_path / "d1.warc.gz", [first, other], {_rid(1): "id0001", _rid(2): "id0002"}
    )
    return publish_snapshot(
        store,
        DAY1,
        [row(1, first, "enabbaladi"), row(2, other, "enabbaladi")],
        {"enabbaladi": warc},
    )


def test_snapshot_index_lists_every_capture_and_no_metadata_record(archive_url, tmp_path):
    store = open_store(archive_url)
    ref, manifest = _publish_day1(store, tmp_path)
    entry = manifest.file(layout.cdxj_index_key(ref.prefix))
    assert entry is not None and entry.size > 0
    assert verify_snapshot(store, ref) == []
    lines = store.get_bytes(entry.key).splitlines()
    assert (
        lines == sorted(lines) and len(lines) == 2
    )  # two responses; the two metadata records are not captures
    fields = [json.loads(line.split(b" ", 2)[2]) for line in lines]
    assert {f["article"] for f in fields} == {"id0001", "id0002"}
    assert all(f["filename"] == "warc/enabbaladi.warc.gz" and f["status"] == "200" for f in fields)
    assert lines[0].startswith(b"net,enabbaladi)/archives/2026/11/")


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
    import gzip

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


def _make_unindexed(store, ref):
    """What a snapshot published before indexes existed looks like: no index in the manifest."""
    manifest = json.loads(read_manifest_bytes(store, ref))
    manifest["files"] = [f for f in manifest["files"] if not f["key"].endswith(layout.CDXJ_INDEX)]
    body = json.dumps(manifest).encode()
    store.delete(layout.cdxj_index_key(ref.prefix))
    store.put_bytes(ref.prefix + layout.MANIFEST, body, overwrite=True)
    import hashlib

    store.put_bytes(
        ref.prefix + layout.SUCCESS,
        hashlib.sha256(body).hexdigest().encode() + b"\n",
        overwrite=True,
    )


def test_older_snapshot_gets_a_sidecar_index(archive_url, tmp_path):
    store = open_store(archive_url)
    ref, _ = _publish_day1(store, tmp_path)
    _make_unindexed(store, ref)
    search = find_captures(store, CAPTURED, canonical_url)
    assert search.captures == [] and "snapshots index 2026-11-20 --rev 1" in search.unindexed[0]
    with pytest.raises(IndexMissing):
        index_source(store, ref)
    before = {i.key: i.size for i in store.list(ref.prefix)}
    key, lines = index_snapshot(store, ref)
    assert key == layout.sidecar_prefix(ref) + "index.cdxj" and lines == 2
    assert {
        i.key: i.size for i in store.list(ref.prefix)
    } == before  # the snapshot itself is untouched
    assert verify_snapshot(store, ref) == []
    assert [c.article for c in find_captures(store, CAPTURED, canonical_url).captures] == ["id0001"]
    with pytest.raises(IndexExists, match="already has a sidecar index"):
        index_snapshot(store, ref)


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


def test_a_damaged_warc_is_indexed_up_to_the_damage(tmp_path):
    from archive.cdxj import write_index

    pages = [
        Page(
            f"https://www.enabbaladi.net/archives/{n}",
            _rid(n),
            "2026-11-20T03:00:00Z",
            page_html("عنوان", "نص " * 200),
        )
        for n in (1, 2, 3)
    ]
    warc = write_warc(tmp_path / "e.warc.gz", pages)
    good = tmp_path / "good.warc.gz"
    good.write_bytes(warc.read_bytes())
    warc.write_bytes(warc.read_bytes()[:-200])  # the last gzip member cut short
    out = tmp_path / "index.cdxj"
    lines = write_index({"warc/bad.warc.gz": warc, "warc/good.warc.gz": good}, [], out)
    names = [
        json.loads(line.split(b" ", 2)[2])["filename"] for line in out.read_bytes().splitlines()
    ]
    assert (
        names.count("warc/good.warc.gz") == 3
        and 1 <= names.count("warc/bad.warc.gz") < 3
        and lines == len(names)
    )


def test_an_index_line_a_damaged_record_made_is_left_out_not_an_error():
    """What cdxj-indexer writes for a cut gzip member read as headers need not be CDXJ: each such line is
    recognised and left out (index_lines logs it), the good lines are read."""
    from archive.cdxj import cdxj_line

    assert cdxj_line('net,x)/a 20261120030000 {"url": "https://x/a"}') == (
        "net,x)/a",
        "20261120030000",
        {"url": "https://x/a"},
    )
    for damaged in ["", "\x1f\x8b\x08garbage", "net,x)/a 2026 not-json", 'k t ["a list"]', "k t {"]:
        assert cdxj_line(damaged) is None, damaged


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
