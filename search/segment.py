"""An index segment: one tantivy index per snapshot (day and rev) over the stems of each article's title
and text (search/text.py, fed through a whitespace tokenizer so tantivy never re-tokenises them), with
the fields a hit is cited with and its text in the index's document store.

Stored in the archive beside the snapshots, never inside them (a snapshot is never rewritten):
`search/v2/date=D/rev=N/segment.tar` (the index's files), then `segment.json` (its SHA-256, size and row
count) last, so a segment without its pointer, or one whose bytes do not match it, is not there. A
segment is derived data: building it again replaces it (same rows, same result). Format 1 (an SQLite
FTS5 file under search/v1/) is no longer read: `newsarchive search-index` builds format 2 beside it."""

from __future__ import annotations

import json
import logging
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import tantivy

from archive import layout
from archive.snapshot import SnapshotRef, read_parquet_parts
from archive.store import ObjectNotFound, Store
from common.errors import NewsArchiveError
from search.text import Stemmer

logger = logging.getLogger(__name__)
FORMAT = layout.SEARCH_FORMAT
BATCH = 2048
TOKENIZER = "stems"
MAX_TOKEN = 200  # bytes; longer "words" (hostile pages) are not indexed
WRITER_HEAP = 64_000_000


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
        return json.dumps(
            {
                "format": FORMAT,
                "snapshot": {"date": self.day, "rev": self.rev},
                "sha256": self.sha256,
                "size": self.size,
                "rows": self.rows,
                "built_at": self.built_at,
            }
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Pointer:
        try:
            raw = json.loads(data)
            if raw["format"] != FORMAT:
                raise ValueError(f"format {raw['format']!r}, this version reads {FORMAT}")
            return cls(
                str(raw["snapshot"]["date"]),
                int(raw["snapshot"]["rev"]),
                str(raw["sha256"]),
                int(raw["size"]),
                int(raw["rows"]),
                str(raw.get("built_at", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SegmentError(f"not a search segment pointer ({exc})") from None


def indexed_refs(store: Store) -> set[SnapshotRef]:
    """The snapshots whose segment pointer is in the archive (one listing)."""
    found = set()
    for info in store.list(layout.SEARCH_PREFIX):
        parsed = layout.parse_search_key(info.key)
        if parsed and info.key.endswith("/segment.json"):
            found.add(SnapshotRef(parsed[1], parsed[2]))
    return found


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", tokenizer_name=TOKENIZER)  # stems, with positions (phrases)
    builder.add_text_field("body", tokenizer_name=TOKENIZER)
    builder.add_text_field("outlet", tokenizer_name="raw", fast=True)
    builder.add_text_field(
        "lang", tokenizer_name="raw"
    )  # the tag and each of its prefixes: ar-SY, ar
    builder.add_integer_field("dup", indexed=True, fast=True)
    builder.add_bytes_field("record", stored=True)  # JSON: the fields a hit is cited with
    builder.add_bytes_field("text", stored=True)  # the original text (UTF-8), for snippets
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN))
        .build()
    )


def open_index(path: Path) -> tantivy.Index:
    index = tantivy.Index.open(str(path))
    index.register_tokenizer(TOKENIZER, _analyzer())
    return index


def lang_terms(lang: str | None) -> list[str]:
    """A language tag and its prefixes (ar-SY: ar-SY and ar), so `--lang ar` finds both."""
    parts = (lang or "").split("-")
    return [t for t in ("-".join(parts[:n]) for n in range(len(parts), 0, -1)) if t]


def build_segment(
    tables: list[pa.Table], path: Path, ref: SnapshotRef, stemmer: Stemmer | None = None
) -> int:
    """Write the index of these article tables (the snapshot schema) into the directory `path`; the
    number of rows."""
    stemmer = stemmer or Stemmer()
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema(), path=str(path), reuse=False)
    index.register_tokenizer(TOKENIZER, _analyzer())
    writer = index.writer(WRITER_HEAP, 1)
    rows = 0
    for table in tables:
        for batch in table.to_batches(BATCH):
            cols = batch.to_pydict()
            n = batch.num_rows
            titles = [t or "" for t in cols["title"]]
            texts = [t or "" for t in cols["text"]]
            stems = stemmer.index_text(titles + texts)
            for i in range(n):
                dup = cols["duplicate_of"][i] is not None
                record = {
                    "day": ref.day,
                    "rev": ref.rev,
                    "id": cols["id"][i],
                    "outlet": cols["outlet"][i],
                    "dup": dup,
                    "title": cols["title"][i],
                    "author": cols["author"][i],
                    "published": _iso(cols["published"][i] or cols["published_date"][i]),
                    "url": cols["url"][i],
                    "lang": cols["language"][i],
                    "capture_id": cols["capture_id"][i],
                    "fetched_at": _iso(cols["fetched_at"][i]),
                }
                writer.add_document(
                    tantivy.Document(
                        title=stems[i],
                        body=stems[n + i],
                        outlet=cols["outlet"][i] or "",
                        lang=lang_terms(cols["language"][i]),
                        dup=int(dup),
                        record=json.dumps(record, ensure_ascii=False, default=str).encode(),
                        text=texts[i].encode("utf-8", "replace"),
                    )
                )
            rows += n
    writer.commit()
    writer.wait_merging_threads()
    return rows


