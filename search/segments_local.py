"""The segments a search reads, as local index directories: the newest complete rev of each day only.

A segment's tar (read where it is in a local archive, downloaded from S3) is checked against its pointer
and extracted once into a cache directory named by its SHA-256; a local archive's check is remembered
(by the tar's size and modification time) so later searches do not read it again, and is made anew
when the tar changes. Beside it, once, the snapshot's rows its hits are cited and quoted from
(search/rows_local.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from archive import layout
from archive.snapshot import SnapshotRef, newest_revs
from archive.store import LocalStore, ObjectInfo, Store, sha256_file
from common.errors import NewsArchiveError
from search.rows_local import rows_path
from search.segment import (
    DamagedSegment,
    Pointer,
    SegmentError,
    read_pointer,
    rebuild_hint,
    unpack,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalSegment:
    ref: SnapshotRef
    path: Path
    rows: int
    rows_file: Path  # the snapshot's rows (search/rows_local.py): citations and snippets


@dataclass(frozen=True)
class Coverage:
    """The segments a search uses, and the days it cannot search (no segment yet, or a damaged one;
    `outdated` are the missing days that have a segment of an old format, or one built with another
    stemmer, only)."""

    segments: list[LocalSegment]
    missing: list[SnapshotRef]
    damaged: list[str]
    outdated: list[SnapshotRef]


def open_segments(
    store: Store, cache_dir: Path, since: date | None, until: date | None, stemmer: str
) -> Coverage:
    """The segments of the newest complete rev of each day in the range that were built with `stemmer`
    (an Analyzer's identity: the one the query is parsed with)."""
    refs = newest_revs(store, since, until)
    listed = {info.key: info for info in store.list(layout.SEARCH_PREFIX)}
    old = {info.key for prefix in layout.OLD_SEARCH_PREFIXES for info in store.list(prefix)}
    cache = cache_dir / hashlib.sha256(store.url.encode()).hexdigest()[:16]
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SegmentError(
            f"cannot use the search cache {cache_dir} ({exc.strerror}); give a writable directory "
            "with NEWSARCHIVE_SEARCH_CACHE"
        ) from None
    segments, missing, damaged, outdated = [], [], [], []
    for ref in refs:
        info = listed.get(layout.search_pointer_key(ref))
        if info is None:
            missing.append(ref)
            if any(key in old for key in layout.old_search_pointer_keys(ref)):
                outdated.append(ref)
            continue
        try:
            pointer = _pointer(store, cache, ref, info)
            if pointer.stemmer != stemmer:
                missing.append(ref)
                outdated.append(ref)
                continue
            segments.append(_local(store, cache, ref, pointer))
        except NewsArchiveError as exc:  # the segment, its pointer or the snapshot's parts
            damaged.append(f"{ref.label}: {exc}")
        except OSError as exc:  # the cache: full disk, permissions
            raise SegmentError(
                f"cannot use the search cache {cache} ({exc.strerror}); give a writable directory "
                "with NEWSARCHIVE_SEARCH_CACHE"
            ) from None
    return Coverage(segments, missing, damaged, outdated)


def _local(store: Store, cache: Path, ref: SnapshotRef, pointer: Pointer) -> LocalSegment:
    directory = cache / pointer.sha256
    if isinstance(store, LocalStore):
        path = store.root / layout.search_segment_key(ref)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise SegmentError(
                f"{layout.search_segment_key(ref)} is missing (its pointer is there)"
            ) from None
        seal = cache / f"{ref.day}-r{ref.rev}.checked"
        stamp = f"{pointer.sha256} {stat.st_size} {stat.st_mtime_ns}"
        if not seal.exists() or seal.read_text() != stamp or not directory.is_dir():
            _check(path, pointer, layout.search_segment_key(ref))
            _extract(path, directory, layout.search_segment_key(ref), ref.day)
            seal.write_text(stamp)
        return LocalSegment(
            ref, directory, pointer.rows, rows_path(store, ref, pointer.parts, cache)
        )
    if not directory.is_dir():
        tmp = cache / f".{pointer.sha256}.{os.getpid()}.part"
        store.download(layout.search_segment_key(ref), tmp)
        try:
            _check(tmp, pointer, layout.search_segment_key(ref))
            _extract(tmp, directory, layout.search_segment_key(ref), ref.day)
        finally:
            tmp.unlink(missing_ok=True)
    return LocalSegment(ref, directory, pointer.rows, rows_path(store, ref, pointer.parts, cache))


def _extract(tar: Path, directory: Path, key: str, day: str) -> None:
    """The checked tar's index into `directory`, whole or not at all (extracted beside it, then renamed)."""
    if directory.is_dir():
        return
    tmp = directory.with_name(f".{directory.name}.{os.getpid()}.extracting")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        try:
            unpack(tar, tmp)
        except DamagedSegment as exc:  # the object and its repair named
            raise DamagedSegment(f"{key}: {exc}; {rebuild_hint(day)}") from None
        try:
            tmp.rename(directory)
        except OSError:
            if not directory.is_dir():  # another process won the race: theirs is the same index
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


STAMP_RESOLUTION = timedelta(seconds=2)


def _pointer(store: Store, cache: Path, ref: SnapshotRef, info: ObjectInfo) -> Pointer:
    """The pointer, from the cache while the listing shows the same object (size and time)."""
    record = cache / f"{ref.day}-r{ref.rev}.pointer.json"
    stamp = f"{info.size} {info.modified.isoformat() if info.modified else ''}"
    if record.exists():
        try:
            saved = json.loads(record.read_text())
            if saved["stamp"] == stamp:
                return Pointer.from_bytes(saved["pointer"].encode())
        except (ValueError, KeyError, TypeError, SegmentError):
            pass
    pointer = read_pointer(store, ref)
    if pointer is None:
        raise SegmentError(f"{layout.search_pointer_key(ref)} is gone")
    # remembered only once the listing's time tells a rewrite apart: a store's times may be whole seconds,
    # and a pointer rewritten in the second it was read (a segment built again) has the same stamp
    if info.modified is not None and datetime.now(UTC) - info.modified > STAMP_RESOLUTION:
        record.write_text(json.dumps({"stamp": stamp, "pointer": pointer.to_bytes().decode()}))
    return pointer


def _check(path: Path, pointer: Pointer, key: str) -> None:
    size, digest = path.stat().st_size, sha256_file(path)
    if size != pointer.size or digest != pointer.sha256:
        raise DamagedSegment(
            f"{key}: expected {pointer.size} bytes sha256 {pointer.sha256[:12]}…, found {size} "
            f"bytes sha256 {digest[:12]}…; {rebuild_hint(pointer.day)}"
        )


def combined_view(segments: list[LocalSegment]) -> Path | None:
    """One index over every segment's files (symbolic links and a meta.json listing all their index
    segments), so one search ranks with the statistics of all the days and prunes across them. Kept in
    the cache beside the segments, named by their SHA-256s; None when the segments cannot be combined
    (built with different schemas), and the days are then searched one by one."""
    if len(segments) < 2:
        return None
    names = sorted(s.path.name for s in segments)
    view = (
        segments[0].path.parent
        / "views"
        / hashlib.sha256(" ".join(names).encode()).hexdigest()[:32]
    )
    if (view / "meta.json").exists():
        return view
    base: dict[str, Any] | None = None
    listed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for segment in segments:
        meta = json.loads((segment.path / "meta.json").read_text())
        if base is None:
            base = meta
        elif meta["schema"] != base["schema"] or meta["index_settings"] != base["index_settings"]:
            return None
        for part in meta["segments"]:
            if part["segment_id"] in seen:
                return None
            seen.add(part["segment_id"])
            listed.append(part)
    assert base is not None
    tmp = view.with_name(f".{view.name}.{os.getpid()}.part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for segment in segments:
            for file in segment.path.iterdir():
                if file.name not in ("meta.json", ".managed.json") and not file.name.startswith(
                    ".tantivy-"
                ):  # tantivy's lock files are its own
                    (tmp / file.name).symlink_to(file.resolve())
        (tmp / "meta.json").write_text(
            json.dumps(
                {**base, "segments": listed, "opstamp": sum(int(p["max_doc"]) for p in listed)}
            )
        )
        try:
            tmp.rename(view)
        except OSError:
            if not (view / "meta.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return view
