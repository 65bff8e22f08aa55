"""Arabic-aware text normalisation: what is left is the same for orthographic variants of one text.

NFKC; combining marks (tashkeel) and format characters (tatweel, bidi and zero-width marks) removed;
alef forms (أ إ آ ٱ → ا), ى → ي, ة → ه, Arabic-Indic and Persian digits → 0-9; everything that is not a
letter or digit → space; lower case; whitespace collapsed. The per-character part is one lookup table
applied with numpy to a whole batch of texts, which is what makes a million articles affordable; so is
the whitespace collapsing, and the folded batch stays one array of code units (`fold_batch`) that the
word hashes (`dedup/signatures.py`) read without encoding the texts again.
"""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np

_DROP = np.uint32(0xFFFFFFFF)
_SPACE = 32
_MAP = {
    **{ord(c): "ا" for c in "أإآٱ"},
    ord("ى"): "ي",
    ord("ة"): "ه",
    **{0x0660 + d: str(d) for d in range(10)},  # Arabic-Indic digits
    **{0x06F0 + d: str(d) for d in range(10)},  # Persian digits
}


def _table() -> np.ndarray:
    table = np.empty(0x10000, dtype=np.uint32)
    for code in range(0x10000):
        ch = chr(code)
        category = unicodedata.category(ch)
        if code in _MAP:
            table[code] = ord(_MAP[code])
        elif code == 0x0640 or category in (
            "Mn",
            "Me",
            "Cf",
        ):  # tatweel, tashkeel, bidi/zero-width marks
            table[code] = _DROP
        elif not ch.isalnum():
            table[code] = _SPACE
        else:
            lower = ch.lower()
            table[code] = ord(lower) if len(lower) == 1 else code
    table[0xFFFF] = _SPACE  # stands for every character outside the BMP (emoji and such)
    return table


_TABLE = _table()


# the table as 16-bit code units (every value it maps to is in the BMP): _DROP16 marks a dropped
# character, SEPARATOR the end of a text in a folded batch (the table never maps anything to it)
_DROP16 = np.uint16(0xFFFF)
SEPARATOR = 0
_TABLE16 = np.where(_TABLE == _DROP, _DROP16, _TABLE).astype(np.uint16)
assert int(_TABLE[_TABLE != _DROP].max()) < 0xFFFF and not (_TABLE == SEPARATOR).any()


def fold_batch(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The normalised texts, and the same batch as one array of UTF-16 code units: the texts' words
    separated by single spaces (32), each text ended by SEPARATOR (0) but the last."""
    composed = [unicodedata.normalize("NFKC", text) for text in texts]
    # as UTF-16 (a copy of most texts' own storage): a character past the BMP (emoji and such) is two
    # surrogates, each mapped to a space like the character itself, and the spaces collapse below
    codes = np.frombuffer(
        chr(SEPARATOR).join(composed).encode("utf-16-le", "surrogatepass"), np.uint16
    )
    mapped = _TABLE16.take(codes)
    joints = codes == SEPARATOR
    if np.count_nonzero(joints) == len(composed) - 1:
        mapped[joints] = SEPARATOR  # no text holds the separator: these are the joints
    else:  # some text does (it is then mapped to a space): place the joints by the texts' lengths
        codes = np.frombuffer(" ".join(composed).encode("utf-32-le", "surrogatepass"), np.uint32)
        mapped = _TABLE16.take(codes, mode="clip")  # past the BMP: the table's last entry, a space
        ends = np.cumsum(np.fromiter(map(len, composed[:-1]), np.int64, len(composed) - 1) + 1)
        mapped[ends - 1] = SEPARATOR  # the joining spaces
    mapped = mapped[mapped != _DROP16]
    # a space is kept after a letter (runs collapse to one, leading spaces go) ...
    space = mapped == _SPACE
    keep = ~space
    keep[1:] |= space[1:] & ~space[:-1] & (mapped[:-1] != SEPARATOR)
    mapped = mapped[keep]
    # ... and before a letter: after the collapse its next unit is a letter, a separator or the end
    space = mapped == _SPACE
    keep = ~space
    keep[:-1] |= space[:-1] & (mapped[1:] != SEPARATOR)
    mapped = mapped[keep]
    return mapped.tobytes().decode("utf-16-le", "surrogatepass").split(chr(SEPARATOR)), mapped


def normalize_many(texts: list[str]) -> list[str]:
    """normalize_text for a batch, vectorised."""
    return fold_batch(texts)[0] if texts else []


def normalize_text(text: str) -> str:
    return normalize_many([text])[0]


def content_hash(normalized: str) -> int:
    """64-bit hash of normalised text: equal for texts that differ only in orthography and spacing."""
    return int.from_bytes(
        hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest(), "little"
    )
