"""Fixity and consistency of a published snapshot, as `newsarchive snapshots verify` reports it:

- the manifest matches the SHA-256 in `_SUCCESS` and parses;
- every listed file is there with its size and SHA-256;
- the snapshot's prefix holds no file the manifest does not list;
- every row's capture (`capture_id`) is a response record in the WARC of the rev it points to: this one,
  or the rev named by `carried_from`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive import layout
from archive.records import ArchivedRow, table_rows
from archive.snapshot import (
    ABANDONED,
    DamagedObject,
    FixityError,
    SnapshotRef,
    download_checked,
    load_manifest,
)
from archive.store import ObjectNotFound, Store

_BOOKKEEPING = {layout.MANIFEST, layout.SUCCESS, layout.CLAIM, ABANDONED}


@dataclass
class VerifyReport:
    ref: SnapshotRef
    files: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    retention: dict[str, int] = field(default_factory=dict)  # lock mode ("COMPLIANCE", "none") -> files
    retained_until: str | None = None  # the earliest retention end among the files


def verify(store: Store, ref: SnapshotRef, *, retention: bool = True) -> VerifyReport:
    report = VerifyReport(ref)
    try:
        manifest = load_manifest(store, ref)
    except DamagedObject as exc:
        report.problems.append(str(exc))
        return report
    report.files = len(manifest.files)
    listed = {entry.key for entry in manifest.files}
    for info in store.list(ref.prefix):
        if info.key not in listed and info.key.rsplit("/", 1)[-1] not in _BOOKKEEPING:
            report.problems.append(f"{info.key}: in the snapshot's prefix but not in its manifest")
    captures: dict[str, set[str] | None] = {}
    rows: list[ArchivedRow] = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-verify-") as tmp:
        local = Path(tmp) / "object"
        for entry in manifest.files:
            try:
                download_checked(store, entry, local)
            except ObjectNotFound:
                report.problems.append(f"{entry.key}: missing")
                captures[entry.key] = None  # reported once; its rows' captures are not checked against it
                continue
            except FixityError as exc:
                report.problems.append(str(exc))
                captures[entry.key] = None
                continue
            if entry.key.endswith(".warc.gz"):
                captures[entry.key] = _response_ids(local, entry.key, report.problems)
            elif entry.key.endswith(".parquet"):
                rows += table_rows(pq.read_table(local))
            if retention:
                mode = store.retention(entry.key)
                label = mode.split(" until ")[0] if mode else "none"
                report.retention[label] = report.retention.get(label, 0) + 1
                if mode:
                    report.retained_until = min(filter(None, [report.retained_until, mode.split(" until ")[-1]]))
        report.rows = len(rows)
        for row in rows:  # once every WARC of the snapshot is checked (a damaged one is reported once)
            _check_capture(store, ref, row.outlet, row.capture_id, row.carried_from, row.url, captures,
                           Path(tmp), report.problems)
    return report


def _response_ids(path: Path, key: str, problems: list[str]) -> set[str] | None:
    ids = set()
    try:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit"):
                    ids.add(record.rec_headers.get_header("WARC-Record-ID"))
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        problems.append(f"{key}: not a readable WARC ({exc})")
        return None
    return ids


def _check_capture(store: Store, ref: SnapshotRef, outlet: str, capture_id: str | None, carried_from: str | None,
                   url: str, captures: dict[str, set[str] | None], tmp: Path, problems: list[str]) -> None:
    if not capture_id:
        problems.append(f"row {url}: no capture_id")
        return
    source = SnapshotRef.from_label(carried_from) if carried_from else ref
    key = layout.warc_key(layout.snapshot_prefix(date.fromisoformat(source.day), source.rev), outlet)
    if key not in captures:
        local = tmp / f"carried-{len(captures)}.warc.gz"
        try:
            store.download(key, local)
            captures[key] = _response_ids(local, key, problems)
        except ObjectNotFound:
            captures[key] = set()
    ids = captures[key]
    if ids is not None and capture_id not in ids:
        where = f"{source.label}'s WARC {key}" if carried_from else f"this snapshot's WARC {key}"
        problems.append(f"row {url}: its capture {capture_id} is not in {where}")


def verify_snapshot(store: Store, ref: SnapshotRef) -> list[str]:
    """The problems `verify` finds (an empty list: the snapshot is whole and consistent)."""
    return verify(store, ref, retention=False).problems
