"""The dedup index in the archive: one segment per snapshot (`dedup/index.npz`, listed in its manifest
with its SHA-256), so a run on any machine checks against the days before it without a database.

A segment that is missing, fails its checksum or does not load is named in one warning line, skipped
and reported (the day's articles are then not checked against; nothing archived changes).

Loading the window maps each segment's signatures (512 bytes an article, most of a segment) from the
downloaded file instead of reading them into memory: a run compares with few of them, and only those
pages are read. Their band keys are made from the file in chunks as it is loaded."""

from __future__ import annotations

import logging
import struct
import tempfile
import zipfile
import zlib
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from archive import layout
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    damaged_snapshot,
    download_checked,
    load_manifest,
    newest_revs,
)
from archive.store import ObjectNotFound, Store, StoreError
from common import decode
from common.errors import NewsArchiveError
from dedup.index import DedupIndex
from dedup.signatures import ALGORITHM, NUM_PERM, band_keys

logger = logging.getLogger(__name__)
SEGMENT_FIELDS = ("ids", "root_ids", "url_keys", "contents", "signatures")
KEY_CHUNK = 65_536  # signatures read at once to make band keys from a mapped segment
_SHAPES = {  # name -> (dtype, dimensions) as dedup.index.DedupIndex.segment writes them
    "ids": ("U", 1),
    "root_ids": ("U", 1),
    "url_keys": ("uint64", 1),
    "contents": ("uint64", 1),
    "signatures": ("uint32", 2),
}
# what numpy and zipfile raise on bytes that are not an npz of plain arrays
_LOAD_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    struct.error,
)


class IncompatibleSegment(NewsArchiveError, ValueError):
    reason = "incompatible_segment"


def write_segment(segment: dict[str, np.ndarray], path: Path) -> None:
    with path.open("wb") as fh:
        np.savez(fh, algorithm=np.array(ALGORITHM), **segment)  # type: ignore[arg-type]  # numpy's stub: allow_pickle


def read_segment(
    path: Path, where: str | None = None, mapped: bool = False
) -> dict[str, np.ndarray]:
    """A segment's one decoder: every array there, of its dtype and shape, one entry per article.
    IncompatibleSegment if another algorithm made its signatures; DamagedObject naming `where` (the
    object and its repair; default: the file) for anything else. `mapped`: the signatures mapped from
    the file (which must then stay as it is while they are used; deleting it is fine) instead of read,
    when the file allows it."""
    try:
        with np.load(path, allow_pickle=False) as data:
            names = set(data.files)
            missing = [name for name in (*SEGMENT_FIELDS, "algorithm") if name not in names]
            if missing:
                raise decode.Malformed("", f"it lacks {missing}")
            algorithm = data["algorithm"]
            if algorithm.dtype.kind != "U" or algorithm.shape != ():
                raise decode.Malformed("algorithm", "is not one name")
            if str(algorithm) != ALGORITHM:
                raise IncompatibleSegment(
                    f"signatures made by {str(algorithm)[:80]}, this version makes {ALGORITHM}"
                )
            signatures = _mapped_signatures(path, data.zip) if mapped else None
            segment = {
                name: data[name] if name != "signatures" or signatures is None else signatures
                for name in SEGMENT_FIELDS
            }
        for name, (kind, ndim) in _SHAPES.items():
            array = segment[name]
            if (
                array.dtype.kind != kind[0]
                or array.ndim != ndim
                or (kind != "U" and array.dtype != np.dtype(kind))
            ):
                raise decode.Malformed(
                    name, f"is {array.dtype}[{array.ndim}-d], not {kind}[{ndim}-d]"
                )
        if segment["signatures"].shape[1:] != (NUM_PERM,):
            raise decode.Malformed(
                "signatures", f"rows of {segment['signatures'].shape[1:]} values, not {NUM_PERM}"
            )
        if len({len(segment[name]) for name in SEGMENT_FIELDS}) != 1:
            raise decode.Malformed("", "its arrays have different lengths")
    except IncompatibleSegment:
        raise
    except (decode.Malformed, *_LOAD_ERRORS) as exc:
        raise DamagedObject(
            f"{where or path}: not a dedup index segment ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None
    return segment


def _mapped_signatures(path: Path, archive: zipfile.ZipFile) -> np.ndarray | None:
    """The signatures array of an uncompressed .npz (as np.savez writes it), mapped read-only from the
    file; None when it is stored otherwise (it is then read)."""
    info = archive.getinfo("signatures.npy")
    if info.compress_type != zipfile.ZIP_STORED or info.file_size < 1024:
        return None
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        if local[:4] != b"PK\x03\x04":
            raise ValueError("a zip member without its local header")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_length + extra_length)
        version = np.lib.format.read_magic(fh)
        if version not in ((1, 0), (2, 0)):
            return None
        header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran_order, dtype = header(fh)
        start = fh.tell()
    end = info.header_offset + 30 + name_length + extra_length + info.file_size
    if fortran_order or start + int(np.prod(shape)) * dtype.itemsize != end:
        return None  # not laid out as np.savez writes it: read it instead
    return np.memmap(path, dtype=dtype, mode="r", offset=start, shape=shape)


