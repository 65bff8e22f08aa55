"""The CDXJ index of a snapshot: one line per capture (response, revisit or resource record) of its WARCs,
sorted by SURT key as pywb, py-wacz and `cdxj-indexer` write it, so archivists' tools read it as it is.

    net,enabbaladi)/archives/215637 20261121030512 {"url": ..., "mime": "text/html", "status": "200",
        "digest": "sha1:...", "length": "5120", "offset": "8192", "filename": "warc/enabbaladi.warc.gz",
        "record_id": "<urn:uuid:...>", "article": "<article id>", "duplicate_of": null}

Beyond the standard fields each line names its WARC record, the archived article made from it (if any),
whether that article was a duplicate, its canonical URL and the article it is a revision of
(`canonical_url`, `revision_of`: how `captures` follows a story across slug changes); a revision line
names the capture it refers to (`refers_to_uri`, `refers_to_date`). Our WARC `metadata` records (article links) are never indexed: they
are not captures of a page.

A snapshot holds its index at `indexes/index.cdxj` (in its manifest, with its SHA-256); older ones get
a sidecar (archive/capture_index.py).
"""

from __future__ import annotations

import io
import json
import logging
import mmap
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.exceptions import ArchiveLoadFailed

from archive.records import ArchivedRow
from common import cdxj_entry, decode
from common.cdxj_entry import sidecar_name
from common.errors import DamagedObject
from common.escape import header, json_text

logger = logging.getLogger(__name__)

Buffer = (
    bytes | mmap.mmap
)  # an index in memory, or a cached one mapped (only the pages searched are read)
INDEXED_RECORDS = ",".join(cdxj_entry.INDEXED_RECORDS)
_EXTRA_FIELDS = {
    "warc-record-id": "record_id",
    "warc-refers-to-target-uri": "refers_to_uri",
    "warc-refers-to-date": "refers_to_date",
}


# -- writing ------------------------------------------------------------------------------------------
def index_lines(path: Path, filename: str, articles: dict[str, ArchivedRow]) -> list[bytes]:
    """The CDXJ lines of one WARC (unsorted), `filename` as it is named in the index: the crawl's sidecar
    beside it when it checks out (`sidecar_lines`), else by reading the WARC. A WARC damaged part-way
    yields the lines of the records before the damage (logged), never an error."""
    raw = sidecar_lines(path, filename)
    if raw is None:
        raw = _read_lines(path, filename)
    lines = []
    for line in raw:
        parsed = cdxj_line(line)
        if parsed is None:
            if line:
                logger.warning(
                    "%s: left out an index line of a damaged record: %.80r", filename, line
                )
            continue
        key, stamp, entry = parsed
        for name, ours in _EXTRA_FIELDS.items():
            if name in entry:
                entry[ours] = entry.pop(name)
        row = articles.get(entry.get("record_id", ""))
        if row is not None:
            entry["article"] = row.id
            entry["duplicate_of"] = row.duplicate_of
            entry["canonical_url"] = row.canonical_url
            entry["revision_of"] = row.revision_of
        lines.append(f"{key} {stamp} {json_text(entry, sort_keys=True)}".encode())
    return lines


def sidecar_lines(path: Path, filename: str) -> list[str] | None:
    """The lines the crawl wrote with the WARC at `path` (common/cdxj_entry.py, `<name>.cdxj` beside it),
    if every one is a CDXJ line of `filename` whose record lies inside the file, in file order without
    overlap; None (logged when it exists) otherwise: the WARC is read instead."""
    sidecar = path.with_name(sidecar_name(path.name))
    try:
        text = sidecar.read_text(encoding="utf-8")
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        logger.warning("%s: CDXJ sidecar not read (%s); reading the WARC", filename, exc)
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    end = 0
    for n, line in enumerate(lines, 1):
        parsed = cdxj_line(line)
        entry = parsed[2] if parsed else {}
        offset, length = str(entry.get("offset", "")), str(entry.get("length", ""))
        problem = None
        if parsed is None:
            problem = "not a CDXJ line"
        elif entry.get("filename") != filename:
            problem = f"names {entry.get('filename')!r}"
        elif not (offset.isdigit() and length.isdigit()):
            problem = "no numeric offset and length"
        elif int(offset) < end or int(offset) + int(length) > size:
            problem = f"record at {offset} (+{length}) outside the file or out of order"
        if problem:
            logger.warning("%s: CDXJ sidecar line %d %s; reading the WARC", filename, n, problem)
            return None
        end = int(offset) + int(length)
    return lines


