"""archive/cdxj.py: the CDXJ index of a snapshot's WARCs, as publish writes it. The snapshot of two
Arabic captures published here (`_publish_day1`) is shared with the lookup's tests (test_captures.py) and
the sidecar index's (test_capture_index.py)."""

import json
from datetime import date
from urllib.parse import quote

from archive import layout
from archive.snapshot import publish_snapshot, read_manifest_bytes
from archive.store import open_store
from archive.verify import verify_snapshot
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
