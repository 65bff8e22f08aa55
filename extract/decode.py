"""Bytes to text: HTTP charset, then <meta charset>, then UTF-8, then the Arabic legacy charsets."""

from __future__ import annotations

import codecs
import re

from extract.models import ExtractionError

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.I)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w:.-]+)", re.I)
MAX_BYTES = 8 * 1024 * 1024


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML document, preferring what strictly decodes over what the server claims."""
    if not body or not body.strip():
        raise ExtractionError("empty", "the document has no content")
    if len(body) > MAX_BYTES:
        raise ExtractionError("oversized", f"{len(body)} bytes is over the {MAX_BYTES} byte limit")
    if b"\x00" in body[:4096] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractionError("binary", "the document contains NUL bytes; it is not HTML")
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    header = _HEADER.search(content_type or "")
    meta = _META.search(body[:4096])
    candidates = [
        _codec(header.group(1) if header else None),
        _codec(meta.group(1).decode("ascii", "ignore") if meta else None),
        "utf-8",
        "cp1256",
    ]
    for name in dict.fromkeys(c for c in candidates if c):
        try:
            return body.decode(name)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", errors="replace")
