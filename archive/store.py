"""Object storage behind one interface; the local directory backend is the embedded default.

Keys are '/'-separated paths laid out as in a bucket. Writes are whole-or-nothing; a write with
overwrite=False never replaces an existing object (the local analogue of If-None-Match: *), and a write
with if_match=<version> replaces the object only if it is still that version (If-Match), so two
writers of one object never lose each other's update.
"""

from __future__ import annotations

import builtins
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from common.errors import ConfigError, ObjectChanged, ObjectExists, ObjectNotFound, StoreError
from common.resources import DiskFull, disk_errno, exhausted

__all__ = [
    "ObjectChanged",
    "ObjectExists",
    "ObjectNotFound",
    "StoreError",
]  # defined low (common), used here


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime | None = None


@dataclass(frozen=True)
class PendingUpload:
    """An upload that was started and never completed (an S3 multipart upload, a local temp file)."""

    key: str
    upload_id: str
    started: datetime


class Store(Protocol):
    url: str

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        overwrite: bool = False,
        if_match: str | None = None,
        publish: bool = False,
    ) -> None: ...
    def put_file(
        self, key: str, path: Path, *, overwrite: bool = False, publish: bool = False
    ) -> str:
        """Uploads the file; returns the SHA-256 (hex) of the bytes read and sent, in one pass.
        publish=True: a published object (under retention where the store has it configured)."""
        ...

    def get_bytes(self, key: str) -> bytes: ...
    def get_versioned(self, key: str) -> tuple[bytes, str]:
        """The object and a version token for put_bytes(if_match=...)."""
        ...

    def download(self, key: str, path: Path) -> None: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> Iterator[ObjectInfo]: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def pending_uploads(self) -> builtins.list[PendingUpload]: ...
    def abort_upload(self, upload: PendingUpload) -> None: ...
    def retention(self, key: str) -> str | None:
        """How the object is locked ('COMPLIANCE until 2027-01-01T00:00:00+00:00'), or None."""
        ...


class ArchiveFull(DiskFull, StoreError):
    """The archive's filesystem is full (or the local file a download writes): one line naming it."""


