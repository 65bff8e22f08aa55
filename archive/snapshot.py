"""Dated snapshots: claimed, written whole (success marker last) under a new rev, read and verified back.

A rev is claimed with a create-only `_CLAIM` object naming its run. Revs of one day are ordered: before a
run carries the day's rows forward it waits until every lower rev is complete or dead (its publisher's
process is gone, or its claim is older than the lease), so two runs of one date at once never hide each
other's articles. A retried publish of the same run finds its own claim: complete, it is returned as it
is (exactly once); incomplete, it is abandoned (never visible, removed by `newsarchive gc`) and the run
claims a new rev.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from archive import layout
from archive.cdxj import write_index
from archive.progress import progress
from archive.records import (
    ArchivedRow,
    FileEntry,
    Manifest,
    RecordError,
    rows_table,
    table_rows,
)
from archive.schema import ARTICLE_SCHEMA, SchemaError, conform
from archive.store import ObjectExists, ObjectNotFound, Store, StoreError, sha256_file
from common import decode
from common.errors import DamagedObject, NewsArchiveError
from common.timing import timed

if TYPE_CHECKING:
    from archive.seal import Sealer

logger = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(hours=6)
_LANG_KEY = re.compile(
    r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}"
)  # a claim older than this whose publisher cannot be asked is dead

__all__ = [
    "ARTICLE_SCHEMA",
    "SnapshotRef",
    "SnapshotNotFound",
    "DamagedObject",
    "FixityError",
    "MissingFile",
]


class SnapshotNotFound(NewsArchiveError, LookupError):
    reason = "snapshot_missing"


class FixityError(DamagedObject):
    """Downloaded bytes differ from the manifest."""


class MissingFile(FixityError):
    """A file the manifest lists is not in the archive."""


@dataclass(frozen=True)
class SnapshotRef:
    day: str
    rev: int

    @property
    def prefix(self) -> str:
        return layout.snapshot_prefix(date.fromisoformat(self.day), self.rev)

    @property
    def label(self) -> str:
        """How runs, manifests and messages name a snapshot: "2026-11-21 rev 1"."""
        return f"{self.day} rev {self.rev}"

    @classmethod
    def from_label(cls, label: str) -> SnapshotRef:
        day, _, rev = label.partition(" rev ")
        return cls(day, int(rev))


# -- claiming a rev ---------------------------------------------------------------------------------
_RUN_ID = re.compile(r"[^\x00-\x1f\x7f]{1,250}")


GENERATION_CHARS = (
    1 << 20
)  # a run's staged outputs, one token per outlet (newsarchive/run/lifecycle)


@dataclass(frozen=True)
class Claim:
    """A rev's `_CLAIM`: the run that claimed it, the staged data it publishes, and its publisher."""

    run_id: str
    generation: str
    host: str
    pid: int
    claimed_at: str  # ISO 8601 with its offset

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "run_id": self.run_id,
                "generation": self.generation,
                "host": self.host,
                "pid": self.pid,
                "claimed_at": self.claimed_at,
            }
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Claim:
        """The claim's one decoder: decode.Malformed names the first field that is wrong."""
        f = decode.Fields(decode.json_value(data))
        claimed_at = f.get("claimed_at", decode.moment)
        if datetime.fromisoformat(claimed_at).tzinfo is None:
            raise decode.Malformed("claimed_at", f"{claimed_at!r} has no UTC offset")
        return cls(
            run_id=f.get("run_id", lambda v, w: decode.text(v, w, pattern=_RUN_ID)),
            generation=f.get(
                "generation", lambda v, w: decode.text(v, w, limit=GENERATION_CHARS), ""
            ),
            host=f.get("host", lambda v, w: decode.text(v, w, limit=255)),
            pid=f.get("pid", lambda v, w: decode.whole(v, w, low=1, high=2**31 - 1)),
            claimed_at=claimed_at,
        )


def read_claim(store: Store, ref: SnapshotRef) -> Claim | None:
    """The rev's claim; None if it has none. A damaged claim is DamagedObject naming it."""
    try:
        data = store.get_bytes(ref.prefix + layout.CLAIM)
    except ObjectNotFound:
        return None
    try:
        return Claim.from_bytes(data)
    except decode.Malformed as exc:
        raise DamagedObject(
            f"{store.url}/{ref.prefix}{layout.CLAIM} is damaged ({exc}); it only tells who "
            f"publishes {ref.label}: the rev counts as unclaimed (an incomplete one is removed by "
            "`newsarchive gc` once it is older than the lease)"
        ) from None


@dataclass(frozen=True)
class RevState:
    rev: int
    claim: Claim | None
    complete: bool
    abandoned: bool


