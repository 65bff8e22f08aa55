"""A snapshot as WACZ files (one per outlet), for ReplayWeb.page, pywb and every tool that reads WACZ 1.1.1:

    archive/<outlet>-<day>-rev<N>.warc.gz   the outlet's WARC of the snapshot, and of each older rev whose
                                            WARC holds a row's capture (rows carried forward) or the
                                            original of a revisit (a requisite stored on an earlier day)
    indexes/index.cdxj                      the snapshot's own CDXJ lines for those WARCs (filename: the
                                            WARC's name in archive/), sorted; no metadata record is a capture
    pages/pages.jsonl                       one page per archived article: url, ts (capture time), title,
                                            and its clean text (`text`), id = the article id
    datapackage.json, datapackage-digest.json   every file's size and SHA-256; the package's SHA-256, and
                                            with a signing key its `signedData` (archive/wacz_signing.py)

Every file read from the archive is checked against its manifest (or index record) first.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive import layout
from archive.capture_index import IndexMissing, index_source, read_index, read_index_lines
from archive.cdxj import CdxjLine, decode_index, lines_with_prefix, url_prefix, write_index
from archive.records import ArchivedRow
from archive.snapshot import (
    DamagedObject,
    SnapshotRef,
    day_revs,
    download_checked,
    list_snapshots,
    load_manifest,
    read_rows,
)
from archive.store import Store, sha256_file
from archive.wacz_signing import sign_package
from common.escape import json_text
from common.files import atomic_output

if TYPE_CHECKING:
    from archive.seal import Sealer

WACZ_VERSION = "1.1.1"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class WaczFile:
    outlet: str
    path: Path
    warcs: int
    pages: int
    captures: int
    size: int
    signature: str = "unsigned"  # how it is signed, one line


def export_wacz(
    store: Store,
    ref: SnapshotRef,
    dest: Path,
    outlet: str | None = None,
    *,
    seal: Sealer | None = None,
) -> list[WaczFile]:
    """One WACZ per outlet of the snapshot (or just `outlet`) in dest: `<day>-rev<N>-<outlet>.wacz`, signed
    per the WACZ signing spec with the operator's key when `seal` has one."""
    manifest = load_manifest(store, ref)
    outlets = [o for o in sorted(manifest.outlets) if outlet is None or o == outlet]
    if outlet is not None and not outlets:
        raise LookupError(
            f"snapshot {ref.label} has no outlet {outlet!r}; it has {', '.join(sorted(manifest.outlets))}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    rows = read_rows(store, manifest)
    written = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-wacz-") as tmp:
        indexes: dict[SnapshotRef, list[CdxjLine]] = {}
        for name in outlets:
            own = [r for r in rows if r.outlet == name]
            needed = {SnapshotRef.from_label(r.carried_from) for r in own if r.carried_from} | {ref}
            if ref not in indexes:
                indexes[ref] = _index_of(store, ref, Path(tmp), rows)
            if _has_revisits(indexes[ref], layout.warc_key("", name)):
                needed |= _earlier_complete_revs(
                    store, ref
                )  # a revisit's original is in the day's earlier revs
            warcs: dict[str, Path] = {}
            digests: dict[
                str, str
            ] = {}  # checked against the manifest on download: not hashed again
            lines: list[bytes] = []

            # then a requisite stored once across days: its revisits' originals in earlier days' WARCs
            for phase in ("snapshot", "originals"):
                sources = (
                    sorted(needed, key=lambda s: (s.day, s.rev))
                    if phase == "snapshot"
                    else _holding_originals(store, ref, name, lines, needed)
                )
                for source in sources:
                    key = layout.warc_key(source.prefix, name)
                    entry = (manifest if source == ref else load_manifest(store, source)).file(key)
                    if entry is None:
                        continue  # an outlet with no crawl in this rev (not run): nothing to package
                    local = Path(tmp) / f"{name}-{source.day}-rev{source.rev}.warc.gz"
                    download_checked(store, entry, local)
                    warcs[local.name] = local
                    digests[local.name] = entry.sha256
                    if source not in indexes:
                        indexes[source] = _index_of(
                            store, source, Path(tmp), rows if source == ref else []
                        )
                    lines += _lines_for(indexes[source], layout.warc_key("", name), local.name)
            if not warcs:
                continue
            out = dest / f"{ref.day}-rev{ref.rev}-{name}.wacz"
            pages = _pages(own, lines)
            signature = write_wacz(
                out,
                warcs,
                sorted(lines),
                pages,
                digests=digests,
                title=f"{name}: snapshot {ref.label}",
                description=f"newsarchive snapshot {ref.label} of {name} ({len(pages)} articles)",
                seal=seal,
            )
            written.append(
                WaczFile(
                    name, out, len(warcs), len(pages), len(lines), out.stat().st_size, signature
                )
            )
    return written


def _index_of(store: Store, ref: SnapshotRef, tmp: Path, rows: list[ArchivedRow]) -> list[CdxjLine]:
    """The rev's index as published (checked and decoded), or built here from its WARCs if it has none."""
    try:
        return read_index_lines(store, index_source(store, ref))
    except IndexMissing:
        manifest = load_manifest(store, ref)
        warcs: dict[str, Path] = {}
        for entry in manifest.files:
            if entry.key.endswith(".warc.gz"):
                local = tmp / f"index-{ref.day}-{ref.rev}-{len(warcs)}.warc.gz"
                download_checked(store, entry, local)
                warcs[entry.key.removeprefix(ref.prefix)] = local
        out = tmp / f"index-{ref.day}-{ref.rev}.cdxj"
        write_index(warcs, rows or read_rows(store, manifest), out)
        return decode_index(out.read_bytes(), str(out))


def _has_revisits(index: list[CdxjLine], filename: str) -> bool:
    return any(
        line.fields["filename"] == filename and line.fields.get("mime") == "warc/revisit"
        for line in index
    )


def _earlier_complete_revs(store: Store, ref: SnapshotRef) -> set[SnapshotRef]:
    """The day's complete revs below `ref`: where a same-day rerun's revisits find their originals."""
    revs = day_revs(store, date.fromisoformat(ref.day), claims_of_complete=False)
    return {
        SnapshotRef(ref.day, rev)
        for rev, state in revs.items()
        if rev < ref.rev and state.complete and not state.abandoned
    }


def _holding_originals(
    store: Store, ref: SnapshotRef, outlet: str, lines: list[bytes], packed: set[SnapshotRef]
) -> list[SnapshotRef]:
    """The earlier snapshots whose WARC of `outlet` holds the original of a revisit in `lines` that the
    package does not hold yet, newest first (each index read once, checked)."""
    entries = [json.loads(line.split(b" ", 2)[2]) for line in lines]  # the lines packed so far
    present = {e.get("digest") for e in entries if e.get("mime") != "warc/revisit"}
    missing = {
        (str(e.get("refers_to_uri") or e.get("url")), str(e.get("digest")))
        for e in entries
        if e.get("mime") == "warc/revisit" and e.get("digest") not in present
    }
    found: list[SnapshotRef] = []
    filename = layout.warc_key("", outlet)
    for source in reversed(list_snapshots(store, until=date.fromisoformat(ref.day))):
        if not missing:
            break
        if source in packed:
            continue
        try:
            index = read_index(store, index_source(store, source))
        except (IndexMissing, DamagedObject):
            continue
        held = {
            (uri, digest)
            for uri, digest in missing
            for _key, _stamp, e in lines_with_prefix(index, url_prefix(uri))
            if e.get("url") == uri
            and e.get("digest") == digest
            and e.get("mime") != "warc/revisit"
            and e.get("filename") == filename
        }
        if held:
            found.append(source)
            missing -= held
    return found


def _lines_for(index: list[CdxjLine], filename: str, renamed: str) -> list[bytes]:
    """The index lines of one WARC, its filename replaced by its name in the WACZ's archive/ folder."""
    return [
        replace(line, fields={**line.fields, "filename": renamed}).to_bytes()
        for line in index
        if line.fields["filename"] == filename
    ]


def _pages(rows: list[ArchivedRow], lines: list[bytes]) -> list[dict[str, Any]]:
    """A page per article whose capture is in the package: url and ts exactly as captured."""
    captured: dict[str, tuple[str, str]] = {}
    for line in lines:
        _key, stamp, raw = line.split(b" ", 2)
        entry = json.loads(raw)
        if entry.get("record_id"):
            t = stamp.decode()
            captured[entry["record_id"]] = (
                entry["url"],
                f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z",
            )
    pages = []
    for row in rows:
        if row.capture_id in captured:
            url, ts = captured[row.capture_id]
            pages.append(
                {
                    "id": row.id,
                    "url": url,
                    "ts": ts,
                    "title": row.title,
                    "text": row.text,
                    "duplicate_of": row.duplicate_of,
                    "published": _published(row),
                    "language": row.language,
                }
            )
    return pages


def write_wacz(
    out: Path,
    warcs: dict[str, Path],
    index_lines: list[bytes],
    pages: list[dict[str, Any]],
    *,
    title: str,
    description: str,
    digests: dict[str, str] | None = None,
    seal: Sealer | None = None,
) -> str:
    """Write a WACZ: WARCs stored as they are (never recompressed), the index and pages deflated, then
    datapackage.json with every file's SHA-256 and datapackage-digest.json (signed with `seal`'s key).
    Written to a temporary name and renamed, so a WACZ appears whole or not at all. Returns how it is
    signed, one line."""
    header = {"format": "json-pages-1.0", "id": "pages", "title": "Articles", "hasText": True}
    pages_bytes = b"".join(json_text(p).encode() + b"\n" for p in [header, *pages])
    index_bytes = b"".join(line + b"\n" for line in index_lines)
    resources = []
    with atomic_output(out) as partial, zipfile.ZipFile(partial, "w", allowZip64=True) as wacz:
        for name, path in sorted(warcs.items()):
            info = zipfile.ZipInfo.from_file(path, f"archive/{name}")
            info.compress_type = zipfile.ZIP_STORED
            with path.open("rb") as src, wacz.open(info, "w", force_zip64=True) as dst:
                while block := src.read(_CHUNK):
                    dst.write(block)
            digest = (digests or {}).get(name) or sha256_file(path)
            resources.append(_resource(f"archive/{name}", path.stat().st_size, digest))
        for name, data in (("indexes/index.cdxj", index_bytes), ("pages/pages.jsonl", pages_bytes)):
            wacz.writestr(zipfile.ZipInfo(name, _now()), data, compress_type=zipfile.ZIP_DEFLATED)
            resources.append(_resource(name, len(data), hashlib.sha256(data).hexdigest()))
        main = pages[0] if pages else None
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        package: dict[str, Any] = {
            "profile": "data-package",
            "resources": resources,
            "title": title,
            "description": description,
            "created": created,
            "wacz_version": WACZ_VERSION,
            "software": "newsarchive",
        }
        if main:
            package.update(mainPageURL=main["url"], mainPageDate=main["ts"])
        package_bytes = json_text(package, indent=2).encode()
        wacz.writestr(
            zipfile.ZipInfo("datapackage.json", _now()),
            package_bytes,
            compress_type=zipfile.ZIP_DEFLATED,
        )
        package_digest: dict[str, Any] = {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
        }
        signed = sign_package(seal, package_digest["hash"], created, "newsarchive")
        if signed.signed_data is not None:
            package_digest["signedData"] = signed.signed_data
        wacz.writestr(
            zipfile.ZipInfo("datapackage-digest.json", _now()),
            json.dumps(package_digest, indent=2),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return signed.how


def _resource(path: str, size: int, sha256: str) -> dict[str, Any]:
    return {
        "name": path.rsplit("/", 1)[-1].lower(),
        "path": path,
        "hash": f"sha256:{sha256}",
        "bytes": size,
    }


def _now() -> tuple[int, int, int, int, int, int]:
    t = datetime.now(UTC)
    return (t.year, t.month, t.day, t.hour, t.minute, t.second)


def _published(row: ArchivedRow) -> str | None:
    """The publication time as ISO 8601 (UTC), or the day when the page gives only that."""
    when = row.published or row.published_date
    return when.isoformat() if when else None