def _write_error(exc: OSError, where: Path, what: str) -> StoreError:
    """ArchiveFull when the disk ran out writing `where`, else StoreError naming it."""
    if disk_errno(exc) is not None:
        return ArchiveFull(str(exhausted(exc, [where])))
    return StoreError(f"cannot write {what} {where} ({exc.strerror or exc})")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class LocalStore:
    """A directory laid out like a bucket. Temp files live in <root>/.tmp on the same filesystem.

    Opened for reading, nothing is written (a read-only archive can be read); the first write makes
    the directories it needs."""

    def __init__(self, root: str | Path, *, create: bool = True):
        self.root = Path(root).expanduser().resolve()
        self.url = str(self.root)
        self._tmp = self.root / ".tmp"
        if not create:
            try:
                exists = self.root.is_dir()
            except OSError as exc:
                raise StoreError(f"cannot open the archive {self.root} ({exc.strerror})") from None
            if not exists:
                raise StoreError(
                    f"archive {self.root} does not exist (or is not a directory); "
                    "give the archive with --archive or NEWSARCHIVE_ARCHIVE"
                )
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
            self._tmp.mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"archive path {self.root} is not writable ({exc.strerror}); choose another with "
                "--archive or NEWSARCHIVE_ARCHIVE"
            ) from None

    def local_path(self, key: str) -> Path:
        """Where the key's object is (for a reader that opens it itself); never outside the archive."""
        return self._path(key)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StoreError(f"key {key!r} points outside the archive")
        return path

    def _tempfile(self) -> tuple[int, str]:
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
            return tempfile.mkstemp(dir=self._tmp, prefix=f"{os.getpid()}-")
        except OSError as exc:
            raise _write_error(exc, self.root, "to the archive") from None

    def _commit(self, tmp: Path, key: str, overwrite: bool) -> None:
        final = self._path(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            if overwrite:
                os.replace(tmp, final)
            else:
                try:
                    os.link(tmp, final)  # atomic, and fails if the key exists
                except FileExistsError:
                    raise ObjectExists(key) from None
        except OSError as exc:
            raise _write_error(exc, self.root, f"{key} in the archive") from None
        finally:
            tmp.unlink(missing_ok=True)

    @contextmanager
    def _key_lock(self, key: str) -> Iterator[None]:
        """Serialises conditional writers of one key (the local If-Match)."""
        lock = self._path(key).with_name("." + self._path(key).name + ".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        with lock.open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _write_tmp(self, data: bytes) -> Path:
        """The bytes in a temp file of the archive (removed again if they do not fit)."""
        fd, name = self._tempfile()
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            Path(name).unlink(missing_ok=True)
            raise _write_error(exc, self.root, "to the archive") from None
        return Path(name)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        overwrite: bool = False,
        if_match: str | None = None,
        publish: bool = False,
    ) -> None:
        if if_match is None:
            self._commit(self._write_tmp(data), key, overwrite)
            return
        tmp = self._write_tmp(data)
        with self._key_lock(key):
            try:
                current = self._version(self._path(key).read_bytes())
            except FileNotFoundError:
                current = ""
            if current != if_match:
                tmp.unlink(missing_ok=True)
                raise ObjectChanged(key)
            self._commit(tmp, key, overwrite=True)

    def put_file(
        self, key: str, path: Path, *, overwrite: bool = False, publish: bool = False
    ) -> str:
        fd, name = self._tempfile()
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as src:
                while block := src.read(1 << 20):
                    digest.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            Path(name).unlink(missing_ok=True)
            if disk_errno(exc) is None:
                raise  # the source file (as before): its own error
            raise _write_error(exc, self.root, "to the archive") from None
        self._commit(Path(name), key, overwrite)
        return digest.hexdigest()

    @staticmethod
    def _version(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StoreError(
                f"cannot read {key} in the archive {self.root} ({exc.strerror})"
            ) from None

    def get_versioned(self, key: str) -> tuple[bytes, str]:
        data = self.get_bytes(key)
        return data, self._version(data)

    def download(self, key: str, path: Path) -> None:
        try:
            shutil.copyfile(self._path(key), path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            if not self._path(key).is_file():
                raise ObjectNotFound(key) from None
            raise StoreError(f"cannot write {path} (its directory does not exist)") from None
        except OSError as exc:
            if disk_errno(exc) is not None:
                path.unlink(missing_ok=True)  # never a file cut short
                raise DiskFull(str(exhausted(exc, [path]))) from None
            raise StoreError(
                f"cannot copy {key} from the archive {self.root} to {path} ({exc.strerror})"
            ) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        base = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        start = base if base.is_dir() else base.parent
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(
                d for d in dirnames if not (Path(dirpath) == self.root and d == ".tmp")
            )
            for name in sorted(filenames):
                if name.endswith(".lock") and name.startswith("."):
                    continue
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    stat = full.stat()
                    yield ObjectInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        target = self._path(prefix.rstrip("/"))
        for _ in range(3):  # a writer may add a file while the tree goes (a run's heartbeat)
            try:
                if target.is_dir():
                    shutil.rmtree(target)
                return
            except FileNotFoundError:
                continue
            except OSError as exc:
                if exc.errno != errno.ENOTEMPTY:
                    raise StoreError(
                        f"cannot remove {prefix} in the archive ({exc.strerror})"
                    ) from None

    def pending_uploads(self) -> builtins.list[PendingUpload]:
        """Temp files of writes that never completed (their writer died)."""
        if not self._tmp.is_dir():
            return []
        return [
            PendingUpload(
                key=f".tmp/{p.name}",
                upload_id=p.name,
                started=datetime.fromtimestamp(p.stat().st_mtime, UTC),
            )
            for p in sorted(self._tmp.iterdir())
            if p.is_file() and not _writer_alive(p.name)
        ]

    def abort_upload(self, upload: PendingUpload) -> None:
        (self._tmp / upload.upload_id).unlink(missing_ok=True)

    def retention(self, key: str) -> str | None:
        return None


def _writer_alive(name: str) -> bool:
    pid = name.split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_store(
    url: str | Path,
    *,
    create: bool = True,
    retention_days: int = 0,
    s3_settings: dict[str, str] | None = None,
) -> Store:
    """A store from its URL: a local path (the embedded default) or s3://bucket[/prefix].

    create=False (readers): a local archive must exist; nothing is written to open it. s3_settings: an S3
    store's credentials and endpoint (boto3's variable names) when they are not the process's own."""
    text = str(url)
    if text.startswith("s3://"):
        from archive.s3 import S3Store

        return S3Store(text, retention_days=retention_days, settings=s3_settings)
    if retention_days:  # the setting, not the store: no retry can change it
        raise ConfigError(
            "--retention-days needs an S3 archive whose bucket has Object Lock enabled"
        )
    return LocalStore(text, create=create)
