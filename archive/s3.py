"""S3-compatible storage through boto3 (AWS, MinIO, Ceph, SeaweedFS, R2).

Configuration is boto3's own: AWS_ENDPOINT_URL, the credentials chain, AWS_REGION/AWS_DEFAULT_REGION.
Retries with exponential backoff on throttling and 5xx (botocore "standard" mode). Create-only
writes use If-None-Match: * on PUT and on multipart completion, so nothing published is overwritten.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)

from archive.store import ObjectExists, ObjectInfo, ObjectNotFound, StoreError

logger = logging.getLogger(__name__)
PART_SIZE = 8 * 1024 * 1024
UPLOAD_THREADS = 8
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, max_pool_connections=UPLOAD_THREADS * 4,
                 s3={"addressing_style": "path"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Store:
    def __init__(self, url: str, *, endpoint_url: str | None = None):
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise StoreError(f"archive URL {url!r} has no bucket; use s3://bucket[/prefix]")
        self.url = url.rstrip("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=_CONFIG)
        self.endpoint = self.client.meta.endpoint_url
        self._check()

    def _explain(self, exc: Exception) -> StoreError:
        where = f"bucket {self.bucket!r} at {self.endpoint}"
        if isinstance(exc, EndpointConnectionError):
            return StoreError(f"cannot reach the S3 endpoint {self.endpoint}; check AWS_ENDPOINT_URL")
        if isinstance(exc, NoCredentialsError):
            return StoreError("no S3 credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                              "(or AWS_PROFILE), or use the Airflow connection")
        if isinstance(exc, ClientError):
            code = _code(exc)
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"):
                return StoreError(f"S3 refused the credentials for {where} ({code}); check AWS_ACCESS_KEY_ID "
                                  "and AWS_SECRET_ACCESS_KEY")
            if code in ("NoSuchBucket", "404"):
                return StoreError(f"{where} does not exist; create it or fix the archive URL")
            return StoreError(f"S3 error on {where}: {code}: {exc}")
        return StoreError(f"S3 error on {where}: {exc}")

    def _check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._explain(exc) from None

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put_bytes(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        extra = {} if overwrite else {"IfNoneMatch": "*"}
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **extra)
        except ClientError as exc:
            if _code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                raise ObjectExists(key) from None
            raise self._explain(exc) from None

    def put_file(self, key: str, path: Path, *, overwrite: bool = False) -> str:
        size = path.stat().st_size
        if size <= PART_SIZE:
            data = path.read_bytes()
            self.put_bytes(key, data, overwrite=overwrite)
            return hashlib.sha256(data).hexdigest()
        return self._multipart(key, path, overwrite)

    def _multipart(self, key: str, path: Path, overwrite: bool) -> str:
        """Parts are read in order (hashed on the way) and sent by a pool; at most 2 parts per thread wait."""
        full = self._key(key)
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=full)["UploadId"]
        digest = hashlib.sha256()
        slots = threading.BoundedSemaphore(UPLOAD_THREADS * 2)

        def send(number: int, body: bytes) -> dict:
            try:
                etag = self.client.upload_part(Bucket=self.bucket, Key=full, UploadId=upload_id,
                                               PartNumber=number, Body=body)["ETag"]
                return {"ETag": etag, "PartNumber": number}
            finally:
                slots.release()

        try:
            with ThreadPoolExecutor(UPLOAD_THREADS) as pool, path.open("rb") as fh:
                futures = []
                while body := fh.read(PART_SIZE):
                    digest.update(body)
                    slots.acquire()
                    futures.append(pool.submit(send, len(futures) + 1, body))
                parts = [future.result() for future in futures]
            extra = {} if overwrite else {"IfNoneMatch": "*"}
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts}, **extra)
        except ClientError as exc:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            if _code(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                raise ObjectExists(key) from None
            raise self._explain(exc) from None
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            raise
        return digest.hexdigest()

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                raise ObjectNotFound(key) from None
            raise self._explain(exc) from None

    def download(self, key: str, path: Path) -> None:
        """Streams to `path` (parallel ranged GETs for large objects, via boto3's transfer manager)."""
        try:
            self.client.download_file(self.bucket, self._key(key), str(path))
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                raise ObjectNotFound(key) from None
            raise self._explain(exc) from None

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                return False
            raise self._explain(exc) from None

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for obj in page.get("Contents", []):
                    yield ObjectInfo(obj["Key"][len(self.prefix):], obj["Size"])
        except ClientError as exc:
            raise self._explain(exc) from None

    def delete_prefix(self, prefix: str) -> None:
        keys = [{"Key": self._key(info.key)} for info in self.list(prefix)]
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys[start:start + 1000]})
