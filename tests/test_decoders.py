"""One validating decoder per stored object kind (issue 24), fuzzed: every object kind of a real archive
(written by the project's own writers) is mutated by a seeded sweep (tests/fuzz.py: byte flips, cuts,
insertions, deleted keys, type swaps, impossible values, the object deleted) and read back through the
kind's one reader. Each case must end as a decoded record that is usable, or as the kind's damaged-object
error (archive.snapshot.DamagedObject or a subclass) naming the object and its repair: never another
exception (a traceback), and never an accepted change to an object its checksum seals (forged).

`make test` prints the tally: `edges (damaged objects): N tried, N held, 0 tracebacks, 0 forged, 0 lost`.
The fast tier runs FAST cases per kind and mutation family; the slow tier (`-m slow`) SLOW."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from archive import layout
from archive.capture_index import IndexMissing, index_snapshot, index_source, read_index
from archive.cdxj import decode_index, lines_with_prefix
from archive.current_table import refresh_day
from archive.dedup_index import IncompatibleSegment, read_snapshot_segment, write_segment
from archive.records import Manifest
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    day_revs,
    load_manifest,
    publish_snapshot,
    read_claim,
)
from archive.store import LocalStore, ObjectNotFound, open_store
from archive.table_schema import read_day_file
from dedup.engine import Deduplicator, Document
from dedup.index import DedupIndex
from search.engine import open_segment
from search.segment import DamagedSegment, read_pointer
from search.segment import index_snapshot as index_search
from search.segments_local import open_segments
from search.text import Analyzer
from spiders.state import CrawlRun, CrawlState, commit_crawl_run, load_crawl_run, load_crawl_state
from tests import fuzz
from tests.archive.test_cdxj import _make_unindexed
from tests.archive.warcs import Page, page_html, row, write_warc
from tests.report import edge_row

FAST, SLOW = 24, 150  # mutations per family and kind
DAY, OLD_DAY = date(2026, 11, 20), date(2026, 11, 19)
OUTLET = "enabbaladi"
CLASS = "damaged objects"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> LocalStore:
    """Two days: 2026-11-19 published before indexes existed (a sidecar index), 2026-11-20 with
    everything a run writes (dedup segment, index, table file, search segment), a crawl state and a
    staged crawl."""
    tmp = tmp_path_factory.mktemp("decoders")
    store = open_store(tmp / "archive")
    assert isinstance(store, LocalStore)
    for day in (OLD_DAY, DAY):
        pages = [
            Page(
                f"https://www.enabbaladi.net/archives/{day.day}/{n}",
                f"<urn:uuid:00000000-0000-4000-8000-{day.day:06d}{n:06d}>",
                f"{day.isoformat()}T03:00:0{n}Z",
                page_html(f"عنوان {n}", f"نص الخبر رقم {n} في يوم {day.day} " * 20),
            )
            for n in range(3)
        ]
        rows = [{**row(n, p, OUTLET), "id": f"{day.day}-{n}"} for n, p in enumerate(pages)]
        warc = write_warc(
            tmp / f"{day}.warc.gz",
            pages,
            {p.record_id: r["id"] for p, r in zip(pages, rows, strict=True)},
        )
        deduplicator = Deduplicator(DedupIndex())
        docs = (Document(r["id"], r["text"], r["url"], r["canonical_url"]) for r in rows)
        list(deduplicator.run(docs))
        segment = tmp / f"{day}.npz"
        write_segment(deduplicator.index.segment(0), segment)
        ref, _ = publish_snapshot(
            store, day, rows, {OUTLET: warc}, extra={layout.dedup_index_key(""): segment}
        )
        refresh_day(store, day.isoformat())
        index_search(store, ref)
    old = SnapshotRef(OLD_DAY.isoformat(), 1)
    _make_unindexed(store, old)
    index_snapshot(store, old)  # its sidecar
    crawl = CrawlRun(
        OUTLET,
        DAY.isoformat(),
        "2026-11-20T03:00:00+00:00",
        fetched=[p["url"] for p in [row(0, pages[0], OUTLET)]],
        pending={"https://www.enabbaladi.net/archives/p": 1},
        gave_up={"https://www.enabbaladi.net/archives/g": "http_404"},
        validators={"https://www.enabbaladi.net/feed": {"etag": '"x"'}},
        discovery={
            "https://www.enabbaladi.net/archives/p": ["https://www.enabbaladi.net/feed", "t"]
        },
    )
    commit_crawl_run(store, crawl)
    store.put_bytes(STAGED_RUN, crawl.to_bytes())
    return store


STAGED_RUN = "staging/date=2026-11-20/run=fuzz/crawl/enabbaladi.state.json"
REF = SnapshotRef(DAY.isoformat(), 1)
OLD = SnapshotRef(OLD_DAY.isoformat(), 1)


# -- re-sealing: a structural mutation gets a right checksum, so the decoder has to catch it ----------------
def _reseal_manifest(store: LocalStore, ref: SnapshotRef) -> None:
    body = (store.root / ref.prefix / layout.MANIFEST).read_bytes()
    (store.root / ref.prefix / layout.SUCCESS).write_bytes(
        hashlib.sha256(body).hexdigest().encode() + b"\n"
    )


def _reseal_file(store: LocalStore, ref: SnapshotRef, key: str) -> None:
    """The manifest's entry for `key` made to match the file, then the manifest re-sealed."""
    path = store.root / ref.prefix / layout.MANIFEST
    manifest = json.loads(path.read_bytes())
    data = (store.root / key).read_bytes() if (store.root / key).exists() else b""
    for entry in manifest["files"]:
        if entry["key"] == key:
            entry["size"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    path.write_bytes(json.dumps(manifest).encode())
    _reseal_manifest(store, ref)


def _reseal_pointer(store: LocalStore, ref: SnapshotRef) -> None:
    path = store.root / layout.search_pointer_key(ref)
    pointer = json.loads(path.read_bytes())
    data = (store.root / layout.search_segment_key(ref)).read_bytes()
    pointer["size"], pointer["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    path.write_bytes(json.dumps(pointer).encode())


# -- structural views of the binary kinds -----------------------------------------------------------
def _npz_to_json(data: bytes) -> dict[str, Any]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {
            name: {"dtype": str(npz[name].dtype), "data": npz[name].tolist()} for name in npz.files
        }


def _npz_from_json(value: Any) -> bytes:
    """The arrays again, each with its dtype where the mutation left one that numpy takes."""
    out = io.BytesIO()
    arrays = {}
    for name, item in value.items() if isinstance(value, dict) else []:
        data = item.get("data") if isinstance(item, dict) else item
        try:
            arrays[str(name)] = np.array(data, dtype=item.get("dtype"))  # type: ignore[union-attr]
        except (TypeError, ValueError, AttributeError, OverflowError):
            try:
                arrays[str(name)] = np.array(data)
            except ValueError:  # ragged: an object array, which a segment never holds
                arrays[str(name)] = np.array(data, dtype=object)
    np.savez(out, **arrays)
    return out.getvalue()


def _cdxj_to_json(data: bytes) -> list[Any]:
    return [
        [*line.split(b" ", 2)[:2], json.loads(line.split(b" ", 2)[2])] for line in data.splitlines()
    ]


def _cdxj_from_json(value: Any) -> bytes:
    lines = []
    for item in value if isinstance(value, list) else [value]:
        if (
            isinstance(item, list)
            and len(item) == 3
            and all(isinstance(p, bytes) for p in item[:2])
        ):
            lines.append(item[0] + b" " + item[1] + b" " + fuzz.dumps(item[2]))
        else:
            lines.append(fuzz.dumps(item))
    return b"\n".join(lines) + b"\n"


def _cdxj_view(data: bytes) -> Any:
    # bytes are not JSON: keys and stamps as text for the mutator, back to bytes after
    return [[k.decode(), s.decode(), f] for k, s, f in _cdxj_to_json(data)]


def _cdxj_back(value: Any) -> bytes:
    items = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, list) and len(item) == 3 and all(isinstance(p, str) for p in item[:2]):
            items.append([item[0].encode(), item[1].encode(), item[2]])
        else:
            items.append(item)
    return _cdxj_from_json(items)


def _tar_to_json(data: bytes) -> dict[str, Any]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("meta.json")
        assert member is not None
        return json.loads(member.read())


def _tar_with_meta(original: bytes) -> Callable[[Any], bytes]:
    def encode(meta: Any) -> bytes:
        out = io.BytesIO()
        with (
            tarfile.open(fileobj=io.BytesIO(original)) as src,
            tarfile.open(fileobj=out, mode="w") as tar,
        ):
            for member in src:
                body = src.extractfile(member)
                data = (
                    fuzz.dumps(meta)
                    if member.name == "meta.json"
                    else (body.read() if body else b"")
                )
                info = tarfile.TarInfo(member.name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return out.getvalue()

    return encode


# -- what "usable" means for a record each reader returns ----------------------------------------------
def _use_manifest(m: Manifest) -> None:
    assert (m.day, m.rev) == (REF.day, REF.rev)
    for entry in m.files:
        assert entry.key.startswith(REF.prefix) and ".." not in entry.key.split("/")
        assert isinstance(entry.size, int) and len(entry.sha256) == 64
    for counts in m.outlets.values():
        counts.to_dict()
        assert all(isinstance(v, int) for v in (counts.archived, counts.new, counts.current))
    Manifest.from_bytes(m.to_bytes())


def _use_state(state: CrawlState) -> None:
    state.after(
        CrawlRun(OUTLET, "2026-11-21", "2026-11-21T03:00:00+00:00", fetched=["u"])
    ).to_bytes()
    state.archived_elsewhere("https://x.test/a", DAY.isoformat())
    state.validators_for("2026-11-21")
    state.last_crawl_before("2026-11-21")
    assert all(isinstance(n, int) for n in state.pending.values())


def _use_run(crawl: CrawlRun) -> None:
    CrawlState(OUTLET).after(crawl, {u: "timeout" for u in crawl.pending}).to_bytes()


def _use_segment(segment: dict[str, np.ndarray]) -> None:
    DedupIndex().add_segment(segment)


def _use_index(lines: list) -> None:
    for line in lines:
        assert line.fields["filename"].startswith("warc/") and ".." not in line.fields["filename"]
        int(line.fields["offset"]), int(line.fields["length"])


@dataclass(frozen=True)
class Kind:
    """One object kind: where it is, how it is read back (its one reader), whether a checksum seals it,
    how a structural mutation is re-sealed, and what its structure is."""

    name: str
    key: Callable[[LocalStore], str]
    read: Callable[[LocalStore, Path], Any]
    use: Callable[[Any], None] = lambda value: None
    sealed: bool = False
    reseal: Callable[[LocalStore], None] = lambda store: None
    to_json: Callable[[bytes], Any] | None = None
    from_json: Callable[[Any], bytes] = fuzz.dumps
    also_held: tuple[type[BaseException], ...] = ()


def _read_cdxj(store: LocalStore, tmp: Path) -> list:
    source = index_source(store, REF)
    data = read_index(store, source)
    list(
        lines_with_prefix(data, b"net,enabbaladi)/")
    )  # the binary search skips a bad line, never fails
    return decode_index(data, source.key)


def _read_sidecar(store: LocalStore, tmp: Path) -> bytes:
    return read_index(store, index_source(store, OLD))


def _read_day_file(store: LocalStore, tmp: Path) -> Any:
    return read_day_file(store.root / layout.current_table_key(DAY.isoformat()), DAY.isoformat())


def _read_segment(store: LocalStore, tmp: Path) -> Any:
    """What a search reads: a damaged day is listed (then raised here, to be counted), never raised."""
    coverage = open_segments(store, tmp / "cache", None, None, Analyzer().identity)
    assert len(coverage.segments) + len(coverage.damaged) + len(coverage.missing) == 2
    if coverage.damaged:
        raise DamagedSegment(coverage.damaged[0])
    for segment in coverage.segments:
        open_segment(segment)
    return coverage


def _read_claim(store: LocalStore, tmp: Path) -> Any:
    day_revs(store, DAY)  # a damaged claim is named and read as none
    return read_claim(store, REF)


KINDS = [
    Kind(
        "manifest",
        lambda s: REF.prefix + layout.MANIFEST,
        lambda s, tmp: load_manifest(s, REF),
        _use_manifest,
        sealed=True,
        reseal=lambda s: _reseal_manifest(s, REF),
        to_json=json.loads,
    ),
    Kind(
        "_SUCCESS",
        lambda s: REF.prefix + layout.SUCCESS,
        lambda s, tmp: load_manifest(s, REF),
        sealed=True,
    ),
    Kind("claim", lambda s: REF.prefix + layout.CLAIM, _read_claim, to_json=json.loads),
    Kind(
        "crawl state",
        lambda s: layout.crawl_state_key(OUTLET),
        lambda s, tmp: load_crawl_state(s, OUTLET),
        _use_state,
        to_json=lambda b: json.loads(gzip.decompress(b)),
        from_json=lambda v: gzip.compress(fuzz.dumps(v)),
    ),
    Kind(
        "staged crawl",
        lambda s: STAGED_RUN,
        lambda s, tmp: load_crawl_run(s, STAGED_RUN, OUTLET),
        _use_run,
        to_json=json.loads,
        also_held=(ObjectNotFound,),  # gone: committed and cleaned up by an earlier attempt
    ),
    Kind(
        "dedup segment",
        lambda s: layout.dedup_index_key(REF.prefix),
        lambda s, tmp: read_snapshot_segment(s, REF, tmp),
        _use_segment,
        sealed=True,
        reseal=lambda s: _reseal_file(s, REF, layout.dedup_index_key(REF.prefix)),
        to_json=_npz_to_json,
        from_json=_npz_from_json,
        also_held=(IncompatibleSegment,),
    ),
    Kind(
        "CDXJ index",
        lambda s: layout.cdxj_index_key(REF.prefix),
        _read_cdxj,
        _use_index,
        sealed=True,
        reseal=lambda s: _reseal_file(s, REF, layout.cdxj_index_key(REF.prefix)),
        to_json=_cdxj_view,
        from_json=_cdxj_back,
    ),
    Kind(
        "sidecar record",
        lambda s: layout.sidecar_record_key(OLD),
        _read_sidecar,
        to_json=json.loads,
        also_held=(IndexMissing,),
    ),
    Kind("sidecar index", lambda s: layout.sidecar_index_key(OLD), _read_sidecar, sealed=True),
    Kind("table day file", lambda s: layout.current_table_key(DAY.isoformat()), _read_day_file),
    Kind(
        "search pointer",
        lambda s: layout.search_pointer_key(REF),
        lambda s, tmp: read_pointer(s, REF),
        to_json=json.loads,
    ),
    Kind(
        "search segment",
        lambda s: layout.search_segment_key(REF),
        _read_segment,
        sealed=True,
        reseal=lambda s: _reseal_pointer(s, REF),
        to_json=_tar_to_json,
    ),
]


def _sweep(store: LocalStore, kind: Kind, count: int, seed: int) -> list[str]:
    """Every mutation of the kind read back; the failures (tracebacks and forgeries) as lines."""
    path = store.root / kind.key(store)
    original = path.read_bytes()
    from_json = kind.from_json
    if kind.name == "search segment":
        from_json = _tar_with_meta(original)
    failures = []
    for mutation, structural in fuzz.sweep(
        original, seed, count, to_json=kind.to_json, from_json=from_json
    ):
        # tantivy's reader may still write its lock file in the cache as the directory goes
        with tempfile.TemporaryDirectory(prefix="fuzz-", ignore_cleanup_errors=True) as tmp:
            try:
                if mutation.data is None:
                    path.unlink()
                else:
                    path.write_bytes(mutation.data)
                if structural:
                    kind.reseal(store)
                changed = mutation.data != original
                try:
                    value = kind.read(store, Path(tmp))
                    kind.use(value)
                except (DamagedObject, *kind.also_held):
                    edge_row(CLASS, held=True)
                    continue
                except Exception as exc:  # noqa: BLE001 - what the test is for: anything else is a bug
                    edge_row(CLASS, held=False, traceback=True)
                    failures.append(
                        f"{kind.name}: {mutation.name}: {type(exc).__name__}: {exc}"[:300]
                    )
                    continue
                forged = (
                    kind.sealed
                    and changed
                    and not structural
                    and not _same_marker(kind, original, mutation.data)
                )
                edge_row(CLASS, held=not forged, forged=forged)
                if forged:
                    failures.append(f"{kind.name}: {mutation.name}: accepted as true")
            finally:
                path.write_bytes(original)
                if structural:
                    kind.reseal(store)
    return failures


def _same_marker(kind: Kind, original: bytes, data: bytes | None) -> bool:
    """A marker differing only in surrounding whitespace is the same marker."""
    return kind.name == "_SUCCESS" and data is not None and data.strip() == original.strip()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_mutation_of_every_kind_is_decoded_or_named(archive, kind):
    assert _sweep(archive, kind, FAST, seed=24) == []


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_many_more_mutations_of_every_kind(archive, kind):
    assert _sweep(archive, kind, SLOW, seed=2024) == []


def test_a_damaged_object_names_itself_and_its_repair(archive):
    """What the user reads: the object's place in the archive and the command (or act) that repairs it."""
    cases = {
        layout.crawl_state_key(OUTLET): (
            "newsarchive repair crawl-state enabbaladi",
            lambda: load_crawl_state(archive, OUTLET),
        ),
        REF.prefix + layout.MANIFEST: (
            "snapshots verify 2026-11-20 --rev 1",
            lambda: load_manifest(archive, REF),
        ),
        layout.sidecar_record_key(OLD): (
            "snapshots index 2026-11-19 --rev 1",
            lambda: index_source(archive, OLD),
        ),
        layout.search_pointer_key(REF): (
            "search-index --rebuild --since 2026-11-20",
            lambda: read_pointer(archive, REF),
        ),
        layout.current_table_key(DAY.isoformat()): (
            "table rebuild --since 2026-11-20",
            lambda: _read_day_file(archive, Path()),
        ),
        REF.prefix + layout.CLAIM: ("newsarchive gc", lambda: read_claim(archive, REF)),
        layout.dedup_index_key(REF.prefix): (
            "restore it from a copy",
            lambda: read_snapshot_segment(archive, REF, archive.root.parent),
        ),
        layout.search_segment_key(REF): (
            "search-index --rebuild --since 2026-11-20",
            lambda: _read_segment(archive, archive.root.parent),
        ),
    }
    for key, (repair, read) in cases.items():
        path = archive.root / key
        original = path.read_bytes()
        try:
            path.write_bytes(b"\x1f\x8b garbage")
            with pytest.raises(DamagedObject) as caught:
                read()
            assert key in str(caught.value) and repair in str(caught.value), str(caught.value)
        finally:
            path.write_bytes(original)
