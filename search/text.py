"""Search tokens: the project's Arabic folding (dedup/normalize.py: NFKC, tashkeel and tatweel dropped,
alef forms → ا, ى → ي, ة → ه, Arabic-Indic and Persian digits → 0-9, lower case) with one difference,
then a light stemmer (Larkey's Light10 for Arabic, Harman's S-stemmer for Latin words).

The difference: tanween fath (ً) is kept until stemming, where it and its carrier alef are a suffix
(the accusative ending: اتفاقاً → اتفاق). So «دوماً» ("always") is دوم and never «دوما» (the city),
which folding alone would make one word.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from dedup.normalize import _TABLE as _DEDUP_TABLE

TANWEEN = "\u064b"
_TABLE = _DEDUP_TABLE.copy()
_TABLE[0x064B] = 0x064B
_DROP = np.uint32(0xFFFFFFFF)
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")  # longest first
_SUFFIXES = (
    "ها",
    "ان",
    "ات",
    "ون",
    "ين",
    "يه",
    "ه",
    "ي",
)  # Light10's order (ة and ى already folded)
_LATIN = re.compile(r"[a-z]+")


def fold_many(texts: list[str]) -> list[str]:
    """Each text folded and its words separated by single spaces (vectorised over the batch)."""
    composed = [_nfkc(text) for text in texts]
    lengths = np.fromiter(map(len, composed), dtype=np.int64, count=len(composed))
    codes = np.frombuffer("".join(composed).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = _TABLE[np.minimum(codes, 0xFFFF)]
    keep = mapped != _DROP
    # characters kept per text (a sum per text, not a running sum over every character: 3x less work);
    # the trailing False lets a start at the very end be an index, and empty texts count 0
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    kept = (
        np.add.reduceat(np.append(keep, False), starts, dtype=np.int64)
        if len(texts)
        else np.zeros(0, np.int64)
    )
    kept[lengths == 0] = 0
    bounds = np.concatenate([[0], np.cumsum(kept)]).tolist()
    joined = mapped[keep].tobytes().decode("utf-32-le", "replace")
    return [joined[bounds[i] : bounds[i + 1]] for i in range(len(texts))]


def _nfkc(text: str) -> str:
    """NFKC, skipped for text already in it (most is; the usual exception is a no-break space)."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    spaced = text.replace("\xa0", " ")  # NFKC makes it a space
    return (
        spaced
        if unicodedata.is_normalized("NFKC", spaced)
        else unicodedata.normalize("NFKC", spaced)
    )


def stem(word: str, *, suffixes: bool = True) -> str:
    """One folded word's stem (prefix queries keep their suffixes: `suffixes=False`)."""
    if TANWEEN in word:
        base = word.replace(TANWEEN, "")
        word = base[:-1] if base.endswith("ا") and len(base) > 2 else base
    if _LATIN.fullmatch(word):
        return _s_stem(word) if suffixes else word
    if word.startswith("و") and len(word) >= 4:
        word = word[1:]
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            word = word[len(article) :]
            break
    if suffixes:
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                word = word[: -len(suffix)]
    return word


def _s_stem(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


class _Stems(dict[str, str]):
    """word -> stem, computed on first sight: a corpus has far fewer words than tokens."""

    def __missing__(self, word: str) -> str:
        if len(self) > 2_000_000:
            self.clear()
        stemmed = self[word] = stem(word)
        return stemmed


class Stemmer:
    """Stems with a cache per distinct word (keep one for a whole build)."""

    def __init__(self) -> None:
        self._cache = _Stems()

    def tokens(self, folded: str) -> list[str]:
        return list(map(self._cache.__getitem__, folded.split()))

    def index_text(self, texts: list[str]) -> list[str]:
        """Each text as the space-separated stems the index holds."""
        get = self._cache.__getitem__
        return [" ".join(map(get, folded.split())) for folded in fold_many(texts)]


def terms(text: str) -> list[str]:
    """The stems of a piece of text (a query word or phrase)."""
    return [stem(w) for w in fold_many([text])[0].split()]


# a word as it appears in the original text: letters, digits and the marks folding drops or keeps
WORD = re.compile(r"[\w\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d]+")
