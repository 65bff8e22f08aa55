"""Arabic-aware text normalisation: what is left is the same for orthographic variants of one text.

NFKC; combining marks (tashkeel) and format characters (tatweel, bidi and zero-width marks) removed;
alef forms (أ إ آ ٱ → ا), ى → ي, ة → ه, Arabic-Indic and Persian digits → 0-9; everything that is not a
letter or digit → space; lower case; whitespace collapsed. The per-character part is one lookup table
applied with numpy to a whole batch of texts, which is what makes a million articles affordable.
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


def normalize_many(texts: list[str]) -> list[str]:
    """normalize_text for a batch, vectorised."""
    composed = [unicodedata.normalize("NFKC", text) for text in texts]
    lengths = np.fromiter(map(len, composed), dtype=np.int64, count=len(composed))
    codes = np.frombuffer("".join(composed).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = _TABLE[np.minimum(codes, 0xFFFF)]
    keep = mapped != _DROP
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    ends = np.cumsum(lengths)
    bounds = kept_before[np.concatenate([[0], ends])].tolist()
    joined = mapped[keep].tobytes().decode("utf-32-le")
    return [" ".join(joined[bounds[i] : bounds[i + 1]].split()) for i in range(len(texts))]


def normalize_text(text: str) -> str:
    return normalize_many([text])[0]


def content_hash(normalized: str) -> int:
    """64-bit hash of normalised text: equal for texts that differ only in orthography and spacing."""
    return int.from_bytes(
        hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest(), "little"
    )
