"""What archivists and researchers read back: whole snapshots (checked) and filtered article tables.

Every file read is checked against the manifest's SHA-256 first; a damaged one is named, never read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from archive import layout
from archive.progress import progress
from archive.snapshot import (
    ARTICLE_SCHEMA,
    DamagedObject,
    FixityError,
    SnapshotRef,
    download_checked,
    load_manifest,
    manifest_and_bytes,
    newest_revs,
    read_parquet_parts,
)
from archive.store import Store
from common.escape import json_text, terminal, visible

__all__ = ["FixityError", "get_snapshot", "load_articles", "newest_revs", "write_export"]


def get_snapshot(
    store: Store, ref: SnapshotRef, dest: Path, outlet: str | None = None
) -> list[Path]:
    """Download a snapshot (or one outlet of it) into dest, checking every SHA-256 against the manifest."""
    manifest, body = manifest_and_bytes(store, ref)
    if outlet is not None and outlet not in manifest.outlets:
        raise LookupError(
            f"snapshot {ref.label} has no outlet {outlet!r}; it has {', '.join(sorted(manifest.outlets))}"
        )
    entries = [
        e
        for e in manifest.files
        if outlet is None
        or f"outlet={outlet}/" in e.key
        or e.key.endswith(f"/warc/{outlet}.warc.gz")
    ]
    written, bad = [], []
    for entry in progress(entries, desc=f"get {ref.label}", unit="file"):
        target = dest / entry.key.removeprefix(ref.prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            download_checked(store, entry, target)
        except FixityError:
            bad.append(entry.key)
        written.append(target)
    (dest / "manifest.json").write_bytes(body)
    _copy_seal(store, ref, dest)
    if bad:
        raise FixityError("checksum mismatch, do not trust these files: " + ", ".join(bad))
    return written


def _copy_seal(store: Store, ref: SnapshotRef, dest: Path) -> None:
    """The manifest's signature and timestamp beside it, to check by hand (docs/integrity.md)."""
    from archive.seal import token_key

    for key, name in (
        (ref.prefix + layout.MANIFEST_SIGNATURE, layout.MANIFEST_SIGNATURE),
        (token_key(store, ref), layout.MANIFEST_TIMESTAMP),
    ):
        if key is not None and store.exists(key):
            (dest / name).write_bytes(store.get_bytes(key))


def load_articles(
    store: Store,
    since: date | None = None,
    until: date | None = None,
    *,
    outlet: str | None = None,
    lang: str | None = None,
    include_duplicates: bool = False,
    damaged: list[str] | None = None,
) -> pa.Table:
    """Articles of every day in [since, until] (each day's newest complete rev, which carries forward
    everything the day's earlier revs held) as one pyarrow table (`.to_pandas()` for pandas). Every file
    is checked against its manifest first. With `damaged`, a rev whose manifest is damaged is left out
    and named there (the other days are read); without it, DamagedObject."""

    def keep(key: str) -> bool:
        return (not outlet or f"/outlet={outlet}/" in key) and (not lang or f"/lang={lang}/" in key)

    tables = []
    for ref in newest_revs(store, since, until):
        try:
            manifest = load_manifest(store, ref)
        except DamagedObject as exc:
            if damaged is None:
                raise
            damaged.append(str(exc))
            continue
        for table in read_parquet_parts(store, ref, keep, manifest):
            n = table.num_rows
            tables.append(
                table.append_column(
                    "snapshot_date", pa.array([ref.day] * n, pa.string())
                ).append_column("snapshot_rev", pa.array([ref.rev] * n, pa.int32()))
            )
    if not tables:
        return (
            ARTICLE_SCHEMA.append(pa.field("snapshot_date", pa.string()))
            .append(pa.field("snapshot_rev", pa.int32()))
            .empty_table()
        )
    table = pa.concat_tables(tables)
    if not include_duplicates:
        table = table.filter(pc.is_null(table.column("duplicate_of")))
    return table


def write_export(table: pa.Table, fmt: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, out, compression="zstd")
        return
    with out.open("w", encoding="utf-8") as fh:
        for row in progress(table.to_pylist(), desc="export", unit="article"):
            if fmt == "jsonl":
                fh.write(json_text(row) + "\n")
            else:  # txt: a header line per article, its text (controls shown), a blank line
                head = (
                    f"### {row['id']} | {row['outlet']} | {row['published'] or ''} | {row['title']}"
                )
                fh.write(terminal(head) + "\n")
                fh.write(visible(row["text"]) + "\n\n")
