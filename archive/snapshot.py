"""Dated snapshots: written whole (success marker last) under a new rev, read and verified back."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from archive import layout
from archive.progress import progress
from archive.store import ObjectExists, ObjectNotFound, Store, sha256_file

logger = logging.getLogger(__name__)

ARTICLE_SCHEMA = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("canonical_url", pa.string()),
    ("outlet", pa.string()), ("title", pa.string()), ("author", pa.string()),
    ("published", pa.string()), ("date_source", pa.string()), ("modified", pa.string()),
    ("language", pa.string()), ("text", pa.string()),
    ("duplicate_of", pa.string()), ("revision_of", pa.string()), ("reason", pa.string()),
    ("similarity", pa.float64()),
    ("capture_id", pa.string()), ("fetched_at", pa.string()),
])


class SnapshotNotFound(LookupError):
    pass


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


def _claim_rev(store: Store, day: date) -> SnapshotRef:
    """The next free rev for the day, claimed with a conditional write so two publishers never share one."""
    existing = [
        parsed[1] for info in store.list(f"{layout.SNAPSHOTS}/date={day.isoformat()}/")
        if (parsed := layout.parse_snapshot_key(info.key))
    ]
    rev = max(existing, default=0) + 1
    while True:
        ref = SnapshotRef(day.isoformat(), rev)
        try:
            store.put_bytes(ref.prefix + "_CLAIM", datetime.now(UTC).isoformat().encode())
            return ref
        except ObjectExists:
            rev += 1


def articles_table(rows: list[dict]) -> pa.Table:
    """Rows as an Arrow table in the snapshot schema, built column by column (30x faster than from_pylist)."""
    return pa.table(
        {field.name: pa.array([row.get(field.name) for row in rows], type=field.type) for field in ARTICLE_SCHEMA},
        schema=ARTICLE_SCHEMA,
    )


def publish_snapshot(
    store: Store,
    day: date,
    articles: list[dict],
    warcs: dict[str, Path],
    *,
    counts: dict,
    run: dict,
    extra: dict[str, Path] | None = None,
    workers: int = 8,
) -> tuple[SnapshotRef, dict]:
    """Write articles (Parquet, hive partitions), WARCs and `extra` files (key under the snapshot prefix ->
    local path), then the manifest, then _SUCCESS.

    The WARCs start uploading at once; the Parquet parts are encoded while they go up."""
    ref = _claim_rev(store, day)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for article in articles:
        groups[(article["outlet"], article.get("language") or "und")].append(article)
    with tempfile.TemporaryDirectory(prefix="newsarchive-publish-") as tmp, \
            ThreadPoolExecutor(max_workers=workers) as pool:
        warc_uploads = [(layout.warc_key(ref.prefix, outlet), path, {}) for outlet, path in sorted(warcs.items())]
        extra_uploads = [(ref.prefix + name, path, {}) for name, path in sorted((extra or {}).items())]
        pending = [pool.submit(_upload_one, store, item) for item in warc_uploads + extra_uploads]
        for (outlet, lang), rows in sorted(groups.items()):
            local = Path(tmp) / f"{outlet}-{lang}.parquet"
            pq.write_table(articles_table(rows), local, compression="zstd")
            item = (layout.articles_key(ref.prefix, outlet, lang), local, {"rows": len(rows)})
            pending.append(pool.submit(_upload_one, store, item))
        files = [future.result() for future in progress(pending, total=len(pending), desc="publish", unit="file")]
    files.sort(key=lambda entry: entry["key"])
    manifest = {
        "snapshot": {"date": ref.day, "rev": ref.rev},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **run,
        "counts": counts,
        "files": files,
    }
    body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    store.put_bytes(ref.prefix + layout.MANIFEST, body)
    store.put_bytes(ref.prefix + layout.SUCCESS, hashlib.sha256(body).hexdigest().encode() + b"\n")
    logger.info("published snapshot %s rev %d: %d files", ref.day, ref.rev, len(files))
    return ref, manifest


def _upload_one(store: Store, item: tuple[str, Path, dict]) -> dict:
    key, path, extra = item
    digest = store.put_file(key, path)
    return {"key": key, "size": path.stat().st_size, "sha256": digest, **extra}


# -- readers --------------------------------------------------------------------------------
def list_snapshots(store: Store, since: date | None = None, until: date | None = None) -> list[SnapshotRef]:
    """Complete snapshots (with their success marker) dated in [since, until], oldest first.

    A range of up to a month lists only its days' prefixes; anything longer lists the archive once."""
    if since and until and (until - since).days < 31:
        prefixes = [f"{layout.SNAPSHOTS}/date={(since + timedelta(days=n)).isoformat()}/"
                    for n in range((until - since).days + 1)]
    else:
        prefixes = [f"{layout.SNAPSHOTS}/"]
    refs = set()
    for prefix in prefixes:
        for info in store.list(prefix):
            if info.key.endswith("/" + layout.SUCCESS) and (parsed := layout.parse_snapshot_key(info.key)):
                refs.add(SnapshotRef(*parsed))
    low, high = (since or date.min).isoformat(), (until or date.max).isoformat()
    return sorted((r for r in refs if low <= r.day <= high), key=lambda r: (r.day, r.rev))