def _read_lines(path: Path, filename: str) -> list[str]:
    """The indexer's lines of the WARC itself, up to a damaged record."""
    from cdxj_indexer.main import (
        CDXJIndexer,  # the write path only: `captures` starts faster without it
    )

    buf = io.StringIO()
    indexer = CDXJIndexer(
        output=buf,
        inputs=[],
        filename=filename,
        records=INDEXED_RECORDS,
        fields=",".join(_EXTRA_FIELDS),
    )
    try:
        with path.open("rb") as fh:
            indexer.process_one(fh, buf, filename)
    except (
        ArchiveLoadFailed,
        OSError,
        EOFError,
        ValueError,
        TypeError,
        zlib.error,
    ) as exc:  # TypeError: a WARC-Date warcio cannot parse
        # the exception may quote the damaged bytes: one line, cut short, every control shown
        logger.warning("%s: indexed up to a damaged record (%s)", filename, header(str(exc), 300))
    # split on newlines only: str.splitlines() also splits at \x85 or \u2028 inside a damaged URL
    return buf.getvalue().split("\n")


def cdxj_line(line: str) -> tuple[str, str, dict[str, Any]] | None:
    """`<key> <timestamp> {json}` as its three parts, or None for anything else (an empty line, or what
    the indexer made of a damaged record)."""
    parts = line.split(" ", 2)
    if len(parts) != 3:
        return None
    try:
        entry = json.loads(parts[2])
    except ValueError:
        return None
    return (parts[0], parts[1], entry) if isinstance(entry, dict) else None


def write_index(warcs: dict[str, Path], rows: Iterable[ArchivedRow], out: Path) -> int:
    """Index WARCs (name in the index -> local file) into `out`, sorted byte-wise (as `LC_ALL=C sort`,
    which pywb's binary search expects); the number of lines."""
    articles = {row.capture_id: row for row in rows if row.capture_id}
    lines = [
        line for name, path in sorted(warcs.items()) for line in index_lines(path, name, articles)
    ]
    lines.sort()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"".join(line + b"\n" for line in lines))
    return len(lines)


HOST_VARIANTS = (
    "m.",
    "amp.",
    "mobile.",
)  # hosts of the same pages that SURT keys apart (www. it folds)


def url_prefix(url: str) -> bytes:
    """The SURT key prefix every capture of `url` (any of its variants that share a canonical URL)
    starts with: the SURT of its canonical form without the query."""
    import surt  # here: it imports tldextract and requests (0.3 s), which only this needs

    key: str = surt.surt(url.split("?", 1)[0])
    return key.encode()


def url_prefixes(url: str) -> list[bytes]:
    """The SURT key prefixes of a canonical URL (its host without www., m., amp.) and of its mobile and
    AMP host variants, whose keys SURT keeps apart (`net,outlet,m)/...`)."""
    scheme, sep, rest = url.partition("://")
    prefixes = [url_prefix(url)]
    if sep and rest and not rest.startswith("["):
        prefixes += [url_prefix(f"{scheme}://{v}{rest}") for v in HOST_VARIANTS]
    return list(dict.fromkeys(prefixes))


