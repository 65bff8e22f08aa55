"""Bytes to text. Arabic pages still come in windows-1256 and ISO-8859-6, often with a wrong or
missing charset, so what the server or the page declares is tried first but not trusted blindly.

A candidate charset is accepted when the bytes decode under it strictly and, for the single-byte
charsets, the letters come out in one script: ISO-8859-6 bytes decoded as windows-1256 (or the
other way round) give Arabic mixed with Latin accented letters, which no real page has. Order:
byte-order mark, HTTP header, <meta charset>, UTF-8, windows-1256, ISO-8859-6.
"""

from __future__ import annotations

import codecs
import re

from common.errors import ExtractionError

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.I)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([\w:.-]+)", re.I)
MAX_BYTES = 8 * 1024 * 1024
SNIFF_BYTES = 4096
FALLBACKS = ("utf-8", "cp1256", "iso8859-6")
# share of non-ASCII letters in the dominant script for a single-byte decoding to be believed
MIN_SCRIPT_SHARE = 0.98
_ARABIC = re.compile("[\u0621-\u064a\u0660-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")
_LATIN = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def script_share(text: str) -> float:
    """Of the letters outside ASCII, the share in the more common of Arabic and Latin (1.0 when
    there are none): the two scripts the single-byte charsets we try can produce."""
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    return max(arabic, latin) / (arabic + latin) if arabic + latin else 1.0


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML document, preferring what decodes cleanly over what the server claims."""
    if not body or not body.strip():
        raise ExtractionError("empty", "the document has no content")
    if len(body) > MAX_BYTES:
        raise ExtractionError("oversized", f"{len(body)} bytes is over the {MAX_BYTES} byte limit")
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace").lstrip("\ufeff")
    if b"\x00" in body[:SNIFF_BYTES]:
        raise ExtractionError("binary", "the document contains NUL bytes; it is not HTML")
    header = _HEADER.search(content_type or "")
    meta = _META.search(body[:SNIFF_BYTES])
    candidates = [
        _codec(header.group(1) if header else None),
        _codec(meta.group(1).decode("ascii", "ignore") if meta else None),
        *FALLBACKS,
    ]
    decoded: list[tuple[float, str]] = []
    # UTF-16/32 without a byte-order mark and without NUL bytes is a false declaration
    for name in dict.fromkeys(
        c for c in candidates if c and not c.startswith(("utf-16", "utf-32"))
    ):
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        if name == "utf-8":
            return text  # non-ASCII bytes that form valid UTF-8 are UTF-8 in practice
        share = script_share(text)
        if share >= MIN_SCRIPT_SHARE:
            return text
        decoded.append((share, text))
    if decoded:
        return max(decoded, key=lambda d: d[0])[1]
    return body.decode("utf-8", errors="replace")