def resolve_snapshot(store: Store, day: str, rev: int | None = None) -> SnapshotRef:
    """The newest complete rev of the day (or the rev asked for); a missing day names the nearest."""
    complete = list_snapshots(store)
    matches = [r for r in complete if r.day == day and (rev is None or r.rev == rev)]
    if matches:
        return matches[-1]
    days = sorted({r.day for r in complete})
    if not days:
        raise SnapshotNotFound(f"no snapshot for {day}: the archive {store.url} has no complete snapshots yet")
    if any(r.day == day for r in complete):
        revs = [r.rev for r in complete if r.day == day]
        raise SnapshotNotFound(f"snapshot {day} has no complete rev {rev}; complete revs: {revs}")
    target = date.fromisoformat(day)
    nearest = sorted(days, key=lambda d: abs((date.fromisoformat(d) - target).days))[:3]
    raise SnapshotNotFound(f"no snapshot for {day}; nearest dates: {', '.join(sorted(nearest))}")


def read_manifest(store: Store, ref: SnapshotRef) -> dict:
    return json.loads(store.get_bytes(ref.prefix + layout.MANIFEST))


def verify_snapshot(store: Store, ref: SnapshotRef) -> list[str]:
    """Fixity check: every file's size and SHA-256 against the manifest. Returns the problems."""
    manifest_bytes = store.get_bytes(ref.prefix + layout.MANIFEST)
    problems = []
    marker = store.get_bytes(ref.prefix + layout.SUCCESS).decode().strip()
    if marker != hashlib.sha256(manifest_bytes).hexdigest():
        problems.append(f"{ref.prefix}{layout.MANIFEST}: does not match the checksum in {layout.SUCCESS}")
    manifest = json.loads(manifest_bytes)
    with tempfile.TemporaryDirectory(prefix="newsarchive-verify-") as tmp:
        for entry in manifest["files"]:
            local = Path(tmp) / "object"
            try:
                store.download(entry["key"], local)
            except ObjectNotFound:
                problems.append(f"{entry['key']}: missing")
                continue
            size, digest = local.stat().st_size, sha256_file(local)
            if size != entry["size"] or digest != entry["sha256"]:
                problems.append(
                    f"{entry['key']}: expected {entry['size']} bytes sha256 {entry['sha256']}, "
                    f"found {size} bytes sha256 {digest}"
                )
    return problems


def read_parquet_parts(store: Store, ref: SnapshotRef, keep=lambda key: True) -> list[pa.Table]:
    """The snapshot's Parquet parts whose key `keep` accepts, downloaded and read."""
    tables = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-read-") as tmp:
        for n, entry in enumerate(read_manifest(store, ref)["files"]):
            if entry["key"].endswith(".parquet") and keep(entry["key"]):
                local = Path(tmp) / f"{n}.parquet"
                store.download(entry["key"], local)
                tables.append(pq.read_table(local))
    return tables


def read_articles(store: Store, ref: SnapshotRef) -> pa.Table:
    tables = read_parquet_parts(store, ref)
    return pa.concat_tables(tables) if tables else ARTICLE_SCHEMA.empty_table()
