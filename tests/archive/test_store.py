"""The store contract, run against the local directory and against SeaweedFS over S3."""

import hashlib

import pytest

from archive.store import ObjectExists, ObjectNotFound, StoreError, open_store


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

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(PART_SIZE * 2 + 1234))
    store = open_store(archive_url)
    # the digest comes from the same pass that sends the parts; it must be the whole file's
    assert store.put_file("big/object.bin", big) == hashlib.sha256(big.read_bytes()).hexdigest()
    with pytest.raises(ObjectExists):
        store.put_file("big/object.bin", big)
    back = tmp_path / "back.bin"
    store.download("big/object.bin", back)
    assert back.read_bytes() == big.read_bytes()


def test_the_server_refuses_bytes_that_do_not_match_their_sha256(s3_server):
    """Payloads are not signed (archive/s3.py): the SHA-256 every upload carries is what the server
    checks, in one PUT and in each part; a mismatch stores nothing."""
    store = open_store("s3://archive/checksum-refused")
    wrong = hashlib.sha256(b"other bytes").digest()
    with pytest.raises(StoreError, match="do not match their SHA-256"):
        store.put_bytes("one/object", b"these bytes", sha256=wrong)
    with pytest.raises(ObjectNotFound):
        store.get_bytes("one/object")
    from archive.s3 import _b64

    full = store._key("part/object")
    upload = store.client.create_multipart_upload(
        Bucket=store.bucket, Key=full, ChecksumAlgorithm="SHA256"
    )["UploadId"]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="BadDigest|XAmzContentSHA256Mismatch|InvalidDigest"):
        store.client.upload_part(
            Bucket=store.bucket,
            Key=full,
            UploadId=upload,
            PartNumber=1,
            Body=b"part bytes",
            ChecksumSHA256=_b64(wrong),
        )
    store.client.abort_multipart_upload(Bucket=store.bucket, Key=full, UploadId=upload)


def test_wrong_endpoint_and_credentials_say_which(s3_server, monkeypatch):
    with pytest.raises(StoreError, match="bucket 'no-such-bucket' .* does not exist"):
        open_store("s3://no-such-bucket/x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(StoreError, match="refused the credentials.*AWS_SECRET_ACCESS_KEY"):
        open_store("s3://archive/x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(
        StoreError, match="cannot reach the S3 endpoint http://127.0.0.1:9.*AWS_ENDPOINT_URL"
    ):
        open_store("s3://archive/x")
