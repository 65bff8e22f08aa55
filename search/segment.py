"""An index segment: one SQLite file per snapshot (day and rev) with an FTS5 table over the stems of
each article's title and text (search/text.py) and the fields a hit is cited with.

Stored in the archive beside the snapshots, never inside them (a snapshot is never rewritten):
`search/v1/date=D/rev=N/segment.sqlite`, then `segment.json` (its SHA-256, size and row count) last,
so a segment without its pointer, or one whose bytes do not match it, is not there. A segment is
derived data: building it again replaces it (same rows, same result)."""

from __future__ import annotations

import json
import logging
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from archive.snapshot import SnapshotRef, read_parquet_parts
from archive.store import ObjectNotFound, Store
from common.errors import NewsArchiveError
from search.text import Stemmer

logger = logging.getLogger(__name__)
FORMAT = 1
PREFIX = f"search/v{FORMAT}/"
BATCH = 2048
BLOCK = 64  # texts compressed together (zstd): rows (rowid - 1) // BLOCK share a block
SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, outlet TEXT NOT NULL, lang TEXT NOT NULL,
                  dup INTEGER NOT NULL, title TEXT, author TEXT, published TEXT, url TEXT, capture_id TEXT,
                  fetched_at TEXT);
CREATE TABLE texts(block INTEGER PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(title, body, content='', tokenize='ascii');
"""


class SegmentError(NewsArchiveError):
    reason = "search_segment"


@dataclass(frozen=True)
class Pointer:
    """What `segment.json` says of its segment."""

    day: str
    rev: int
    sha256: str
    size: int
    rows: int
    built_at: str

    def to_bytes(self) -> bytes:
        return json.dumps({"format": FORMAT, "snapshot": {"date": self.day, "rev": self.rev}, "sha256": self.sha256,
                           "size": self.size, "rows": self.rows, "built_at": self.built_at}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Pointer:
        try:
            raw = json.loads(data)
            if raw["format"] != FORMAT:
                raise ValueError(f"format {raw['format']!r}, this version reads {FORMAT}")
            return cls(str(raw["snapshot"]["date"]), int(raw["snapshot"]["rev"]), str(raw["sha256"]),
                       int(raw["size"]), int(raw["rows"]), str(raw.get("built_at", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise SegmentError(f"not a search segment pointer ({exc})") from None


def segment_key(ref: SnapshotRef) -> str:
    return f"{PREFIX}date={ref.day}/rev={ref.rev}/segment.sqlite"


def pointer_key(ref: SnapshotRef) -> str:
    return f"{PREFIX}date={ref.day}/rev={ref.rev}/segment.json"


def indexed_refs(store: Store) -> set[SnapshotRef]:
    """The snapshots whose segment pointer is in the archive (one listing)."""
    found = set()
    for info in store.list(PREFIX):
        parts = info.key[len(PREFIX):].split("/")
        if len(parts) == 3 and parts[2] == "segment.json" and parts[0].startswith("date=") \
                and parts[1].startswith("rev=") and parts[1][4:].isdigit():
            found.add(SnapshotRef(parts[0][5:], int(parts[1][4:])))
    return found


def build_segment(tables: list[pa.Table], path: Path, ref: SnapshotRef, stemmer: Stemmer | None = None) -> int:
    """Write the segment of these article tables (the snapshot schema) to `path`; the number of rows."""
    stemmer = stemmer or Stemmer()
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;" + SCHEMA)
        rowid = written = 0
        pending: list[str] = []
        for table in tables:
            for batch in table.to_batches(BATCH):
                cols = batch.to_pydict()
                n = batch.num_rows
                titles = [t or "" for t in cols["title"]]
                texts = [t or "" for t in cols["text"]]
                stems = stemmer.index_text(titles + texts)
                ids = range(rowid + 1, rowid + n + 1)
                db.executemany("INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
                               zip(ids, stems[:n], stems[n:], strict=True))
                db.executemany(
                    "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    zip(ids, cols["id"], cols["outlet"], cols["language"],
                        [d is not None for d in cols["duplicate_of"]], cols["title"], cols["author"],
                        cols["published"], cols["url"], cols["capture_id"], cols["fetched_at"], strict=True))
                pending += texts
                rowid += n
                while len(pending) >= BLOCK:
                    block, pending = pending[:BLOCK], pending[BLOCK:]
                    _write_block(db, written // BLOCK, block)
                    written += len(block)
        if pending:
            _write_block(db, written // BLOCK, pending)
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("format", str(FORMAT)), ("day", ref.day), ("rev", str(ref.rev)), ("rows", str(rowid))])
        db.commit()
    finally:
        db.close()
    return rowid


def index_snapshot(store: Store, ref: SnapshotRef, stemmer: Stemmer | None = None) -> Pointer:
    """Build the snapshot's segment from its Parquet parts (each checked against the manifest) and store
    it in the archive, the pointer last."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newsarchive-index-") as tmp:
        local = Path(tmp) / "segment.sqlite"
        rows = build_segment(read_parquet_parts(store, ref), local, ref, stemmer)
        sha = store.put_file(segment_key(ref), local, overwrite=True)
        pointer = Pointer(ref.day, ref.rev, sha, local.stat().st_size, rows,
                          datetime.now(UTC).isoformat(timespec="seconds"))
    store.put_bytes(pointer_key(ref), pointer.to_bytes(), overwrite=True)
    logger.info("%s: search segment of %d articles in %.1f s", ref.label, rows, time.monotonic() - started)
    return pointer


def read_pointer(store: Store, ref: SnapshotRef) -> Pointer | None:
    try:
        pointer = Pointer.from_bytes(store.get_bytes(pointer_key(ref)))
    except ObjectNotFound:
        return None
    if (pointer.day, pointer.rev) != (ref.day, ref.rev):
        raise SegmentError(f"{store.url}/{pointer_key(ref)} names {pointer.day} rev {pointer.rev}, not {ref.label}")
    return pointer


def _write_block(db: sqlite3.Connection, block: int, texts: list[str]) -> None:
    data = "\x00".join(t.replace("\x00", "") for t in texts).encode("utf-8")  # NUL separates them
    db.execute("INSERT INTO texts VALUES (?, ?, ?)", (block, len(data), pa.compress(data, codec="zstd", asbytes=True)))


def read_text(db: sqlite3.Connection, rowid: int) -> str:
    """The original text of a row."""
    found = db.execute("SELECT size, data FROM texts WHERE block = ?", ((rowid - 1) // BLOCK,)).fetchone()
    if found is None:
        return ""
    data = pa.decompress(found[1], int(found[0]), codec="zstd", asbytes=True)
    texts = bytes(data).decode("utf-8").split("\x00")
    slot = (rowid - 1) % BLOCK
    return texts[slot] if slot < len(texts) else ""


def index_published(store: Store, ref: SnapshotRef) -> None:
    """The publish hook: the new snapshot's segment, best effort (the snapshot is complete whatever
    happens here; `newsarchive search-index` builds a segment that is missing)."""
    try:
        if read_pointer(store, ref) is None:
            index_snapshot(store, ref)
    except (NewsArchiveError, OSError, sqlite3.Error) as exc:
        logger.warning("%s: no search segment (%s); build it with `newsarchive search-index`", ref.label, exc)
