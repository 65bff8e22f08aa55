"""A WARC file checked record by record, below what warcio reads: `snapshots verify` uses it.

A `.warc.gz` is a series of gzip members, one record each (warcio writes them so). Each member must
inflate to its end (a member cut short in the middle of a file is invisible to `warcio check`, which
stops reading there as if the file had ended), hold WARC records whose `Content-Length` is exactly their
block followed by CRLF CRLF, and whose `WARC-Block-Digest` and `WARC-Payload-Digest` (where present;
not a revisit's, which names its original's payload) match. Every problem names the file and the
member's offset; reading stops at a member that does not inflate, as nothing after it can be trusted
to start a record.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20
OnMember = Callable[[bytes, int, int], None]  # (inflated member, its offset, its length)
MAX_MEMBER = (
    64 << 20
)  # a page is at most 16 MiB (DOWNLOAD_MAXSIZE); a bigger member is damage, not data


def check_warc(path: Path, name: str, on_member: OnMember | None = None) -> list[str]:
    """The problems of the gzipped WARC at `path` (`name` is how messages call it); [] when it is whole.
    `on_member` gets each member that inflates whole (its data, offset and length): what reads the
    WARC's records in the same pass (verify's index of its captures)."""
    problems: list[str] = []
    with path.open("rb") as fh:
        pending = fh.read(CHUNK)
        offset = 0
        if not pending:
            return [f"{name}: empty file, not a WARC"]
        while pending:
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            out = bytearray()
            fed = 0
            data = pending
            try:
                while True:
                    fed += len(data)
                    out += inflater.decompress(data, MAX_MEMBER + 1 - len(out))
                    if len(out) > MAX_MEMBER:
                        return problems + [
                            f"{name}: the gzip member at offset {offset} inflates past "
                            f"{MAX_MEMBER >> 20} MiB; not a record of ours"
                        ]
                    if inflater.eof:
                        break
                    data = fh.read(CHUNK)
                    if not data:
                        return problems + [
                            f"{name}: the gzip member at offset {offset} is truncated "
                            f"(the file ends {fed} bytes into it)"
                        ]
            except zlib.error as exc:
                return problems + [f"{name}: the gzip member at offset {offset} is damaged ({exc})"]
            data = bytes(out)
            problems += _check_records(data, name, offset)
            if on_member is not None:
                on_member(data, offset, fed - len(inflater.unused_data))
            pending = inflater.unused_data or fh.read(CHUNK)
            offset += fed - len(inflater.unused_data)
    return problems


def _check_records(data: bytes, name: str, offset: int) -> list[str]:
    problems: list[str] = []
    where = f"{name}: the record at offset {offset}"
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if not data.startswith(b"WARC/", pos) or end < 0:
            return problems + [f"{where} does not start with a WARC header"]
        fields = _fields(data[pos:end])
        record_id = fields.get("warc-record-id", "?")
        where = f"{name}: the record {record_id} at offset {offset}"
        try:
            length = int(fields.get("content-length", ""))
        except ValueError:
            return problems + [f"{where} has no valid Content-Length"]
        start = end + 4
        block = data[start : start + length]
        trailer = data[start + length : start + length + 4]
        if len(block) < length or trailer != b"\r\n\r\n":
            # one record per member (as warcio writes): the block is what lies before the closing CRLF CRLF
            actual = len(data) - start - (4 if data.endswith(b"\r\n\r\n") else 0)
            return problems + [
                f"{where}: Content-Length is {length} but its block is {actual} bytes"
            ]
        if (digest := fields.get("warc-block-digest")) and not _matches(digest, block):
            problems.append(f"{where}: WARC-Block-Digest {digest} does not match its block")
        payload_digest = fields.get("warc-payload-digest")
        if payload_digest and fields.get("warc-type") != "revisit":
            payload = block
            if fields.get("content-type", "").startswith("application/http"):
                head = block.find(b"\r\n\r\n")
                payload = block[head + 4 :] if head >= 0 else b""
            if not _matches(payload_digest, payload):
                problems.append(
                    f"{where}: WARC-Payload-Digest {payload_digest} does not match its payload"
                )
        pos = start + length + 4
    return problems


def _fields(head: bytes) -> dict[str, str]:
    fields = {}
    for line in head.decode("utf-8", "replace").split("\r\n")[1:]:
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return fields


def _matches(digest: str, data: bytes) -> bool:
    """`algo:value`, the value in base32 (warcio, Heritrix), hex or base64; an unknown algorithm passes."""
    algo, _, value = digest.partition(":")
    try:
        hasher = hashlib.new(algo.lower().replace("-", ""))
    except ValueError:
        return True
    hasher.update(data)
    raw = hasher.digest()
    value = value.strip()
    return (
        value.upper() == base64.b32encode(raw).decode()
        or value.lower() == raw.hex()
        or value == base64.b64encode(raw).decode()
    )
