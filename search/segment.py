"""An index segment: one tantivy index per snapshot (day and rev) over the stems of each article's title
and text (search/text.py, fed through a whitespace tokenizer so tantivy never re-tokenises them). Its
document store holds only where each article is: the snapshot, the row's place in the snapshot's Parquet
parts (in manifest order) and its id; a hit's citation and snippet come from that row
(search/rows_local.py), so the text is not stored a second time.

Stored in the archive beside the snapshots, never inside them (a snapshot is never rewritten):
`search/v3/date=D/rev=N/segment.tar` (the index's files), then `segment.json` (its SHA-256, size and row
count) last, so a segment without its pointer, or one whose bytes do not match it, is not there. A
segment is derived data: building it again replaces it (same rows, same result). Earlier formats (1: an
SQLite FTS5 file under search/v1/; 2: tantivy with the text and citation fields stored, search/v2/) are
no longer read: `newsarchive search-index` builds format 3 beside them."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import tantivy

from archive import layout
from archive.records import Manifest
from archive.snapshot import SnapshotRef, load_manifest, read_parquet_parts
from archive.store import ObjectNotFound, Store
from common import decode
from common.errors import DamagedObject, NewsArchiveError
from common.resources import exhausted
from search.text import Stemmer

logger = logging.getLogger(__name__)
FORMAT = layout.SEARCH_FORMAT
BATCH = 2048
TOKENIZER = "stems"
MAX_TOKEN = 200  # bytes; longer "words" (hostile pages) are not indexed
WRITER_HEAP = 64_000_000
_SEGMENT_ID = re.compile(r"[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}")  # tantivy's UUIDs


class SegmentError(NewsArchiveError):
    reason = "search_segment"


class DamagedSegment(SegmentError, DamagedObject):
    """A segment or its pointer does not decode: derived data, built again by `newsarchive search-index
    --rebuild`; the day is not searched until then."""


def rebuild_hint(day: str) -> str:
    return f"`newsarchive search-index --rebuild --since {day} --until {day}` builds it again"


@dataclass(frozen=True)
class Pointer:
    """What `segment.json` says of its segment."""

    day: str
    rev: int
    sha256: str
    size: int
    rows: int
    built_at: str
    parts: str  # parts_digest of the snapshot's Parquet parts the rows are placed in

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "snapshot": {"date": self.day, "rev": self.rev},
                "sha256": self.sha256,
                "size": self.size,
                "rows": self.rows,
                "built_at": self.built_at,
                "parts": self.parts,
            }
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Pointer:
        """The pointer's one decoder; DamagedSegment names the first field that is wrong."""
        try:
            f = decode.Fields(decode.json_value(data))
            version = f.get("format", decode.whole)
            if version != FORMAT:
                raise decode.Malformed("format", f"{version}, this version reads {FORMAT}")
            snapshot = f.child("snapshot")
            return cls(
                snapshot.get("date", decode.day),
                snapshot.get("rev", lambda v, w: decode.whole(v, w, low=1, high=10**9)),
                f.get("sha256", decode.sha256),
                f.get("size", decode.whole),
                f.get("rows", decode.whole),
                f.get("built_at", decode.text, ""),
                f.get("parts", decode.sha256),
            )
        except decode.Malformed as exc:
            raise DamagedSegment(f"not a search segment pointer ({exc})") from None


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
    builder.add_bytes_field("at", stored=True)  # where the row is: Location.to_bytes()
    return builder.build()


