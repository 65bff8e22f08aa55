"""The rows a hit is cited and quoted from: a snapshot's own Parquet parts (each checked against its
manifest), kept in the search cache as one Arrow file of small compressed batches, so reading one row
decompresses a few dozen articles and never the day.

The file is named by the SHA-256s of the parts it was made from (a snapshot is never rewritten, so it is
made once per snapshot) and written beside its final name, then renamed: whole or not there. A row is
found by the place a segment gave it (search/segment.py `Location`) and must carry the id the segment
expects (its key); otherwise the segment was built from other rows and is named, not trusted."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from archive.snapshot import SnapshotRef, load_manifest, read_articles
from archive.store import Store
from search.segment import Location, SegmentError, id_key, parts_digest

COLUMNS = (
    "id",
    "outlet",
    "title",
    "author",
    "published",
    "published_date",
    "url",
    "language",
    "capture_id",
    "fetched_at",
    "duplicate_of",
    "text",
)
BATCH_ROWS = 32  # rows decompressed to read one
ROWS_FORMAT = 2  # in the file's name: a file of other COLUMNS is never read as this one


def rows_path(store: Store, ref: SnapshotRef, parts: str, cache: Path) -> Path:
    """The rows of the snapshot's Parquet parts named `parts` (a segment pointer's) in the cache, made
    from the checked parts when not there yet."""
    path = cache / "rows" / f"{parts[:32]}.v{ROWS_FORMAT}.arrow"
    if path.exists():
        return path
    if parts_digest(load_manifest(store, ref)) != parts:
        raise SegmentError(
            f"{ref.label}: its search segment was built from other Parquet parts than the snapshot "
            "lists; build it again with `newsarchive search-index --rebuild`"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    table = read_articles(store, ref).select(list(COLUMNS)).combine_chunks()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        options = pa.ipc.IpcWriteOptions(compression="zstd")
        with (
            pa.OSFile(str(tmp), "wb") as sink,
            pa.ipc.new_file(sink, table.schema, options=options) as out,
        ):
            for batch in table.to_batches(BATCH_ROWS):  # all of BATCH_ROWS rows but the last
                out.write_batch(batch)
        tmp.rename(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@dataclass
class SnapshotRows:
    """A snapshot's rows file, open (memory-mapped): one row at a time by its place."""

    ref: SnapshotRef
    path: Path

    def __post_init__(self) -> None:
        try:
            self._reader = pa.ipc.open_file(pa.memory_map(str(self.path)))
        except (OSError, pa.ArrowInvalid) as exc:
            raise SegmentError(f"{self.ref.label}: cannot read its rows ({exc})") from None

    def row(self, at: Location) -> dict[str, Any]:
        """The row the segment placed at `at`; SegmentError when it is not the article the segment
        indexed there."""
        batch, offset = divmod(at.row, BATCH_ROWS)
        try:
            record: dict[str, Any] = self._reader.get_batch(batch).slice(offset, 1).to_pylist()[0]
        except (IndexError, ValueError, OSError) as exc:  # ValueError: a batch past the end
            raise SegmentError(f"{self.ref.label}: no row {at.row} in its rows ({exc})") from None
        if id_key(str(record["id"])) != at.key:
            raise SegmentError(
                f"{self.ref.label}: its search segment names another article at row {at.row} than the "
                f"snapshot's {record['id']}; build it again with `newsarchive search-index --rebuild`"
            )
        return record
