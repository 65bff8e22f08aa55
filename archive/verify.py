"""Fixity and consistency of a published snapshot, as `newsarchive snapshots verify` reports it:

- the manifest matches the SHA-256 in `_SUCCESS` and parses;
- every listed file is there with its size and SHA-256;
- the snapshot's prefix holds no file the manifest does not list;
- every WARC is whole record by record (archive/warc_check.py): each gzip member complete, each
  Content-Length and WARC-Block-/Payload-Digest right, named by file and offset;
- the manifest's seal (archive/seal.py): its signature, and its timestamp token checked against the TSA
  roots given (a signature or token the manifest names but that is missing is a problem too);
- every row's capture (`capture_id`) is a response or revisit record in the WARC of the rev it points
  to (this one, or the rev named by `carried_from`), and a revisit's original is found
  (archive/warc_read.py resolve_capture: the same WARC or an earlier complete rev of the day).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
from cryptography import x509
from warcio.exceptions import ArchiveLoadFailed

from archive import layout
from archive.records import ArchivedRow, Manifest, RecordError, table_rows
from archive.seal import SealReport, check_seal
from archive.snapshot import (
    DamagedObject,
    FixityError,
    MissingFile,
    SnapshotRef,
    download_checked,
    read_manifest_bytes,
)
from archive.store import ObjectNotFound, Store
from archive.warc_check import check_warc
from archive.warc_read import CaptureNotFound, Originals, WarcIndex, resolve_capture

_BOOKKEEPING = {
    layout.MANIFEST,
    layout.SUCCESS,
    layout.CLAIM,
    layout.ABANDONED,
    *layout.SEAL_OBJECTS,
}


@dataclass
class VerifyReport:
    ref: SnapshotRef
    files: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    retention: dict[str, int] = field(
        default_factory=dict
    )  # lock mode ("COMPLIANCE", "none") -> files
    retained_until: str | None = None  # the earliest retention end among the files
    seal: SealReport | None = None  # its signature and timestamp (None: the manifest is unreadable)


def verify(
    store: Store,
    ref: SnapshotRef,
    *,
    retention: bool = True,
    anchors: tuple[x509.Certificate, ...] = (),
) -> VerifyReport:
    """`anchors`: the TSA root certificates a timestamp token must chain to (none: its imprint only)."""
    report = VerifyReport(ref)
    try:
        body = read_manifest_bytes(store, ref)
        manifest = Manifest.from_bytes(body)
    except DamagedObject as exc:
        report.problems.append(str(exc))
        return report
    except RecordError as exc:
        report.problems.append(f"{store.url}/{ref.prefix}{layout.MANIFEST}: {exc}")
        return report
    report.seal = check_seal(store, ref, body, manifest, anchors)
    report.problems += report.seal.problems
    report.files = len(manifest.files)
    listed = {entry.key for entry in manifest.files}
    for info in store.list(ref.prefix):
        if info.key not in listed and info.key.removeprefix(ref.prefix) not in _BOOKKEEPING:
            report.problems.append(f"{info.key}: in the snapshot's prefix but not in its manifest")
    captures: dict[
        str, Path | None
    ] = {}  # WARC key -> its local copy (None: damaged, reported once)
    rows: list[ArchivedRow] = []
    indexes: dict[Path, WarcIndex] = {}  # each WARC's captures, from its check
    with tempfile.TemporaryDirectory(prefix="newsarchive-verify-") as tmp:
        for n, entry in enumerate(manifest.files):
            local = Path(tmp) / (f"{n}.warc.gz" if entry.key.endswith(".warc.gz") else "object")
            try:
                download_checked(store, entry, local)
            except MissingFile:
                report.problems.append(f"{entry.key}: missing")
                captures[entry.key] = (
                    None  # reported once; its rows' captures are not checked against it
                )
                continue
            except FixityError as exc:
                report.problems.append(str(exc))
                captures[entry.key] = None
                continue
            if entry.key.endswith(".warc.gz"):
                index = WarcIndex(local)  # made in the check's pass: the WARC is read once
                damage = check_warc(local, entry.key, index.add_member)
                report.problems += damage
                captures[entry.key] = None if damage else local
                if not damage:
                    index.complete = True
                    indexes[local] = index
            elif entry.key.endswith(".parquet"):
                rows += table_rows(pq.read_table(local))
            if retention:
                mode = store.retention(entry.key)
                label = mode.split(" until ")[0] if mode else "none"
                report.retention[label] = report.retention.get(label, 0) + 1
                if mode:
                    report.retained_until = min(
                        filter(None, [report.retained_until, mode.split(" until ")[-1]])
                    )
        report.rows = len(rows)
        originals: dict[tuple[str, int], Originals] = {}
        for (
            row
        ) in rows:  # once every WARC of the snapshot is checked (a damaged one is reported once)
            _check_capture(
                store, ref, row, captures, originals, indexes, Path(tmp), report.problems
            )
    return report


def _check_capture(
    store: Store,
    ref: SnapshotRef,
    row: ArchivedRow,
    captures: dict[str, Path | None],
    originals: dict[tuple[str, int], Originals],
    indexes: dict[Path, WarcIndex],
    tmp: Path,
    problems: list[str],
) -> None:
    url, capture_id, carried_from = row.url, row.capture_id, row.carried_from
    if not capture_id:
        problems.append(f"row {url}: no capture_id")
        return
    source = SnapshotRef.from_label(carried_from) if carried_from else ref
    key = layout.warc_key(
        layout.snapshot_prefix(date.fromisoformat(source.day), source.rev), row.outlet
    )
    where = f"{source.label}'s WARC {key}" if carried_from else f"this snapshot's WARC {key}"
    if key not in captures:
        carried = tmp / f"carried-{len(captures)}.warc.gz"
        try:
            store.download(key, carried)
            captures[key] = carried
        except ObjectNotFound:
            problems.append(f"row {url}: {where} is missing")
            captures[key] = None
    local = captures[key]
    if local is None:
        return
    if (row.outlet, source.rev) not in originals:
        originals[row.outlet, source.rev] = Originals(
            store, source.day, row.outlet, tmp, below_rev=source.rev
        )
    if local in indexes:  # this snapshot's WARC, indexed as it was checked
        originals[row.outlet, source.rev].know(indexes[local])
    index = originals[row.outlet, source.rev].index(local)
    if capture_id not in index.offsets:
        problems.append(f"row {url}: its capture {capture_id} is not in {where}")
        return
    if capture_id in index.responses and local in indexes:
        return  # a response the check read whole, digests and all: nothing to resolve
    try:
        resolve_capture(local, capture_id, originals[row.outlet, source.rev])
    except CaptureNotFound as exc:
        problems.append(f"row {url}: its capture {capture_id} does not resolve in {where}: {exc}")
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        problems.append(f"row {url}: {where} is not a readable WARC ({exc})")


def verify_snapshot(store: Store, ref: SnapshotRef) -> list[str]:
    """The problems `verify` finds (an empty list: the snapshot is whole and consistent)."""
    return verify(store, ref, retention=False).problems