@dataclass(frozen=True)
class Location:
    """Where an indexed article is: its snapshot, its place among the snapshot's Parquet rows (parts in
    manifest order) and its id (checked when the row is read)."""

    day: str
    rev: int
    row: int
    id: str

    def to_bytes(self) -> bytes:
        return f"{self.day} {self.rev} {self.row} {self.id}".encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Location:
        try:
            day, rev, row, article = data.decode("utf-8").split(" ", 3)
            return cls(day, int(rev), int(row), article)
        except ValueError:
            raise SegmentError(f"not a search segment location: {data[:60]!r}") from None


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
            cols = batch.select(
                ["id", "title", "text", "outlet", "language", "duplicate_of"]
            ).to_pydict()
            n = batch.num_rows
            titles = [t or "" for t in cols["title"]]
            texts = [t or "" for t in cols["text"]]
            stems = stemmer.index_text(titles + texts)
            for i in range(n):
                writer.add_document(
                    tantivy.Document(
                        title=stems[i],
                        body=stems[n + i],
                        outlet=cols["outlet"][i] or "",
                        lang=lang_terms(cols["language"][i]),
                        dup=int(cols["duplicate_of"][i] is not None),
                        at=Location(ref.day, ref.rev, rows + i, cols["id"][i]).to_bytes(),
                    )
                )
            rows += n
    writer.commit()
    writer.wait_merging_threads()
    return rows


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
                    raise DamagedSegment(
                        f"unexpected member {member.name[:60]!r} in a search segment"
                    )
                source = tar.extractfile(member)
                if source is None:
                    raise DamagedSegment(
                        f"unreadable member {member.name[:60]!r} in a search segment"
                    )
                with source, (directory / member.name).open("wb") as out:
                    while chunk := source.read(1 << 20):
                        out.write(chunk)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DamagedSegment(f"not a search segment ({exc})") from None
    try:
        meta = decode.Fields(decode.json_value((directory / "meta.json").read_bytes()), "meta.json")
        meta.get("schema", lambda v, w: decode.items(v, w, decode.obj))
        meta.get("index_settings", decode.obj)
        meta.get("segments", lambda v, w: decode.items(v, w, _meta_segment))
        open_index(directory).searcher()  # tantivy reads its meta.json and every segment's footer
    except FileNotFoundError:
        raise DamagedSegment("not a search segment (it has no meta.json)") from None
    except (decode.Malformed, ValueError, OSError) as exc:
        raise DamagedSegment(f"not a search segment ({str(exc)[:300]})") from None


def _meta_segment(value: object, where: str) -> dict[str, object]:
    f = decode.Fields(value, where)
    f.get("segment_id", lambda v, w: decode.text(v, w, pattern=_SEGMENT_ID))
    f.get("max_doc", decode.whole)
    return f.data


def parts_digest(manifest: Manifest) -> str:
    """Names the Parquet parts of a snapshot (their SHA-256s, in manifest order): the rows a segment's
    locations count in."""
    parts = [entry.sha256 for entry in manifest.files if entry.key.endswith(".parquet")]
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()


def index_snapshot(store: Store, ref: SnapshotRef, stemmer: Stemmer | None = None) -> Pointer:
    """Build the snapshot's segment from its Parquet parts (each checked against the manifest) and store
    it in the archive, the pointer last."""
    started = time.monotonic()
    parts = parts_digest(load_manifest(store, ref))
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
            parts,
        )
    store.put_bytes(layout.search_pointer_key(ref), pointer.to_bytes(), overwrite=True)
    logger.info(
        "%s: search segment of %d articles in %.1f s", ref.label, rows, time.monotonic() - started
    )
    return pointer


def read_pointer(store: Store, ref: SnapshotRef) -> Pointer | None:
    """The segment's pointer (None: the rev has no segment); DamagedSegment naming it and the repair."""
    key = layout.search_pointer_key(ref)
    try:
        pointer = Pointer.from_bytes(store.get_bytes(key))
    except ObjectNotFound:
        return None
    except DamagedSegment as exc:
        raise DamagedSegment(f"{store.url}/{key}: {exc}; {rebuild_hint(ref.day)}") from None
    if (pointer.day, pointer.rev) != (ref.day, ref.rev):
        raise DamagedSegment(
            f"{store.url}/{key} names {pointer.day} rev {pointer.rev}, not {ref.label}; "
            + rebuild_hint(ref.day)
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
            "%s: no search segment (%s); build it with `newsarchive search-index`",
            ref.label,
            exhausted(exc) or exc,  # a full disk is named as one
        )
