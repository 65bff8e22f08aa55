"""A word's two forms in a segment: its exact form and its stem.

Text is first split into words the way dedup folds it (dedup/normalize.py: NFKC, tashkeel and tatweel
dropped, everything that is not a letter or digit a space, Arabic-Indic and Persian digits 0-9, lower
case) with two differences: tanween fath (ً) is kept, and letters stay as written (`surface_many`).
Then each word (once per distinct word: a corpus has far fewer words than tokens):

- its **exact form**: the letters folded as dedup folds them (أ إ آ ٱ → ا, ى → ي, ة → ه) and tanween
  fath put at the end of the word (دومًا and دوماً are one form), so الحكومة and الحكومية stay two
  words while حكومة and حكومه are one;
- its **stem**: the accusative ending (tanween fath and its alef: اتفاقاً → اتفاق) taken off, then
  the segment's stemmer (search/stemmers.py; Light10 here) for a word in Arabic script, Harman's
  S-stemmer for a Latin one, and the result folded like an exact form. So «دوماً» ("always") is never
  the city «دوما», whose stem keeps its alef.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from functools import cached_property

import numpy as np

from dedup.normalize import _TABLE as _DEDUP_TABLE
from search import stemmers

TANWEEN = "\u064b"
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_TABLE = _DEDUP_TABLE.copy()
_TABLE[0x064B] = 0x064B
for _letter in _LETTERS:
    _TABLE[_letter] = _letter
_DROP = np.uint32(0xFFFFFFFF)
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")  # longest first
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")  # Light10's order (ة and ى folded first)
_LATIN = re.compile(r"[a-z]+")
_ARABIC = re.compile(r"[\u0620-\u064a\u066e-\u06d3]")
# what a prefix may have in front of it in a word: Light10's و and articles (search/engine.py)
CLITICS = ("", "و", "ال", "وال", "بال", "وبال", "كال", "وكال", "فال", "وفال", "لل", "ولل")


def surface_many(texts: list[str]) -> list[str]:
    """Each text as its words, separated by spaces: letters as written (vectorised over the batch)."""
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


def exact_form(word: str) -> str:
    """A word's exact form: letters folded, tanween fath at its end."""
    word = word.translate(_LETTERS)
    return word.replace(TANWEEN, "") + TANWEEN if TANWEEN in word else word


def light10(word: str) -> str:
    """Light10 (Larkey, Ballesteros and Connell): letters folded, then و, one article and the
    suffixes taken off while two letters are left."""
    word = word.translate(_LETTERS)
    if word.startswith("و") and len(word) >= 4:
        word = word[1:]
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            word = word[len(article) :]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


def strip_clitics(word: str) -> str:
    """A folded word without Light10's و and article (a prefix query's start)."""
    if word.startswith("و") and len(word) >= 4:
        word = word[1:]
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
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


class _Cache(dict[str, tuple[str, str]]):
    """word -> (exact form, stem), computed on first sight."""

    def __init__(self, make: Callable[[str], tuple[str, str]]):
        super().__init__()
        self.make = make

    def __missing__(self, word: str) -> tuple[str, str]:
        if len(self) > 2_000_000:
            self.clear()
        forms = self[word] = self.make(word)
        return forms


class _SegmentForms(dict[str, str]):
    """word -> exact form for one segment, writing each form's stem into the segment's lexicon."""

    def __init__(self, cache: _Cache, lexicon: dict[str, str]):
        super().__init__()
        self.cache, self.lexicon = cache, lexicon

    def __missing__(self, word: str) -> str:
        exact, stem = self.cache[word]
        self.lexicon[exact] = stem
        self[word] = exact
        return exact


class Analyzer:
    """A word's exact form and stem with one stemmer (keep one for a whole build or search)."""

    def __init__(self, stemmer: str = stemmers.CHOSEN):
        self.stemmer = stemmer
        self._core = stemmers.load(stemmer)
        self._cache = _Cache(self._forms)

    @cached_property
    def identity(self) -> str:
        """The stemmer's name and a digest of the forms it makes of stemmers.PROBE: what a segment's
        pointer records, and what a search checks a segment against."""
        forms = [self.forms(word) for word in surface_many([stemmers.PROBE])[0].split()]
        return f"{self.stemmer} {hashlib.sha256(repr(forms).encode()).hexdigest()[:12]}"

    def forms(self, word: str) -> tuple[str, str]:
        """One word of `surface_many`'s: its exact form and its stem."""
        return self._cache[word]

    def _forms(self, word: str) -> tuple[str, str]:
        exact = exact_form(word)
        if TANWEEN in word:  # the accusative ending: tanween fath and its carrier alef
            base = word.replace(TANWEEN, "")
            word = base[:-1] if base.endswith("ا") and len(base) > 2 else base
        if _LATIN.fullmatch(word):
            return exact, _s_stem(word)
        if not _ARABIC.search(word):
            return exact, word
        return exact, (self._core(word) or word).translate(_LETTERS)

    def index_text(self, texts: list[str], lexicon: dict[str, str]) -> list[str]:
        """Each text as the space-separated exact forms a segment holds; each form's stem into
        `lexicon` (form -> stem). Give the same lexicon for one segment's every batch."""
        forms = _SegmentForms(self._cache, lexicon)
        get = forms.__getitem__
        return [" ".join(map(get, words.split())) for words in surface_many(texts)]


# a word as it appears in the original text: letters, digits and the marks folding drops or keeps
WORD = re.compile(r"[\w\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u200c\u200d]+")