def lines_with(data: Buffer, field: str, value: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(key, timestamp, fields) of every line whose JSON has `field` equal to `value` (a scan for the
    text `"field": "value"` as this module writes it, each hit parsed and checked)."""
    needle = f"{json_text(field)}: {json_text(value)}".encode()
    pos = data.find(needle)
    while pos >= 0:
        start = data.rfind(b"\n", 0, pos) + 1
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        parsed = cdxj_line(data[start:end].decode("utf-8", "replace"))
        if parsed is not None and parsed[2].get(field) == value:
            yield parsed
        pos = data.find(needle, end)


def _line_at_or_after(data: Buffer, needle: bytes) -> int:
    """Offset of the first line >= needle in sorted `data` (binary search on byte offsets)."""
    lo, hi = 0, len(data)
    while lo < hi:
        mid = (lo + hi) // 2
        start = data.rfind(b"\n", 0, mid) + 1
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if data[start:end] < needle:
            lo = end + 1
        else:
            hi = start
    return lo


def lines_with_prefix(data: Buffer, prefix: bytes) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(key, timestamp, fields) of every line whose key starts with `prefix`; a line that does not
    decode costs only itself (named in a warning)."""
    pos = _line_at_or_after(data, prefix)
    while pos < len(data) and data[pos : pos + len(prefix)] == prefix:
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        try:
            line = decode_line(bytes(data[pos:end]))
            yield line.key, line.timestamp, line.fields
        except decode.Malformed as exc:
            logger.warning(
                "skipped a CDXJ line that does not decode (%s): %.120r", exc, data[pos:end]
            )
        pos = end + 1


# -- reading: one line, checked ---------------------------------------------------------------------
@dataclass(frozen=True)
class CdxjLine:
    """One index line as decoded: its SURT key, its 14-digit timestamp and its checked fields."""

    key: str
    timestamp: str
    fields: dict[str, Any]

    def to_bytes(self) -> bytes:
        raw = json_text(self.fields, sort_keys=True)  # one line: no raw U+2028 or control character
        return f"{self.key} {self.timestamp} {raw}".encode()


_SURT = re.compile(r"[^\s]{1,8192}")
_STAMP = re.compile(r"\d{14}")
_FILENAME = re.compile(
    r"warc/[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.warc\.gz"
)  # layout.warc_key("", outlet)
_DIGITS = re.compile(r"\d{1,19}")
_STATUS = re.compile(r"\d{3}|-")


def _digits(value: Any, where: str) -> str:
    return (
        str(decode.whole(value, where))
        if isinstance(value, int)
        else decode.text(value, where, pattern=_DIGITS)
    )


_CHECKS: dict[str, Any] = {  # field -> its check; fields not named here are kept as they are
    "url": decode.text,
    "filename": lambda v, w: decode.text(v, w, pattern=_FILENAME),
    "offset": _digits,
    "length": _digits,
    "status": lambda v, w: decode.text(v, w, pattern=_STATUS),
    "mime": decode.text,
    "digest": decode.text,
    "record_id": decode.text,
    "article": decode.optional(decode.text),
    "duplicate_of": decode.optional(decode.text),
    "refers_to_uri": decode.text,
    "refers_to_date": decode.text,
}
_REQUIRED = ("url", "filename", "offset", "length")


def decode_line(line: bytes) -> CdxjLine:
    """A CDXJ line's one decoder: `KEY TIMESTAMP {json}` with a filename that is a WARC of the rev (never
    a path elsewhere), a numeric offset and length; decode.Malformed names what is wrong."""
    parts = line.split(b" ", 2)
    if len(parts) != 3:
        raise decode.Malformed("", "not `KEY TIMESTAMP {fields}`")
    key = decode.text(parts[0].decode("utf-8", "replace"), "key", pattern=_SURT)
    stamp = decode.text(parts[1].decode("ascii", "replace"), "timestamp", pattern=_STAMP)
    f = decode.Fields(decode.json_value(parts[2]), "fields")
    for name in _REQUIRED:
        f.get(name, _CHECKS[name])
    for name, value in f.data.items():
        if name in _CHECKS:
            _CHECKS[name](value, f"fields.{name}")
    return CdxjLine(key, stamp, f.data)


def decode_index(data: bytes, where: str) -> list[CdxjLine]:
    """Every line of a whole index (replay, WACZ), decoded; DamagedObject naming `where` (the object
    and its repair) and the first line that does not decode."""
    lines = []
    for n, line in enumerate(data.splitlines(), 1):
        try:
            lines.append(decode_line(line))
        except decode.Malformed as exc:
            raise DamagedObject(f"{where}: line {n} does not decode ({exc})") from None
    return lines