def _iso(value: date | None) -> str | None:
    """A date or time of the typed columns (archive/schema.py) as ISO 8601 text, as hits cite it."""
    return value.isoformat() if value is not None else None


def pack(directory: Path, target: Path) -> None:
    """The index's files as one tar (names only, no owners or times: the same index, the same bytes)."""
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for file in sorted(directory.iterdir()):
            if file.is_file() and not file.name.startswith(".tantivy-"):  # tantivy's lock files
                info = tarfile.TarInfo(file.name)
                info.size = file.stat().st_size
                info.mode = 0o644
                with file.open("rb") as fh:
                    tar.addfile(info, fh)


def unpack(archive: Path, directory: Path) -> None:
    """Extract a segment's tar (plain file names only: a crafted member cannot escape `directory`)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r") as tar:
            for member in tar:
                if not member.isfile() or "/" in member.name or member.name in ("", ".", ".."):
                    raise SegmentError(
                        f"unexpected member {member.name[:60]!r} in a search segment"
                    )
                source = tar.extractfile(member)
                if source is None:
                    raise SegmentError(
                        f"unreadable member {member.name[:60]!r} in a search segment"
                    )
                with source, (directory / member.name).open("wb") as out:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
    except (tarfile.TarError, EOFError) as exc:
        raise SegmentError(f"not a search segment ({exc})") from None


def index_snapshot(store: Store, ref: SnapshotRef, stemmer: Stemmer | None = None) -> Pointer:
    """Build the snapshot's segment from its Parquet parts (each checked against the manifest) and store
    it in the archive, the pointer last."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newsarchive-index-") as tmp:
        local = Path(tmp) / "segment.tar"
        rows = build_segment(read_parquet_parts(store, ref), Path(tmp) / "index", ref, stemmer)
        pack(Path(tmp) / "index", local)
        sha = store.put_file(layout.search_segment_key(ref), local, overwrite=True)
        pointer = Pointer(
            ref.day,
            ref.rev,
            sha,
            local.stat().st_size,
            rows,
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
    store.put_bytes(layout.search_pointer_key(ref), pointer.to_bytes(), overwrite=True)
    logger.info(
        "%s: search segment of %d articles in %.1f s", ref.label, rows, time.monotonic() - started
    )
    return pointer


def read_pointer(store: Store, ref: SnapshotRef) -> Pointer | None:
    try:
        pointer = Pointer.from_bytes(store.get_bytes(layout.search_pointer_key(ref)))
    except ObjectNotFound:
        return None
    if (pointer.day, pointer.rev) != (ref.day, ref.rev):
        raise SegmentError(
            f"{store.url}/{layout.search_pointer_key(ref)} names {pointer.day} rev {pointer.rev}, not {ref.label}"
        )
    return pointer


def index_published(store: Store, ref: SnapshotRef) -> None:
    """The publish hook: the new snapshot's segment, best effort (the snapshot is complete whatever
    happens here; `newsarchive search-index` builds a segment that is missing)."""
    try:
        if read_pointer(store, ref) is None:
            index_snapshot(store, ref)
    except (NewsArchiveError, OSError, ValueError) as exc:
        logger.warning(
            "%s: no search segment (%s); build it with `newsarchive search-index`", ref.label, exc
        )
