"""Arabic-aware text normalisation: what is left is the same for orthographic variants of one text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_DROP = dict.fromkeys(
    [*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE),  # tashkeel and Quranic marks
     0x0640,  # tatweel
     0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF,  # zero-width and bidi marks
     *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_MAP = {
    **{ord(c): "ا" for c in "أإآٱ"},
    ord("ى"): "ي",
    ord("ة"): "ه",
    **{0x0660 + d: str(d) for d in range(10)},  # Arabic-Indic digits
    **{0x06F0 + d: str(d) for d in range(10)},  # Persian digits
}
_TABLE = str.maketrans({**_MAP, **_DROP})
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_text(text: str) -> str:
    """NFKC; tashkeel, tatweel and bidi marks removed; alef forms, ى/ي, ة/ه and digits unified;
    punctuation to spaces; case folded; whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_TABLE).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def content_hash(normalized: str) -> int:
    """64-bit hash of normalised text: equal for texts that differ only in orthography and spacing."""
    return int.from_bytes(hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest(), "little")
