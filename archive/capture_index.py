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
from archive.cdxj import write_index
from archive.records import Manifest, RecordError
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    download_checked,
    read_manifest_bytes,
    read_rows,
)
from archive.store import ObjectNotFound, Store
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


def _manifest(store: Store, ref: SnapshotRef) -> tuple[Manifest, bytes]:
    body = read_manifest_bytes(store, ref)
    try:
        return Manifest.from_bytes(body), body
    except RecordError as exc:
        raise DamagedObject(f"{store.url}/{ref.prefix}{layout.MANIFEST}: {exc}") from None


def index_source(store: Store, ref: SnapshotRef) -> IndexSource:
    """The snapshot's own index (listed in its manifest) or its sidecar; IndexMissing if it has neither."""
    manifest, body = _manifest(store, ref)
    entry = manifest.file(layout.cdxj_index_key(ref.prefix))
    if entry is not None:
        return IndexSource(ref, entry.key, entry.size, entry.sha256, sidecar=False)
    record_key = layout.sidecar_prefix(ref) + layout.SIDECAR_RECORD
    try:
        record = json.loads(store.get_bytes(record_key))
        source = IndexSource(
            ref, str(record["key"]), int(record["size"]), str(record["sha256"]), sidecar=True
        )
        bound_to = str(record["manifest_sha256"])
    except ObjectNotFound:
        raise IndexMissing(
            f"snapshot {ref.label} has no CDXJ index; make one with "
            f"`newsarchive snapshots index {ref.day} --rev {ref.rev}`"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise DamagedObject(f"{store.url}/{record_key}: not an index record ({exc})") from None
    if bound_to != hashlib.sha256(body).hexdigest() or not source.key.startswith(
        layout.sidecar_prefix(ref)
    ):
        raise DamagedObject(
            f"{store.url}/{record_key} does not belong to snapshot {ref.label}'s manifest"
        )
    return source


def read_index(store: Store, source: IndexSource) -> bytes:
    """The index's bytes, checked against its size and SHA-256."""
    try:
        data = store.get_bytes(source.key)
    except ObjectNotFound:
        raise DamagedObject(
            f"{store.url}/{source.key}: the index of {source.ref.label} is missing"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != source.size or digest != source.sha256:
        raise DamagedObject(
            f"{store.url}/{source.key}: expected {source.size} bytes sha256 {source.sha256}, "
            f"found {len(data)} bytes sha256 {digest}; do not trust it (see README: repair)"
        )
    return data


def index_snapshot(store: Store, ref: SnapshotRef) -> tuple[str, int]:
    """Give a published snapshot without an index a sidecar index (its WARCs and rows checked against
    the manifest first). (key of the index, lines). Refused if the snapshot has an index already."""
    try:
        source = index_source(store, ref)
        where = "a sidecar index" if source.sidecar else "its own index"
        raise IndexExists(f"snapshot {ref.label} already has {where}: {source.key}")
    except IndexMissing:
        pass
    manifest, body = _manifest(store, ref)
    with tempfile.TemporaryDirectory(prefix="newsarchive-index-") as tmp:
        warcs: dict[str, Path] = {}
        for entry in manifest.files:
            if entry.key.endswith(".warc.gz"):
                local = Path(tmp) / f"{len(warcs)}.warc.gz"
                download_checked(store, entry, local)
                warcs[entry.key.removeprefix(ref.prefix)] = local
        out = Path(tmp) / "index.cdxj"
        lines = write_index(warcs, read_rows(store, manifest), out)
        prefix = layout.sidecar_prefix(ref)
        digest = store.put_file(prefix + "index.cdxj", out, overwrite=True, publish=True)
        record = {
            "key": prefix + "index.cdxj",
            "size": out.stat().st_size,
            "sha256": digest,
            "snapshot": ref.label,
            "manifest_sha256": hashlib.sha256(body).hexdigest(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    store.put_bytes(
        prefix + layout.SIDECAR_RECORD, json.dumps(record, indent=1).encode(), publish=True
    )
    return prefix + "index.cdxj", lines
