"""Object storage behind one interface; the local directory backend is the embedded default.

Keys are '/'-separated paths laid out as in a bucket. Writes are whole-or-nothing, and a write
with overwrite=False never replaces an existing object (the local analogue of If-None-Match: *).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class StoreError(Exception):
    """The store cannot be used as configured (path, endpoint, credentials)."""


class ObjectExists(StoreError):
    def __init__(self, key: str):
        super().__init__(f"object {key} already exists and is never overwritten")
        self.key = key


class ObjectNotFound(StoreError):
    def __init__(self, key: str):
        super().__init__(f"object {key} does not exist")
        self.key = key


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class Store(Protocol):
    url: str

    def put_bytes(self, key: str, data: bytes, *, overwrite: bool = False) -> None: ...
    def put_file(self, key: str, path: Path, *, overwrite: bool = False) -> str:
        """Uploads the file; returns the SHA-256 (hex) of the bytes read and sent, in one pass."""
        ...
    def get_bytes(self, key: str) -> bytes: ...
    def download(self, key: str, path: Path) -> None: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> Iterator[ObjectInfo]: ...
    def delete_prefix(self, prefix: str) -> None: ...


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class LocalStore:
    """A directory laid out like a bucket. Temp files live in <root>/.tmp on the same filesystem."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.url = str(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StoreError(
                f"archive path {self.root} is not writable ({exc.strerror}); choose another with "
                "--archive or NEWSARCHIVE_ARCHIVE"
            ) from None
        self._tmp = self.root / ".tmp"
        self._tmp.mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StoreError(f"key {key!r} points outside the archive")
        return path

    def _commit(self, tmp: Path, key: str, overwrite: bool) -> None:
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            if overwrite:
                os.replace(tmp, final)
            else:
                try:
                    os.link(tmp, final)  # atomic, and fails if the key exists
                except FileExistsError:
                    raise ObjectExists(key) from None
        finally:
            tmp.unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes, *, overwrite: bool = False) -> None:
        fd, name = tempfile.mkstemp(dir=self._tmp)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        self._commit(Path(name), key, overwrite)

    def put_file(self, key: str, path: Path, *, overwrite: bool = False) -> str:
        fd, name = tempfile.mkstemp(dir=self._tmp)
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, path.open("rb") as src:
            while block := src.read(1 << 20):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        self._commit(Path(name), key, overwrite)
        return digest.hexdigest()

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def download(self, key: str, path: Path) -> None:
        try:
            shutil.copyfile(self._path(key), path)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        base = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        start = base if base.is_dir() else base.parent
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(d for d in dirnames if not (Path(dirpath) == self.root and d == ".tmp"))
            for name in sorted(filenames):
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield ObjectInfo(key, full.stat().st_size)

    def delete_prefix(self, prefix: str) -> None:
        target = self._path(prefix.rstrip("/"))
        if target.is_dir():
            shutil.rmtree(target)


def open_store(url: str | Path) -> Store:
    """A store from its URL: a local path (the embedded default) or s3://bucket[/prefix]."""
    text = str(url)
    if text.startswith("s3://"):
        from archive.s3 import S3Store

        return S3Store(text)
    return LocalStore(text)
