"""The replica's binary requisites, made here rather than stored: pictures (PNG) and a web font (WOFF 1.0).

Both are real files a browser decodes: a picture is a colour gradient with grain (so it compresses as a
photo does, not to nothing), and the font is a TrueType font of one glyph (a bar) mapped to the Latin
and Arabic letters, wrapped as WOFF, so a heading set in it shows whether the font was loaded. Every
byte depends only on the arguments: the same picture is the same payload every day (a revisit)."""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=256)
def png(width: int, height: int, seed: str) -> bytes:
    """A width x height RGB picture: a gradient between two colours chosen by `seed`, with grain."""
    digest = hashlib.blake2b(seed.encode("utf-8"), digest_size=16).digest()
    start = np.array(list(digest[0:3]), dtype=np.float32)
    end = np.array(list(digest[3:6]), dtype=np.float32)
    # drawn in 4x4 cells: a gradient with grain, which compresses about as a JPEG of it would weigh
    rows_, cols = -(-height // 4), -(-width // 4)
    ramp = (np.arange(cols, dtype=np.float32)[None, :] + np.arange(rows_)[:, None]) / (cols + rows_)
    rng = np.random.default_rng(int.from_bytes(digest[6:14], "big"))
    cells = start + (end - start) * ramp[..., None] + rng.integers(-12, 13, size=(rows_, cols, 3))
    picture = np.clip(cells, 0, 255).astype(np.uint8).repeat(4, axis=0).repeat(4, axis=1)
    rows = picture[:height, :width]
    raw = np.concatenate([np.zeros((height, 1), dtype=np.uint8), rows.reshape(height, -1)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# -- the web font ----------------------------------------------------------------------------------
UNITS = 1000
ASCENT, DESCENT = 800, -200
BAR = (60, 0, 540, 700)  # the glyph: a bar (xMin, yMin, xMax, yMax)
ADVANCE = 600
# (first, last) code points mapped to the bar: Basic Latin and Arabic
RANGES = ((0x0021, 0x007E), (0x0600, 0x06FF))


@lru_cache(maxsize=8)
def woff(family: str) -> bytes:
    """A WOFF 1.0 font named `family`: .notdef, space, and one bar glyph for every mapped letter."""
    return _woff(_tables(family))


def _tables(family: str) -> dict[bytes, bytes]:
    x0, y0, x1, y1 = BAR
    bar = struct.pack(">hhhhh", 1, x0, y0, x1, y1) + struct.pack(">H", 3)  # one contour, points 0-3
    bar += struct.pack(">H", 0)  # no instructions
    bar += bytes([0x01] * 4)  # four on-curve points, each x and y a signed 16-bit delta
    bar += struct.pack(">hhhh", x0, x1 - x0, 0, x0 - x1) + struct.pack(">hhhh", y0, 0, y1 - y0, 0)
    bar += b"\0" * (-len(bar) % 4)
    glyf = bar  # glyph 0 (.notdef) is the bar too; glyph 1 (space) is empty; glyph 2 is the bar
    offsets = [0, len(bar), len(bar), 2 * len(bar)]
    glyf += bar
    head = struct.pack(
        ">IIIIHHqqhhhhHHhhh",
        0x00010000,
        0x00010000,
        0,  # checkSumAdjustment, set once the font is assembled
        0x5F0F3CF5,
        0b1011,
        UNITS,
        0,
        0,
        x0,
        y0,
        x1,
        y1,
        0,
        8,
        2,
        0,  # short loca offsets
        0,
    )
    hhea = struct.pack(
        ">IhhhHhhhhhhhhhhhH",
        0x00010000,
        ASCENT,
        DESCENT,
        0,  # lineGap
        ADVANCE,  # advanceWidthMax
        0,  # minLeftSideBearing (the space)
        ADVANCE - x1,  # minRightSideBearing
        x1,  # xMaxExtent
        1,  # caretSlopeRise: upright
        0,
        0,
        *(0, 0, 0, 0),  # reserved
        0,  # metricDataFormat
        3,  # numberOfHMetrics
    )
    maxp = struct.pack(">IHHHHHHHHHHHHHH", 0x00010000, 3, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)
    hmtx = b"".join(struct.pack(">Hh", ADVANCE, lsb) for lsb in (x0, 0, x0))
    loca = b"".join(struct.pack(">H", o // 2) for o in offsets)
    os2 = struct.pack(
        ">HhHHHhhhhhhhhhhh10sIIII4sHHHhhhHHIIhhHHH",
        4,  # version
        ADVANCE,  # xAvgCharWidth
        400,  # usWeightClass: regular
        5,  # usWidthClass: medium
        0,  # fsType: installable
        *(650, 700, 0, 140, 650, 700, 0, 480),  # sub- and superscript sizes and offsets
        50,  # yStrikeoutSize
        250,  # yStrikeoutPosition
        0,  # sFamilyClass
        b"\0" * 10,  # panose
        1 | 1 << 13,  # ulUnicodeRange1: Basic Latin, Arabic
        *(0, 0, 0),
        b"RPLC",  # achVendID
        0x40,  # fsSelection: regular
        0x20,  # usFirstCharIndex
        RANGES[-1][1],  # usLastCharIndex
        ASCENT,
        DESCENT,
        0,  # sTypo ascender, descender, line gap
        ASCENT,
        -DESCENT,  # usWin ascent, descent
        1 | 1 << 6,  # ulCodePageRange1: Latin 1, Arabic
        0,
        500,  # sxHeight
        700,  # sCapHeight
        0,  # usDefaultChar
        0x20,  # usBreakChar
        1,  # usMaxContext
    )
    post = struct.pack(">IIhhIIIII", 0x00030000, 0, -100, 50, 0, 0, 0, 0, 0)
    return {
        b"OS/2": os2,
        b"cmap": _cmap(),
        b"glyf": glyf,
        b"head": head,
        b"hhea": hhea,
        b"hmtx": hmtx,
        b"loca": loca,
        b"maxp": maxp,
        b"name": _name(family),
        b"post": post,
    }


def _cmap() -> bytes:
    """A format 4 subtable (Windows, Unicode BMP): space to glyph 1, the RANGES to glyph 2."""
    segments = [(0x20, 0x20, 1), *((a, b, 2) for a, b in RANGES), (0xFFFF, 0xFFFF, 0)]
    count = len(segments)
    ends = b"".join(struct.pack(">H", b) for _, b, _ in segments)
    starts = b"".join(struct.pack(">H", a) for a, _, _ in segments)
    ids = [b"\0\0" for _ in segments]  # idDelta 0: glyphs come from glyphIdArray (or 0 for 0xFFFF)
    offsets, glyph_ids = [], b""
    for n, (a, b, glyph) in enumerate(segments):
        if glyph == 0:
            offsets.append(0)
            ids[n] = struct.pack(">h", 1)  # 0xFFFF + 1 wraps to glyph 0
            continue
        offsets.append(2 * (count - n) + len(glyph_ids))
        glyph_ids += struct.pack(">H", glyph) * (b - a + 1)
    search = 2 ** (count.bit_length() - 1)
    body = struct.pack(
        ">HHHH", count * 2, search * 2, search.bit_length() - 1, 2 * count - 2 * search
    )
    body += ends + b"\0\0" + starts + b"".join(ids)
    body += b"".join(struct.pack(">H", o) for o in offsets) + glyph_ids
    subtable = struct.pack(">HHH", 4, 6 + len(body), 0) + body
    return struct.pack(">HHHHI", 0, 1, 3, 1, 12) + subtable


def _name(family: str) -> bytes:
    names = {1: family, 2: "Regular", 3: f"{family} replica", 4: family, 6: family.replace(" ", "")}
    strings = b""
    records = b""
    for name_id, text in names.items():
        data = text.encode("utf-16-be")
        records += struct.pack(">HHHHHH", 3, 1, 0x409, name_id, len(data), len(strings))
        strings += data
    return struct.pack(">HHH", 0, len(names), 6 + 12 * len(names)) + records + strings


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _woff(tables: dict[bytes, bytes]) -> bytes:
    """The tables as an sfnt (for head's checkSumAdjustment), then wrapped as WOFF 1.0."""
    tags = sorted(tables)
    sfnt_size = 12 + 16 * len(tags) + sum(len(t) + (-len(t) % 4) for t in tables.values())
    directory, data, offset = b"", b"", 12 + 16 * len(tags)
    for tag in tags:
        table = tables[tag]
        directory += struct.pack(">4sIII", tag, _checksum(table), offset, len(table))
        data += table + b"\0" * (-len(table) % 4)
        offset += len(table) + (-len(table) % 4)
    search = 2 ** (len(tags).bit_length() - 1)
    header = struct.pack(
        ">IHHHH",
        0x00010000,
        len(tags),
        search * 16,
        search.bit_length() - 1,
        (len(tags) - search) * 16,
    )
    adjustment = (0xB1B0AFBA - _checksum(header + directory + data)) & 0xFFFFFFFF
    head = tables[b"head"]
    tables = {**tables, b"head": head[:8] + struct.pack(">I", adjustment) + head[12:]}
    entries, blocks = b"", b""
    offset = 44 + 20 * len(tags)
    for tag in tags:
        table = tables[tag]
        packed = zlib.compress(table, 9)
        stored = packed if len(packed) < len(table) else table
        checksum = _checksum(
            head if tag == b"head" else table
        )  # head's, as if the adjustment were 0
        entries += struct.pack(">4sIIII", tag, offset, len(stored), len(table), checksum)
        blocks += stored + b"\0" * (-len(stored) % 4)
        offset += len(stored) + (-len(stored) % 4)
    total = 44 + len(entries) + len(blocks)
    return (
        struct.pack(
            ">IIIHHIHHIIIII",
            0x774F4646,
            0x00010000,
            total,
            len(tags),
            0,
            sfnt_size,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
        )  # fmt: skip
        + entries
        + blocks
    )
