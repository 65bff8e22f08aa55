"""The store contract, run against the local directory and against SeaweedFS over S3 (what only the S3
store does: tests/archive/test_s3.py)."""

import hashlib

import pytest

from archive.store import ObjectExists, ObjectNotFound, open_store


def test_put_get_list_and_create_only(archive_url, tmp_path):
    store = open_store(archive_url)
    store.put_bytes("a/one.txt", b"first")
    with pytest.raises(ObjectExists):
        store.put_bytes("a/one.txt", b"second")
    assert store.get_bytes("a/one.txt") == b"first"
    store.put_bytes("a/one.txt", b"replaced", overwrite=True)  # staging objects may be rewritten
    assert store.get_bytes("a/one.txt") == b"replaced"
    assert store.exists("a/one.txt") and not store.exists("a/two.txt")
    with pytest.raises(ObjectNotFound):
        store.get_bytes("a/two.txt")
    store.put_bytes("b/x", b"x")
    assert [(i.key, i.size) for i in store.list("a/")] == [("a/one.txt", 8)]
    store.delete_prefix("a/")
    assert list(store.list("a/")) == []


def test_large_file_goes_up_in_parts_and_is_never_overwritten(archive_url, tmp_path):
    import os

    from archive.s3 import PART_SIZE

    big = (
        tmp_path / "big.bin"
    )  # on S3 three parts; a local store copies it whole, whatever its size
    big.write_bytes(
        os.urandom((PART_SIZE * 2 if archive_url.startswith("s3://") else 1 << 20) + 1234)
    )
    store = open_store(archive_url)
    # the digest comes from the same pass that sends the parts; it must be the whole file's
    assert store.put_file("big/object.bin", big) == hashlib.sha256(big.read_bytes()).hexdigest()
    with pytest.raises(ObjectExists):
        store.put_file("big/object.bin", big)
    back = tmp_path / "back.bin"
    store.download("big/object.bin", back)
    assert back.read_bytes() == big.read_bytes()
