"""MinHash signatures of word shingles (rensa, in Rust) and the LSH band keys derived from them.

Word hashes (a polynomial hash over each word's characters, via prefix sums) and shingle hashes are
computed with numpy for a whole folded batch at once (`dedup.normalize.fold_batch`: the texts as one
array of code units); rensa turns the flat shingle-hash buffer into signatures.
Shingling in Python is what usually makes MinHash slow.
"""

from __future__ import annotations

from array import array

import numpy as np
from rensa import RMinHash

from dedup.normalize import SEPARATOR, fold_batch

NUM_PERM = 128
SEED = 20261121  # fixed forever: signatures in the archive must stay comparable with new ones
# names everything a stored signature depends on; an index segment made otherwise is not comparable
ALGORITHM = f"rensa-rminhash-{RMinHash.ALGORITHM_VERSION}/perm{NUM_PERM}/seed{SEED}/words3/poly64"
SHINGLE = 3  # words per shingle
_P = 0x100000001B3
BANDS, ROWS = (
    32,
    4,
)  # LSH: candidate when one band of 4 values matches (P=0.87 at Jaccard 0.5, 1.0 at 0.8)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_MIX = np.array(
    [0x87C37B91114253D5, 0x4CF5AD432745937F, 0x52DCE729DA3ED7FD, 0x38495AB5ED8E9F1B],
    dtype=np.uint64,
)


def signatures(normalized_texts: list[str]) -> np.ndarray:
    """MinHash signatures (n x NUM_PERM uint32) of normalised texts; a text shorter than a shingle uses
    its words, an empty text gets an all-max signature that matches nothing real."""
    if not normalized_texts:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    return signatures_of_folded(fold_batch(normalized_texts)[1], len(normalized_texts))


def signatures_of_folded(folded: np.ndarray, count: int) -> np.ndarray:
    """signatures() of a folded batch of `count` texts (`dedup.normalize.fold_batch`'s array)."""
    flat, doc = word_hashes(folded)
    lengths = np.bincount(doc, minlength=count)
    # the shingle starting at word i belongs to its text when word i + SHINGLE - 1 is in the same text;
    # a text shorter than a shingle gives its words instead
    long_doc = lengths >= SHINGLE
    n = len(flat)
    in_long = long_doc[doc]
    tokens = flat.copy()
    take = ~in_long
    if n >= SHINGLE:
        with np.errstate(over="ignore"):
            shingles = flat[: n - 2] * _MIX[0] ^ flat[1 : n - 1] * _MIX[1] ^ flat[2:] * _MIX[2]
        np.copyto(tokens[: n - 2], shingles, where=in_long[: n - 2])
        take[: n - 2] |= doc[: n - 2] == doc[2:]
    counts = np.where(long_doc, lengths - (SHINGLE - 1), lengths)
    offsets = np.zeros(count + 1, dtype=np.uint64)
    np.cumsum(counts, out=offsets[1:])
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(tokens[take], offsets, NUM_PERM, SEED)
    # rensa hands rows of Python ints; packing each row into 32-bit words is the cheapest way back
    rows = b"".join([array("I", row).tobytes() for row in matrix.to_rows()])
    sigs = np.frombuffer(rows, dtype=np.uint32).reshape(count, NUM_PERM).copy()
    sigs[lengths == 0] = np.iinfo(np.uint32).max
    return sigs


assert array("I").itemsize == 4

_POWER_CACHE: list[np.ndarray] = []


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i (mod 2**64) for i < n, computed once and grown geometrically."""
    if not _POWER_CACHE or len(_POWER_CACHE[0]) < n:
        size = max(n, 2 * len(_POWER_CACHE[0]) if _POWER_CACHE else 1 << 20)
        one = np.ones(1, dtype=np.uint64)
        powers = np.concatenate([one, np.cumprod(np.full(size - 1, _P, dtype=np.uint64))])
        inverse = np.concatenate(
            [one, np.cumprod(np.full(size - 1, pow(_P, -1, 1 << 64), dtype=np.uint64))]
        )
        _POWER_CACHE[:] = [powers, inverse]
    return _POWER_CACHE[0], _POWER_CACHE[1]


def word_hashes(folded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every word of a folded batch (`fold_batch`), flat, and the text of each word."""
    # a folded batch is letters and gaps: one space between words, SEPARATOR between texts (both are
    # below 33, no letter is); so a word starts after every gap and ends at the next, except where an
    # empty text leaves nothing between two gaps
    gaps = np.flatnonzero(folded <= 32)
    starts = np.empty(len(gaps) + 1, dtype=np.intp)
    starts[0] = 0
    starts[1:] = gaps + 1
    ends = np.empty(len(gaps) + 1, dtype=np.intp)
    ends[:-1] = gaps
    ends[-1] = len(folded)
    doc = np.zeros(len(gaps) + 1, dtype=np.intp)
    np.cumsum(folded[gaps] == SEPARATOR, out=doc[1:])
    word = ends > starts
    if not word.all():
        starts, ends, doc = starts[word], ends[word], doc[word]
    if not len(starts):
        return np.empty(0, dtype=np.uint64), doc
    # prefix sums of code * P**position; a word's hash is the difference at its ends, shifted back
    powers, inverse = _powers(len(folded))
    prefix = np.empty(len(folded) + 1, dtype=np.uint64)
    prefix[0] = 0
    terms = prefix[1:]
    terms[:] = folded
    terms *= powers[: len(folded)]
    np.cumsum(terms, out=terms)
    h = prefix[ends]
    h -= prefix[starts]
    h *= inverse[starts]
    h ^= h >> np.uint64(30)  # splitmix64 finaliser
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h, doc


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """n x BANDS uint64 keys; two documents are LSH candidates when any column is equal."""
    # row r of every band is column r of a stride of ROWS: ROWS whole-column passes, not a sum over a
    # short inner axis (17 times slower)
    sigs = np.asarray(sigs).reshape(len(sigs), BANDS * ROWS)
    with np.errstate(over="ignore"):
        keys: np.ndarray = sigs[:, 0::ROWS].astype(np.uint64) * _BAND_MIX[0]
        for row in range(1, ROWS):
            keys += sigs[:, row::ROWS].astype(np.uint64) * _BAND_MIX[row]
        keys ^= np.arange(BANDS, dtype=np.uint64) * np.uint64(0xFF51AFD7ED558CCD)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM
