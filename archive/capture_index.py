"""Snapshots' CDXJ indexes as readers use them: found (in the manifest, or a sidecar beside an older
snapshot), checked against their SHA-256, and searched for every capture of a URL across snapshots.

A snapshot published before indexes existed is immutable, so `newsarchive snapshots index D` writes a
*sidecar* outside the rev: `indexes/date=D/rev=N/index.cdxj`, then `indexes/date=D/rev=N/index.json`
(its size, SHA-256 and the SHA-256 of the manifest it indexes) last, as the sidecar's commit point. The
snapshot's own files and manifest are never touched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archive import layout
from archive.cdxj import CdxjLine, decode_index, write_index
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    download_checked,
    manifest_and_bytes,
    read_rows,
)
from archive.store import ObjectNotFound, Store
from common import decode
from common.errors import NewsArchiveError

logger = logging.getLogger(__name__)


class IndexMissing(NewsArchiveError, LookupError):
    reason = "index_missing"


class IndexExists(NewsArchiveError):
    reason = "index_exists"


@dataclass(frozen=True)
class IndexSource:
    """Where a snapshot's index is and the size and SHA-256 it must have."""

    ref: SnapshotRef
    key: str
    size: int
    sha256: str
    sidecar: bool


class SidecarDamaged(DamagedObject):
    """A sidecar index or its record is damaged: `newsarchive snapshots index D --rev N` writes it again."""


def _sidecar_damaged(store: Store, ref: SnapshotRef, key: str, problem: str) -> SidecarDamaged:
    return SidecarDamaged(
        f"{store.url}/{key} {problem}; the sidecar index of {ref.label} is damaged: write it again "
        f"with `newsarchive snapshots index {ref.day} --rev {ref.rev}`"
    )


def decode_sidecar_record(data: bytes, ref: SnapshotRef) -> tuple[IndexSource, str]:
    """A sidecar record's one decoder: the index it names (its own key, size and SHA-256) and the SHA-256
    of the manifest it is bound to; decode.Malformed names what is wrong."""
    f = decode.Fields(decode.json_value(data))
    key = f.get("key", decode.text)
    if key != layout.sidecar_index_key(ref):
        raise decode.Malformed("key", f"{key[:80]!r} is not {layout.sidecar_index_key(ref)}")
    source = IndexSource(
        ref, key, f.get("size", decode.whole), f.get("sha256", decode.sha256), sidecar=True
    )
    return source, f.get("manifest_sha256", decode.sha256)


def index_source(store: Store, ref: SnapshotRef) -> IndexSource:
    """The snapshot's own index (listed in its manifest) or its sidecar; IndexMissing if it has neither."""
    manifest, body = manifest_and_bytes(store, ref)
    entry = manifest.file(layout.cdxj_index_key(ref.prefix))
    if entry is not None:
        return IndexSource(ref, entry.key, entry.size, entry.sha256, sidecar=False)
    record_key = layout.sidecar_record_key(ref)
    try:
        source, bound_to = decode_sidecar_record(store.get_bytes(record_key), ref)
    except ObjectNotFound:
        raise IndexMissing(
            f"snapshot {ref.label} has no CDXJ index; make one with "
            f"`newsarchive snapshots index {ref.day} --rev {ref.rev}`"
        ) from None
    except decode.Malformed as exc:
        raise _sidecar_damaged(store, ref, record_key, f"is not an index record ({exc})") from None
    if bound_to != hashlib.sha256(body).hexdigest():
        raise _sidecar_damaged(store, ref, record_key, f"does not belong to {ref.label}'s manifest")
    return source


def read_index(store: Store, source: IndexSource) -> bytes:
    """The index's bytes, checked against its size and SHA-256."""
    ref = source.ref
    try:
        data = store.get_bytes(source.key)
    except ObjectNotFound:
        data = None
    digest = hashlib.sha256(data).hexdigest() if data is not None else ""
    if data is not None and len(data) == source.size and digest == source.sha256:
        return data
    what = (
        f"{store.url}/{source.key}: the index of {ref.label} is missing"
        if data is None
        else f"{store.url}/{source.key}: expected {source.size} bytes sha256 {source.sha256}, "
        f"found {len(data)} bytes sha256 {digest}; do not trust it"
    )
    if source.sidecar:
        raise SidecarDamaged(
            f"{what}; write it again with `newsarchive snapshots index {ref.day} --rev {ref.rev}`"
        )
    raise DamagedObject(
        f"{what}; restore it from a copy (its SHA-256 is in the manifest of {ref.label})"
    )


def read_index_lines(store: Store, source: IndexSource) -> list[CdxjLine]:
    """The whole index (checked against its size and SHA-256), every line through the CDXJ line's
    decoder; DamagedObject naming the index, the first line that does not decode and the repair."""
    ref = source.ref
    repair = (
        f"write it again with `newsarchive snapshots index {ref.day} --rev {ref.rev}`"
        if source.sidecar
        else f"restore it from a copy (its SHA-256 is in the manifest of {ref.label})"
    )
    data = read_index(store, source)  # its own errors name the repair
    try:
        return decode_index(data, f"{store.url}/{source.key}")
    except DamagedObject as exc:
        raise (SidecarDamaged if source.sidecar else DamagedObject)(f"{exc}; {repair}") from None


def index_snapshot(store: Store, ref: SnapshotRef) -> tuple[str, int]:
    """Give a published snapshot without an index a sidecar index (its WARCs and rows checked against
    the manifest first). (key of the index, lines). Refused if the snapshot has an index already."""
    try:
        source = index_source(store, ref)
        if source.sidecar:
            read_index(store, source)
        where = "a sidecar index" if source.sidecar else "its own index"
        raise IndexExists(f"snapshot {ref.label} already has {where}: {source.key}")
    except IndexMissing:
        pass
    except SidecarDamaged as exc:  # written again below, the record last
        logger.warning("%s", exc)
    manifest, body = manifest_and_bytes(store, ref)
    with tempfile.TemporaryDirectory(prefix="newsarchive-index-") as tmp:
        warcs: dict[str, Path] = {}
        for entry in manifest.files:
            if entry.key.endswith(".warc.gz"):
                local = Path(tmp) / f"{len(warcs)}.warc.gz"
                download_checked(store, entry, local)
                warcs[entry.key.removeprefix(ref.prefix)] = local
        out = Path(tmp) / "index.cdxj"
        lines = write_index(warcs, read_rows(store, manifest), out)
        key = layout.sidecar_index_key(ref)
        digest = store.put_file(key, out, overwrite=True, publish=True)
        record = {
            "key": key,
            "size": out.stat().st_size,
            "sha256": digest,
            "snapshot": ref.label,
            "manifest_sha256": hashlib.sha256(body).hexdigest(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    store.put_bytes(
        layout.sidecar_record_key(ref),
        json.dumps(record, indent=1).encode(),
        overwrite=True,
        publish=True,
    )
    return key, lines