def band_keys_of(segment: dict[str, np.ndarray], path: Path) -> np.ndarray:
    """The band keys of a segment's signatures; mapped ones are read from the file a chunk at a time
    (reading them through the mapping would keep every page in memory)."""
    sigs = segment["signatures"]
    if not isinstance(sigs, np.memmap):
        return band_keys(sigs)
    keys = np.empty((len(sigs), sigs.shape[1] // 4), dtype=np.uint64)
    with path.open("rb") as fh:
        fh.seek(sigs.offset)
        for start in range(0, len(sigs), KEY_CHUNK):
            count = min(KEY_CHUNK, len(sigs) - start)
            chunk = np.fromfile(fh, dtype=sigs.dtype, count=count * sigs.shape[1])
            keys[start : start + count] = band_keys(chunk.reshape(count, sigs.shape[1]))
    return keys


def select(segment: dict[str, np.ndarray], ids: set[str]) -> dict[str, np.ndarray]:
    """The entries of a segment whose article id is in `ids`."""
    mask = (
        np.isin(segment["ids"], np.array(sorted(ids), dtype=str))
        if ids
        else np.zeros(len(segment["ids"]), bool)
    )
    return {name: segment[name][mask] for name in SEGMENT_FIELDS}


def concat(*segments: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([s[name] for s in segments]) for name in SEGMENT_FIELDS}


def read_snapshot_segment(store: Store, ref: SnapshotRef, tmp: Path) -> dict[str, np.ndarray]:
    """A snapshot's segment, checked against its manifest; DamagedObject/IncompatibleSegment if unusable."""
    local = _download_segment(store, ref, tmp)
    try:
        return read_segment(local, f"{store.url}/{layout.dedup_index_key(ref.prefix)}")
    except DamagedObject as exc:
        raise damaged_snapshot(
            store, ref, layout.dedup_index_key(""), f"does not decode ({exc})"
        ) from None
    finally:
        local.unlink(missing_ok=True)


def _download_segment(store: Store, ref: SnapshotRef, tmp: Path) -> Path:
    manifest = load_manifest(store, ref)
    entry = manifest.file(layout.dedup_index_key(ref.prefix))
    if entry is None:
        raise IncompatibleSegment(f"snapshot {ref.label} lists no dedup index")
    local = tmp / f"segment-{ref.day}-{ref.rev}.npz"
    download_checked(store, entry, local)
    return local


def _load_mapped(index: DedupIndex, store: Store, ref: SnapshotRef, tmp: Path) -> None:
    """A snapshot's segment into the index, its signatures mapped from the downloaded file (deleted
    here: the mapping keeps it readable until the index is gone)."""
    local = _download_segment(store, ref, tmp)
    try:
        segment = read_segment(
            local, f"{store.url}/{layout.dedup_index_key(ref.prefix)}", mapped=True
        )
        index.add_chunk(segment, band_keys_of(segment, local))
    except DamagedObject as exc:
        raise damaged_snapshot(
            store, ref, layout.dedup_index_key(""), f"does not decode ({exc})"
        ) from None
    finally:
        local.unlink(missing_ok=True)


def load_window(
    store: Store, day: date, window_days: int
) -> tuple[DedupIndex, list[str], list[str]]:
    """An index of the newest complete snapshot of each of the `window_days` days before `day`, oldest
    first. Returns the index, the snapshots it was built from and the ones skipped (with why)."""
    index = DedupIndex()
    used: list[str] = []
    skipped: list[str] = []
    if window_days <= 0:
        return index, used, skipped
    refs = newest_revs(store, day - timedelta(days=window_days), day - timedelta(days=1))
    with tempfile.TemporaryDirectory(prefix="newsarchive-dedup-index-") as tmp:
        for ref in refs:  # oldest first
            try:
                _load_mapped(index, store, ref, Path(tmp))
            except (ObjectNotFound, IncompatibleSegment, DamagedObject) as exc:
                logger.warning(
                    "snapshot %s: dedup index not usable, its articles are not checked against: %s",
                    ref.label,
                    exc,
                )
                skipped.append(f"{ref.label}: {exc}")
                continue
            except StoreError:
                raise
            used.append(ref.label)
    return index, used, skipped
