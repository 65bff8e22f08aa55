"""archive/s3.py: the S3 store, against SeaweedFS on loopback (the `s3_server` fixture; slow). Keys live
under the archive URL's prefix and are listed without it; every upload carries its SHA-256, which the
server checks; If-Match and If-None-Match keep concurrent writers from losing each other's update;
an unfinished multipart upload is listed and can be aborted; every failure is one StoreError line that
says which setting to check, and never prints the endpoint's password. The store contract both backends
share is tests/archive/test_store.py's."""

from __future__ import annotations

import hashlib

import boto3
import pytest
from botocore.exceptions import ClientError

from archive.s3 import S3Store, _b64, redact
from archive.store import ObjectChanged, ObjectExists, ObjectNotFound, StoreError, open_store


def test_an_endpoint_is_printed_without_its_password():
    assert (
        redact("https://user:secret@s3.example.org:9000/x") == "https://***@s3.example.org:9000/x"
    )
    assert redact("http://127.0.0.1:8333") == "http://127.0.0.1:8333"
    assert redact(None) == ""


def test_an_archive_url_without_a_bucket_or_an_endpoint_that_is_no_url_is_one_line():
    with pytest.raises(StoreError, match=r"archive URL 's3://' has no bucket; use s3://bucket"):
        S3Store("s3://")
    with pytest.raises(StoreError) as caught:
        S3Store(
            "s3://archive/x",
            settings={"AWS_ENDPOINT_URL": "not a url://user:secret@x", "AWS_DEFAULT_REGION": "x"},
        )
    message = str(caught.value)
    assert "the S3 endpoint is not a URL" in message and "set AWS_ENDPOINT_URL" in message
    assert "secret" not in message and "\n" not in message


def test_keys_live_under_the_prefix_and_writers_never_lose_an_update(s3_server):
    store = open_store("s3://archive/s3-store/nested/")
    assert store.prefix == "s3-store/nested/" and store.url == "s3://archive/s3-store/nested"
    store.put_bytes("a/one.json", b"1")
    raw = boto3.client("s3").get_object(Bucket="archive", Key="s3-store/nested/a/one.json")
    assert raw["Body"].read() == b"1"
    assert [i.key for i in store.list("a/")] == ["a/one.json"]
    # read-modify-write: the version read is the one replaced, or nothing is
    data, version = store.get_versioned("a/one.json")
    store.put_bytes("a/one.json", data + b"2", overwrite=True, if_match=version)
    with pytest.raises(ObjectChanged):
        store.put_bytes("a/one.json", data + b"3", overwrite=True, if_match=version)
    assert store.get_bytes("a/one.json") == b"12"
    with pytest.raises(ObjectChanged):  # if_match="": only if there is none yet (as read: none)
        store.put_bytes("a/one.json", b"x", if_match="")
    store.put_bytes("a/two.json", b"x", if_match="")
    with pytest.raises(ObjectExists):
        store.put_bytes("a/two.json", b"y")
    for read in (store.get_bytes, store.get_versioned):
        with pytest.raises(ObjectNotFound):
            read("a/none.json")
    assert store.retention("a/one.json") is None  # a bucket without Object Lock
    # an upload started and never completed is listed (for gc) and aborted, under the prefix
    upload = store.client.create_multipart_upload(Bucket="archive", Key=store._key("b/big.bin"))
    pending = [u for u in store.pending_uploads() if u.upload_id == upload["UploadId"]]
    assert [u.key for u in pending] == ["b/big.bin"]
    store.abort_upload(pending[0])
    assert all(u.upload_id != upload["UploadId"] for u in store.pending_uploads())
    store.delete("a/one.json")
    assert [i.key for i in store.list("a/")] == ["a/two.json"]


def test_the_server_refuses_bytes_that_do_not_match_their_sha256(s3_server):
    """Payloads are not signed (archive/s3.py): the SHA-256 every upload carries is what the server
    checks, in one PUT and in each part; a mismatch stores nothing."""
    store = open_store("s3://archive/checksum-refused")
    wrong = hashlib.sha256(b"other bytes").digest()
    with pytest.raises(StoreError, match="do not match their SHA-256"):
        store.put_bytes("one/object", b"these bytes", sha256=wrong)
    with pytest.raises(ObjectNotFound):
        store.get_bytes("one/object")

    full = store._key("part/object")
    upload = store.client.create_multipart_upload(
        Bucket=store.bucket, Key=full, ChecksumAlgorithm="SHA256"
    )["UploadId"]
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


@pytest.mark.slow  # up to 15 s of botocore's backoff, twice
def test_an_endpoint_that_fails_every_try_is_reported_after_max_attempts():
    """An S3 endpoint answering 503, then one that drops every connection: each request is tried
    MAX_ATTEMPTS times (5, the first try included), then the failure is one line, instead of 9 tries
    and about 45 s of backoff."""
    import http.server
    import socket
    import threading

    from archive.s3 import MAX_ATTEMPTS

    settings = {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "x"}
    requests: list[str] = []

    class Unavailable(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            requests.append(self.path)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        with pytest.raises(StoreError) as caught:
            S3Store("s3://archive/x", settings={**settings, "AWS_ENDPOINT_URL": url})
    finally:
        server.shutdown()
        server.server_close()
    assert MAX_ATTEMPTS == 5 and requests == ["/archive"] * MAX_ATTEMPTS
    assert "503" in str(caught.value) and "\n" not in str(caught.value)

    dropped = 0
    listener = socket.create_server(("127.0.0.1", 0))

    def drop_every_connection() -> None:
        nonlocal dropped
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            dropped += 1
            conn.recv(65536)
            conn.close()

    threading.Thread(target=drop_every_connection, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(StoreError, match=f"cannot reach the S3 endpoint {url}"):
            S3Store("s3://archive/x", settings={**settings, "AWS_ENDPOINT_URL": url})
    finally:
        listener.close()
    assert dropped == MAX_ATTEMPTS
