"""archive/capture_index.py: a snapshot's CDXJ index as readers find it (in its manifest, or a sidecar
beside a snapshot published before indexes existed), checked against its size and SHA-256; a sidecar is
bound to its snapshot's manifest, written without touching the snapshot, and written again when damaged.
Every damaged or missing index is named with its repair."""

import json

import pytest

from archive import layout
from archive.capture_index import (
    IndexExists,
    IndexMissing,
    SidecarDamaged,
    decode_sidecar_record,
    index_snapshot,
    index_source,
    read_index,
    read_index_lines,
)
from archive.captures import find_captures
from archive.snapshot import DamagedObject
from archive.store import open_store
from archive.verify import verify_snapshot
from common import decode
from dedup.urls import canonical_url
from tests.archive.test_cdxj import CAPTURED, _make_unindexed, _publish_day1


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


def test_a_snapshots_own_index_is_read_checked_and_named_with_its_repair_when_damaged(tmp_path):
    store = open_store(tmp_path / "archive")
    ref, manifest = _publish_day1(store, tmp_path)
    source = index_source(store, ref)
    entry = manifest.file(layout.cdxj_index_key(ref.prefix))
    assert (source.key, source.size, source.sha256, source.sidecar) == (
        entry.key,
        entry.size,
        entry.sha256,
        False,
    )
    lines = read_index_lines(store, source)
    assert [line.fields["article"] for line in lines] == ["id0001", "id0002"]
    assert lines[0].timestamp == "20261120030000" and read_index(store, source) == b"".join(
        line.to_bytes() + b"\n" for line in lines
    )
    with pytest.raises(IndexExists, match="already has its own index"):
        index_snapshot(store, ref)
    path = tmp_path / "archive" / source.key
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DamagedObject, match="do not trust it; restore it from a copy") as caught:
        read_index(store, source)
    assert not isinstance(caught.value, SidecarDamaged)
    path.unlink()
    with pytest.raises(DamagedObject, match=f"the index of {ref.label} is missing"):
        read_index(store, source)


def test_a_sidecar_is_bound_to_its_snapshot_and_written_again_when_damaged(tmp_path):
    store = open_store(tmp_path / "archive")
    ref, _ = _publish_day1(store, tmp_path)
    _make_unindexed(store, ref)
    key, _ = index_snapshot(store, ref)
    record_key = layout.sidecar_record_key(ref)
    record = json.loads(store.get_bytes(record_key))
    repair = f"newsarchive snapshots index {ref.day} --rev {ref.rev}"
    # the index changed after its record was written: named, with the command that writes it again
    store.put_bytes(key, store.get_bytes(key) + b"x", overwrite=True)
    with pytest.raises(SidecarDamaged, match=repair):
        read_index(store, index_source(store, ref))
    with pytest.raises(SidecarDamaged, match=repair):
        read_index_lines(store, index_source(store, ref))
    key, lines = index_snapshot(store, ref)  # the damaged sidecar is written again
    assert lines == 2 and len(read_index_lines(store, index_source(store, ref))) == 2
    # a record of another manifest, or no record at all
    other = {**record, "manifest_sha256": "0" * 64}
    store.put_bytes(record_key, json.dumps(other).encode(), overwrite=True)
    with pytest.raises(SidecarDamaged, match=f"does not belong to {ref.label}'s manifest"):
        index_source(store, ref)
    store.put_bytes(record_key, b"[1, 2]", overwrite=True)
    with pytest.raises(SidecarDamaged, match="is not an index record"):
        index_source(store, ref)
    with pytest.raises(decode.Malformed, match="key"):
        decode_sidecar_record(json.dumps({**record, "key": "elsewhere/index.cdxj"}).encode(), ref)
