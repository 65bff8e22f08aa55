"""S3-compatible storage through boto3 (AWS, MinIO, Ceph, SeaweedFS, R2).

Configuration is boto3's own: AWS_ENDPOINT_URL, the credentials chain, AWS_REGION/AWS_DEFAULT_REGION.
Retries with exponential backoff on throttling and 5xx (botocore "standard" mode). Create-only
writes use If-None-Match: * on PUT and on multipart completion, so nothing published is overwritten;
read-modify-write uses If-Match. Every upload carries its SHA-256 (x-amz-checksum-sha256, per part for
multipart uploads), which the server checks against the bytes it received. With retention_days, published
objects are written under Object Lock (the bucket must have it enabled).
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from archive.store import (
    ObjectChanged,
    ObjectExists,
    ObjectInfo,
    ObjectNotFound,
    PendingUpload,
    StoreError,
)

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
PART_SIZE = 16 * 1024 * 1024  # larger files go up in parts, in parallel; smaller ones in one PUT
UPLOAD_THREADS = 8
RETENTION_MODE = "COMPLIANCE"
# Each request is tried up to MAX_ATTEMPTS times, the first included (botocore "standard" mode:
# throttling, 5xx and connection errors; a random delay of up to 1, 2, 4, 8 s between tries, about 8 s
# in all). That rides out a blip; an endpoint that stays down is reported in seconds (`cannot reach the
# S3 endpoint ...`), not after the 45 s that 9 tries (max_attempts 8) waited on average. A publish it
# stops leaves nothing partial visible, and the task's retry publishes the snapshot whole
# (tests/newsarchive/run/test_integrity_s3.py).
MAX_ATTEMPTS = 5
# Payload signing off: every upload carries its SHA-256 (x-amz-checksum-sha256, a signed header) and the
# server checks the bytes against it, so the body is hashed once, here, not a second time for the
# signature (botocore hashes the body of every request to an http:// endpoint otherwise; over https with
# a checksum it already skips that).
_CONFIG = Config(
    # total_max_attempts counts the first try; botocore's "max_attempts" counts retries only (the 8
    # given before meant 9 tries)
    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
    max_pool_connections=UPLOAD_THREADS * 4,
    s3={"addressing_style": "path", "payload_signing_enabled": False},
    connect_timeout=10,
    read_timeout=60,
)
_PRECONDITION = ("PreconditionFailed", "412", "ConditionalRequestConflict")
_MISSING = ("NoSuchKey", "404", "NotFound")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def redact(url: str | None) -> str:
    """An endpoint as it may be printed: never the user:password@ part."""
    return re.sub(r"(?<=://)[^/@]*@", "***@", url or "")


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _translated(
    method: Callable[Concatenate[S3Store, P], R],
) -> Callable[Concatenate[S3Store, P], R]:
    """Every botocore/boto3 failure leaves a store method as one StoreError line (or ObjectNotFound)."""

    @wraps(method)
    def wrapper(self: S3Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except ClientError as exc:
            if (
                args
                and _code(exc) in _MISSING
                and method.__name__ in ("get_bytes", "get_versioned", "download")
            ):
                raise ObjectNotFound(str(args[0])) from None
            raise self._explain(exc, method.__name__) from None
        except (BotoCoreError, Boto3Error) as exc:
            raise self._explain(exc, method.__name__) from None

    return wrapper


class S3Store:
    def __init__(
        self,
        url: str,
        *,
        endpoint_url: str | None = None,
        retention_days: int = 0,
        settings: dict[str, str] | None = None,
    ):
        """settings: boto3's standard variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL,
        AWS_DEFAULT_REGION) for this store only, instead of the process environment's."""
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise StoreError(f"archive URL {url!r} has no bucket; use s3://bucket[/prefix]")
        self.url = url.rstrip("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.retention_days = retention_days
        try:
            given = settings or {}
            session = boto3.session.Session(
                aws_access_key_id=given.get("AWS_ACCESS_KEY_ID"),
                aws_secret_access_key=given.get("AWS_SECRET_ACCESS_KEY"),
                region_name=given.get("AWS_DEFAULT_REGION"),
            )
            self.client = session.client(
                "s3", endpoint_url=endpoint_url or given.get("AWS_ENDPOINT_URL"), config=_CONFIG
            )
        except ValueError as exc:  # botocore: "Invalid endpoint: ..."
            raise StoreError(
                f"the S3 endpoint is not a URL ({redact(str(exc))}); set AWS_ENDPOINT_URL to "
                "http(s)://host:port"
            ) from None
        self.endpoint = redact(self.client.meta.endpoint_url)
        self._check()

    def _explain(self, exc: Exception, action: str = "") -> StoreError:
        where = f"bucket {self.bucket!r} at {self.endpoint}"
        if isinstance(exc, (BotoConnectionError, HTTPClientError)):
            return StoreError(
                f"cannot reach the S3 endpoint {self.endpoint} ({action}); is it up? check "
                "AWS_ENDPOINT_URL, then run again (what was published stays whole)"
            )
        if isinstance(exc, NoCredentialsError):
            return StoreError(
                "no S3 credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or AWS_PROFILE), or use the Airflow connection"
            )
        if isinstance(exc, ClientError):
            code = _code(exc)
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return StoreError(
                    f"S3 refused the credentials for {where} ({code}); check AWS_ACCESS_KEY_ID "
                    "and AWS_SECRET_ACCESS_KEY"
                )
            if code in ("AccessDenied", "403"):
                if action.startswith(("put", "delete", "abort", "_multipart")):
                    return StoreError(
                        f"S3 accepted the credentials but denied writing to {where} ({code}); "
                        "this identity may read but not write: use one with write access"
                    )
                return StoreError(
                    f"S3 denied access to {where} ({code}); check the identity's permissions"
                )
            if code in ("NoSuchBucket",) or (code in ("404",) and action == "_check"):
                return StoreError(f"{where} does not exist; create it or fix the archive URL")
            if code in ("BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest"):
                return StoreError(
                    f"S3 at {self.endpoint} received bytes that do not match their SHA-256 "
                    f"({action}); nothing was stored, run again"
                )
            if code in ("InvalidRequest",) and self.retention_days:
                return StoreError(
                    f"{where} refused a retention period ({exc}); enable Object Lock on the "
                    "bucket or drop --retention-days"
                )
            return StoreError(f"S3 error on {where} ({action}): {code}: {redact(str(exc))}")
        return StoreError(f"S3 error on {where} ({action}): {redact(str(exc))}")

    @_translated
    def _check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) != "403":
                raise
            # a HEAD answer has no error code: ask again with a GET to tell bad credentials from no access
            self.client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _lock_args(self, publish: bool) -> dict[str, Any]:
        if not (publish and self.retention_days):
            return {}
        until = datetime.now(UTC) + timedelta(days=self.retention_days)
        return {"ObjectLockMode": RETENTION_MODE, "ObjectLockRetainUntilDate": until}

    @_translated
    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        overwrite: bool = False,
        if_match: str | None = None,
        publish: bool = False,
        sha256: bytes | None = None,
    ) -> None:
        extra: dict[str, Any] = self._lock_args(publish)
        if if_match is not None:
            extra["IfMatch" if if_match else "IfNoneMatch"] = if_match or "*"
        elif not overwrite:
            extra["IfNoneMatch"] = "*"
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ChecksumSHA256=_b64(sha256 or hashlib.sha256(data).digest()),
                **extra,
            )
        except ClientError as exc:
            if _code(exc) in _PRECONDITION:
                raise (ObjectChanged(key) if if_match is not None else ObjectExists(key)) from None
            raise

    def put_file(
        self, key: str, path: Path, *, overwrite: bool = False, publish: bool = False
    ) -> str:
        size = path.stat().st_size
        if size <= PART_SIZE:
            data = path.read_bytes()
            digest = hashlib.sha256(
                data
            ).digest()  # one pass: the manifest's SHA-256 and the upload's checksum
            self.put_bytes(key, data, overwrite=overwrite, publish=publish, sha256=digest)
            return digest.hex()
        return self._multipart(key, path, overwrite, publish)

    @_translated
    def _multipart(self, key: str, path: Path, overwrite: bool, publish: bool) -> str:
        """Parts are read in order (hashed on the way) and sent by a pool; at most 2 parts per thread wait.
        Any failure aborts the upload, so no part is left behind."""
        full = self._key(key)
        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=full, ChecksumAlgorithm="SHA256", **self._lock_args(publish)
        )["UploadId"]
        digest = hashlib.sha256()
        slots = threading.BoundedSemaphore(UPLOAD_THREADS * 2)

        def send(number: int, body: bytes) -> dict[str, Any]:
            try:
                checksum = _b64(hashlib.sha256(body).digest())
                etag = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=body,
                    ChecksumSHA256=checksum,
                )["ETag"]
                return {"ETag": etag, "PartNumber": number, "ChecksumSHA256": checksum}
            finally:
                slots.release()

        try:
            with ThreadPoolExecutor(UPLOAD_THREADS) as pool, path.open("rb") as fh:
                futures: list[Future[dict[str, Any]]] = []
                while body := fh.read(PART_SIZE):
                    digest.update(body)
                    slots.acquire()
                    futures.append(pool.submit(send, len(futures) + 1, body))
                parts = [future.result() for future in futures]
            extra = {} if overwrite else {"IfNoneMatch": "*"}
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                **extra,
            )
        except BaseException as exc:
            self._abort_quietly(full, upload_id)
            if isinstance(exc, ClientError) and _code(exc) in _PRECONDITION:
                raise ObjectExists(key) from None
            raise
        return digest.hexdigest()

    def _abort_quietly(self, full: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
        except (
            ClientError,
            BotoCoreError,
        ) as exc:  # the store is down: `newsarchive gc` aborts it later
            logger.warning(
                "could not abort the upload of %s (%s); `newsarchive gc` will", full, exc
            )

    @_translated
    def get_bytes(self, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        return data

    @_translated
    def get_versioned(self, key: str) -> tuple[bytes, str]:
        answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        return answer["Body"].read(), answer["ETag"]

    @_translated
    def download(self, key: str, path: Path) -> None:
        """Streams to `path` (parallel ranged GETs for large objects, via boto3's transfer manager)."""
        self.client.download_file(self.bucket, self._key(key), str(path))

    @_translated
    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for obj in page.get("Contents", []):
                    yield ObjectInfo(
                        obj["Key"][len(self.prefix) :], obj["Size"], obj.get("LastModified")
                    )
        except (ClientError, BotoCoreError) as exc:
            raise self._explain(exc, "list") from None

    @_translated
    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    @_translated
    def delete_prefix(self, prefix: str) -> None:
        keys = [{"Key": self._key(info.key)} for info in self.list(prefix)]
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": keys[start : start + 1000]}
            )

    @_translated
    def pending_uploads(self) -> builtins.list[PendingUpload]:
        found = []
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for upload in page.get("Uploads", []):
                found.append(
                    PendingUpload(
                        upload["Key"][len(self.prefix) :], upload["UploadId"], upload["Initiated"]
                    )
                )
        return found

    @_translated
    def abort_upload(self, upload: PendingUpload) -> None:
        self.client.abort_multipart_upload(
            Bucket=self.bucket, Key=self._key(upload.key), UploadId=upload.upload_id
        )

    @_translated
    def retention(self, key: str) -> str | None:
        try:
            answer = self.client.get_object_retention(Bucket=self.bucket, Key=self._key(key))[
                "Retention"
            ]
        except ClientError as exc:
            if _code(exc) in (
                "NoSuchObjectLockConfiguration",
                "ObjectLockConfigurationNotFoundError",
                "InvalidRequest",
                "NoSuchKey",
                "404",
                "NotImplemented",
                "MethodNotAllowed",
            ):
                return None
            raise
        until = answer.get("RetainUntilDate")
        return f"{answer.get('Mode')} until {until.astimezone(UTC).isoformat(timespec='seconds') if until else '?'}"
