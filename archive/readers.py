"""What archivists and researchers read back: whole snapshots (checked) and filtered article tables.

Every file read is checked against the manifest's SHA-256 first; a damaged one is named, never read."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from archive import layout
from archive.progress import progress
from archive.schema import TABLE_SCHEMA
from archive.snapshot import (
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
    everything the day's earlier revs held) as one pyarrow table in the current table's schema
    (archive/schema.py; `.to_pandas()` for pandas). Every file is checked against its manifest first.
    With `damaged`, a rev whose manifest is damaged is left out and named there (the other days are
    read); without it, DamagedObject."""

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
                    "snapshot_date", pa.array([date.fromisoformat(ref.day)] * n, pa.date32())
                )
                .append_column("snapshot_rev", pa.array([ref.rev] * n, pa.int32()))
                .append_column("is_duplicate", pc.is_valid(table.column("duplicate_of")))
            )
    if not tables:
        return TABLE_SCHEMA.empty_table()
    table = pa.concat_tables(tables)
    for field in TABLE_SCHEMA:  # the story columns are the table's (archive/stories.py): null here
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
    table = table.cast(TABLE_SCHEMA)
    if not include_duplicates:
        table = table.filter(pc.is_null(table.column("duplicate_of")))
    return table


def _iso(value: Any) -> str:
    """Dates and times in JSON as ISO 8601 text."""
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _iso_times(table: pa.Table) -> pa.Table:
    """Timestamp and date columns as ISO 8601 text, in bulk (2026-11-21T03:38:48+00:00, as
    ArchivedRow.to_dict writes them; a column with fractions of a second has them on every value)."""
    for n, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            column = table.column(n).cast(pa.timestamp(f.type.unit, tz="UTC"))
            try:
                column = column.cast(pa.timestamp("s", tz="UTC"))
            except pa.ArrowInvalid:
                pass  # fractions of a second: %S shows them
            text = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S+00:00")
        elif pa.types.is_date32(f.type):
            text = table.column(n).cast(pa.string())
        else:
            continue
        table = table.set_column(n, pa.field(f.name, pa.string()), text)
    return table


def write_export(table: pa.Table, fmt: str, out: Path) -> None:
    """The table as `parquet` (typed, as the table has it), `jsonl` (dates and times as ISO 8601) or `txt`
    (a header line per article, its text). CSV goes through the CLI's one CSV sink."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, out, compression="zstd")
        return
    rows = (row for batch in _iso_times(table).to_batches(4096) for row in batch.to_pylist())
    with out.open("w", encoding="utf-8") as fh:
        for row in progress(rows, total=table.num_rows, desc="export", unit="article"):
            if fmt == "jsonl":
                fh.write(json_text(row, default=_iso) + "\n")
            else:  # txt: a header line per article, its text (controls shown), a blank line
                day = row["published_date"]
                head = f"### {row['id']} | {row['outlet']} | {day or ''} | {row['title']}"
                fh.write(terminal(head) + "\n")
                fh.write(visible(row["text"]) + "\n\n")