def day_revs(store: Store, day: date, *, claims_of_complete: bool = True) -> dict[int, RevState]:
    """Every rev of the day with its state; a complete rev's claim is read only if asked for. A damaged
    claim is named in a warning and read as none."""
    names: dict[int, set[str]] = defaultdict(set)
    for info in store.list(layout.day_prefix(day)):
        if parsed := layout.parse_snapshot_key(info.key):
            names[parsed[1]].add(info.key.rsplit("/", 1)[-1])
    revs = {}
    for rev, files in names.items():
        complete = layout.SUCCESS in files
        claim = None
        if layout.CLAIM in files and (claims_of_complete or not complete):
            try:
                claim = read_claim(store, SnapshotRef(day.isoformat(), rev))
            except DamagedObject as exc:
                logger.warning("%s", exc)
        revs[rev] = RevState(rev, claim, complete, layout.ABANDONED in files)
    return revs


def owner_gone(claim: Claim | None, lease: timedelta) -> bool:
    if claim is None:
        return True  # a rev without a readable claim was never claimed by this version
    if datetime.now(UTC) - datetime.fromisoformat(claim.claimed_at) > lease:
        return True
    if claim.host == socket.gethostname():
        try:
            os.kill(claim.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    return False


def published_by(
    store: Store, day: date, run_id: str, generation: str | None = None
) -> SnapshotRef | None:
    """The complete rev a run published for the day from the staged data of `generation` (None: any), if it
    did: a retried publish finds it here. A run cleared and run again stages a new generation."""
    for state in sorted(day_revs(store, day).values(), key=lambda s: s.rev):
        if (
            state.complete
            and not state.abandoned
            and state.claim
            and state.claim.run_id == run_id
            and (generation is None or state.claim.generation == generation)
        ):
            return SnapshotRef(day.isoformat(), state.rev)
    return None


def claim_rev(store: Store, day: date, run_id: str, generation: str = "") -> SnapshotRef:
    """The next free rev of the day, claimed with a conditional write so two publishers never share one.
    The run's own incomplete claims (a publish that died part-way) are abandoned first: never completed."""
    revs = day_revs(store, day, claims_of_complete=False)
    for state in revs.values():
        if (
            state.claim
            and state.claim.run_id == run_id
            and not state.complete
            and not state.abandoned
        ):
            abandon(store, SnapshotRef(day.isoformat(), state.rev), f"publish of {run_id} retried")
    rev = max(revs, default=0) + 1
    body = Claim(
        run_id=run_id,
        generation=generation,
        host=socket.gethostname(),
        pid=os.getpid(),
        claimed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    ).to_bytes()
    while True:
        ref = SnapshotRef(day.isoformat(), rev)
        try:
            store.put_bytes(ref.prefix + layout.CLAIM, body)
            return ref
        except ObjectExists:
            rev += 1


def abandon(store: Store, ref: SnapshotRef, why: str) -> None:
    """Mark a claimed rev as never to be completed (best effort: a rev whose publisher is gone is treated
    the same way, and `newsarchive gc` removes both)."""
    try:
        store.put_bytes(ref.prefix + layout.ABANDONED, why.encode())
    except ObjectExists:
        pass
    except StoreError as exc:
        logger.warning(
            "could not mark %s abandoned (%s); gc will remove it once its publisher is gone",
            ref.label,
            exc,
        )


def wait_for_lower_revs(
    store: Store, ref: SnapshotRef, *, lease: timedelta = CLAIM_LEASE, poll_s: float = 0.5
) -> SnapshotRef | None:
    """Wait until every rev below `ref` is complete, abandoned or dead; then the newest complete one whose
    manifest decodes (the base whose rows this rev carries forward), or None. A damaged rev is named in
    a warning and passed over: its rows cannot be read, so they cannot be carried, and the run goes on."""
    day = date.fromisoformat(ref.day)
    waited = False
    while True:
        revs = {
            r: s for r, s in day_revs(store, day, claims_of_complete=False).items() if r < ref.rev
        }
        live = [
            s
            for s in revs.values()
            if not s.complete and not s.abandoned and not owner_gone(s.claim, lease)
        ]
        if not live:
            complete = [r for r, s in revs.items() if s.complete and not s.abandoned]
            return newest_readable(store, [SnapshotRef(ref.day, r) for r in sorted(complete)])
        if not waited:
            logger.info(
                "%s: waiting for %s to finish publishing",
                ref.label,
                ", ".join(f"rev {s.rev} ({s.claim.run_id if s.claim else '?'})" for s in live),
            )
            waited = True
        time.sleep(poll_s)


def newest_readable(store: Store, refs: list[SnapshotRef]) -> SnapshotRef | None:
    """The newest of `refs` (oldest first) whose manifest decodes; each damaged one named in a warning."""
    for ref in reversed(refs):
        try:
            load_manifest(store, ref)
            return ref
        except DamagedObject as exc:
            logger.warning("%s: not carried forward: %s", ref.label, exc)
    return None


# -- writing ----------------------------------------------------------------------------------------
def write_snapshot(
    store: Store,
    ref: SnapshotRef,
    rows: list[ArchivedRow],
    warcs: dict[str, Path],
    manifest: Manifest,
    *,
    extra: dict[str, Path] | None = None,
    workers: int = 8,
    seal: Sealer | None = None,
) -> Manifest:
    """Write articles (Parquet, hive partitions by outlet and language), WARCs, their CDXJ index and `extra`
    files (key under the snapshot prefix -> local path), then the manifest (with every file's size and SHA-256),
    its signature and timestamp (`seal`: archive/seal.py), then _SUCCESS (the manifest's SHA-256). The WARCs
    start uploading at once; Parquet parts are encoded while they go up. Nothing is visible to readers
    before _SUCCESS."""
    groups: dict[tuple[str, str], list[ArchivedRow]] = defaultdict(list)
    for row in rows:  # a partition value is a key: only a well-formed language tag becomes one
        lang = row.language if row.language and _LANG_KEY.fullmatch(row.language) else "und"
        groups[(row.outlet, lang)].append(row)
    with (
        tempfile.TemporaryDirectory(prefix="newsarchive-publish-") as tmp,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        uploads = [
            (layout.warc_key(ref.prefix, outlet), path, None)
            for outlet, path in sorted(warcs.items())
        ]
        uploads += [(ref.prefix + name, path, None) for name, path in sorted((extra or {}).items())]
        with timed("publish.upload"):  # from the first file sent to the last one stored
            pending = [pool.submit(_upload_one, store, item) for item in uploads]
            index = (
                Path(tmp) / "index.cdxj"
            )  # every capture of the WARCs (archive/cdxj.py), listed like any file
            with timed("publish.cdxj"):
                write_index(
                    {layout.warc_key("", outlet): path for outlet, path in warcs.items()},
                    rows,
                    index,
                )
            pending.append(
                pool.submit(_upload_one, store, (layout.cdxj_index_key(ref.prefix), index, None))
            )
            with timed("publish.parquet"):  # encoded while the files above go up
                for n, ((outlet, lang), group) in enumerate(sorted(groups.items())):
                    local = Path(tmp) / f"part-{n}.parquet"
                    pq.write_table(rows_table(group), local, compression="zstd")
                    pending.append(
                        pool.submit(
                            _upload_one,
                            store,
                            (layout.articles_key(ref.prefix, outlet, lang), local, len(group)),
                        )
                    )
            files = [
                future.result()
                for future in progress(pending, total=len(pending), desc="publish", unit="file")
            ]
    manifest.files = sorted(files, key=lambda entry: entry.key)
    if seal is not None:
        manifest.signing = seal.manifest_entry()
    with timed("publish.manifest"):  # the manifest, its seal, then _SUCCESS
        body = manifest.to_bytes()
        store.put_bytes(ref.prefix + layout.MANIFEST, body, publish=True)
        if seal is not None:
            from archive.seal import seal_manifest

            seal_manifest(store, ref, body, seal)
        store.put_bytes(
            ref.prefix + layout.SUCCESS,
            hashlib.sha256(body).hexdigest().encode() + b"\n",
            publish=True,
        )
    logger.info("published snapshot %s: %d files", ref.label, len(files))
    return manifest


def _upload_one(store: Store, item: tuple[str, Path, int | None]) -> FileEntry:
    key, path, rows = item
    digest = store.put_file(key, path, publish=True)
    return FileEntry(key=key, size=path.stat().st_size, sha256=digest, rows=rows)


# -- readers --------------------------------------------------------------------------------
def list_snapshots(
    store: Store, since: date | None = None, until: date | None = None
) -> list[SnapshotRef]:
    """Complete snapshots (with their success marker) dated in [since, until], oldest first.

    A range of up to a month lists only its days' prefixes; anything longer lists the archive once."""
    if since and until and (until - since).days < 31:
        prefixes = [
            layout.day_prefix(since + timedelta(days=n)) for n in range((until - since).days + 1)
        ]
    else:
        prefixes = [f"{layout.SNAPSHOTS}/"]
    refs, abandoned = set(), set()
    for prefix in prefixes:
        for info in store.list(prefix):
            if (parsed := layout.parse_snapshot_key(info.key)) is None:
                continue
            if info.key.endswith("/" + layout.SUCCESS):
                refs.add(SnapshotRef(*parsed))
            elif info.key.endswith("/" + layout.ABANDONED):
                abandoned.add(SnapshotRef(*parsed))
    refs -= abandoned  # a publisher that outlived its abandoned claim never makes it visible
    low, high = (since or date.min).isoformat(), (until or date.max).isoformat()
    return sorted((r for r in refs if low <= r.day <= high), key=lambda r: (r.day, r.rev))


def newest_revs(
    store: Store, since: date | None = None, until: date | None = None
) -> list[SnapshotRef]:
    """The newest complete rev of every day in the range: the day as readers see it (each rev carries
    forward what the day's earlier revs held, so the newest one is the whole day)."""
    best: dict[str, SnapshotRef] = {}
    for ref in list_snapshots(store, since, until):
        best[ref.day] = ref
    return [best[d] for d in sorted(best)]


def resolve_snapshot(store: Store, day: str, rev: int | None = None) -> SnapshotRef:
    """The newest complete rev of the day (or the rev asked for); a missing day names the nearest."""
    complete = list_snapshots(store)
    matches = [r for r in complete if r.day == day and (rev is None or r.rev == rev)]
    if matches:
        return matches[-1]
    days = sorted({r.day for r in complete})
    if not days:
        raise SnapshotNotFound(
            f"no snapshot for {day}: the archive {store.url} has no complete snapshots yet"
        )
    if any(r.day == day for r in complete):
        revs = [r.rev for r in complete if r.day == day]
        raise SnapshotNotFound(f"snapshot {day} has no complete rev {rev}; complete revs: {revs}")
    target = date.fromisoformat(day)
    nearest = sorted(days, key=lambda d: abs((date.fromisoformat(d) - target).days))[:3]
    raise SnapshotNotFound(
        f"no snapshot for {day} in {store.url}; nearest dates: {', '.join(sorted(nearest))}"
    )


def damaged_snapshot(store: Store, ref: SnapshotRef, name: str, problem: str) -> DamagedObject:
    """The error for a damaged object of a published rev: it names the object and the repair."""
    return DamagedObject(
        f"{store.url}/{ref.prefix}{name} {problem}; the snapshot {ref.label} is damaged: restore the "
        f"object from a copy (the SHA-256 in {layout.SUCCESS} or the manifest names the right one); "
        f"`newsarchive snapshots verify {ref.day} --rev {ref.rev}` names the rest"
    )


def read_manifest_bytes(store: Store, ref: SnapshotRef) -> bytes:
    """The manifest, checked against the SHA-256 in the success marker. A manifest or marker that is
    missing from a listed rev is damage (DamagedObject), like one that does not match."""
    try:
        marker = store.get_bytes(ref.prefix + layout.SUCCESS)
    except ObjectNotFound:
        raise damaged_snapshot(store, ref, layout.SUCCESS, "is gone") from None
    try:
        body = store.get_bytes(ref.prefix + layout.MANIFEST)
    except ObjectNotFound:
        raise damaged_snapshot(
            store, ref, layout.MANIFEST, f"is missing while its {layout.SUCCESS} is there"
        ) from None
    if marker.strip() != hashlib.sha256(body).hexdigest().encode():
        raise damaged_snapshot(
            store, ref, layout.MANIFEST, f"does not match the SHA-256 in its {layout.SUCCESS}"
        )
    return body


def load_manifest(store: Store, ref: SnapshotRef) -> Manifest:
    """The rev's manifest through its one decoder (records.Manifest.from_bytes), checked against its
    marker and its own rev: DamagedObject naming the object and the repair otherwise."""
    return manifest_and_bytes(store, ref)[0]


def manifest_and_bytes(store: Store, ref: SnapshotRef) -> tuple[Manifest, bytes]:
    """load_manifest, with the manifest's bytes as stored (what a sidecar index is bound to)."""
    body = read_manifest_bytes(store, ref)
    try:
        manifest = Manifest.from_bytes(body)
    except RecordError as exc:
        raise damaged_snapshot(store, ref, layout.MANIFEST, f"does not decode: {exc}") from None
    if (manifest.day, manifest.rev) != (ref.day, ref.rev):
        raise damaged_snapshot(
            store, ref, layout.MANIFEST, f"is the manifest of {manifest.day} rev {manifest.rev}"
        )
    return manifest, body


def read_manifest(store: Store, ref: SnapshotRef) -> dict[str, Any]:
    """The manifest as JSON (checked like load_manifest)."""
    data: dict[str, Any] = json.loads(manifest_and_bytes(store, ref)[1])
    return data


def download_checked(store: Store, entry: FileEntry, local: Path) -> None:
    """Download one listed file and check its size and SHA-256 against the manifest (MissingFile if
    it is not there: damage, like a wrong checksum)."""
    try:
        store.download(entry.key, local)
    except ObjectNotFound:
        raise MissingFile(
            f"{store.url}/{entry.key}: listed in its manifest but missing; restore it from a copy "
            f"(its SHA-256 is {entry.sha256})"
        ) from None
    size, digest = local.stat().st_size, sha256_file(local)
    if size != entry.size or digest != entry.sha256:
        raise FixityError(
            f"{entry.key}: expected {entry.size} bytes sha256 {entry.sha256}, found {size} bytes "
            f"sha256 {digest} (archive {store.url}); do not trust it: restore it from a copy (the manifest's SHA-256 names the right one)"
        )


def read_rows(
    store: Store, manifest: Manifest, keep: Callable[[str], bool] = lambda key: True
) -> list[ArchivedRow]:
    """The snapshot's rows from the Parquet parts whose key `keep` accepts, each part checked first."""
    rows: list[ArchivedRow] = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-read-") as tmp:
        for n, entry in enumerate(manifest.files):
            if entry.key.endswith(".parquet") and keep(entry.key):
                local = Path(tmp) / f"{n}.parquet"
                download_checked(store, entry, local)
                rows += table_rows(_conformed(store, entry, pq.read_table(local)))
    return rows


def read_parquet_parts(
    store: Store,
    ref: SnapshotRef,
    keep: Callable[[str], bool] = lambda key: True,
    manifest: Manifest | None = None,
) -> list[pa.Table]:
    """The snapshot's Parquet parts whose key `keep` accepts, each checked against the manifest (given, or
    loaded here), as tables in this version's schema (archive/schema.py conform: an older part converted,
    columns it lacks null)."""
    manifest = manifest or load_manifest(store, ref)
    tables: list[pa.Table] = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-read-") as tmp:
        for n, entry in enumerate(manifest.files):
            if entry.key.endswith(".parquet") and keep(entry.key):
                local = Path(tmp) / f"{n}.parquet"
                download_checked(store, entry, local)
                tables.append(_conformed(store, entry, pq.read_table(local)))
    return tables


def _conformed(store: Store, entry: FileEntry, table: pa.Table) -> pa.Table:
    """A part of any readable schema version in this version's (archive/schema.py); one this version
    cannot read is named."""
    try:
        return conform(table)
    except SchemaError as exc:
        raise SchemaError(f"{store.url}/{entry.key}: {exc}") from None


def read_articles(store: Store, ref: SnapshotRef) -> pa.Table:
    tables = read_parquet_parts(store, ref)
    return pa.concat_tables(tables) if tables else ARTICLE_SCHEMA.empty_table()


def publish_snapshot(
    store: Store,
    day: date,
    articles: list[Any],
    warcs: dict[str, Path],
    *,
    run_id: str = "manual",
    extra: dict[str, Path] | None = None,
    seal: Sealer | None = None,
) -> tuple[SnapshotRef, Manifest]:
    """Claim the day's next rev and write exactly these rows (dicts or ArchivedRow), with no carry-forward:
    the low-level writer (benchmarks, imports). Runs publish through newsarchive/run/lifecycle/."""
    from archive.records import OutletCounts

    rows = [a if isinstance(a, ArchivedRow) else ArchivedRow.from_dict(a) for a in articles]
    ref = claim_rev(store, day, run_id)
    outlets = {}
    for o in sorted({r.outlet for r in rows} | set(warcs)):
        own = [r for r in rows if r.outlet == o]
        current = sum(1 for r in own if not r.duplicate_of)
        outlets[o] = OutletCounts(
            archived=len(own),
            new=current,
            current=current,
            duplicates=len(own) - current,
            languages=dict(Counter(r.language for r in own)),
        )
    manifest = Manifest(
        day=ref.day,
        rev=ref.rev,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id=run_id,
        software="newsarchive",
        config_hash="",
        outlets=outlets,
        files=[],
        archived=len(rows),
        new=sum(1 for r in rows if not r.duplicate_of),
        duplicates=sum(1 for r in rows if r.duplicate_of),
    )
    try:
        return ref, write_snapshot(store, ref, rows, warcs, manifest, extra=extra, seal=seal)
    except BaseException:
        abandon(store, ref, f"publish of {run_id} failed")
        raise
