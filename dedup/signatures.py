"""MinHash signatures of word shingles (rensa, in Rust) and the LSH band keys derived from them.

Word hashes (a polynomial hash over each word's characters, via prefix sums) and shingle hashes are
computed with numpy for a whole batch at once; rensa turns the flat shingle-hash buffer into signatures.
Shingling in Python is what usually makes MinHash slow.
"""

from __future__ import annotations

import numpy as np
from rensa import RMinHash

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
    flat, lengths = word_hashes(normalized_texts)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    with np.errstate(over="ignore"):
        shingles = (
            flat[: len(flat) - 2] * _MIX[0] ^ flat[1 : len(flat) - 1] * _MIX[1] ^ flat[2:] * _MIX[2]
        )
    # a shingle starting at i belongs to its document when i + SHINGLE <= the document's end
    long_docs = lengths >= SHINGLE
    shingle_counts = np.where(long_docs, lengths - (SHINGLE - 1), lengths)
    pieces = []
    for start, end, is_long in zip(starts.tolist(), ends.tolist(), long_docs.tolist(), strict=True):
        pieces.append(shingles[start : end - (SHINGLE - 1)] if is_long else flat[start:end])
    tokens = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.uint64)
    offsets = np.concatenate(
        [np.zeros(1, dtype=np.uint64), np.cumsum(shingle_counts, dtype=np.uint64)]
    )
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(tokens, offsets, NUM_PERM, SEED)
    sigs = np.array(matrix.to_rows(), dtype=np.uint32).reshape(len(normalized_texts), NUM_PERM)
    sigs[lengths == 0] = np.iinfo(np.uint32).max
    return sigs


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


def word_hashes(normalized_texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every word of every (normalised, single-spaced) text, flat, and words per text."""
    lengths = np.fromiter(
        (t.count(" ") + 1 if t else 0 for t in normalized_texts),
        dtype=np.int64,
        count=len(normalized_texts),
    )
    codes = np.frombuffer(" ".join(normalized_texts).encode("utf-32-le"), dtype=np.uint32).astype(
        np.uint64
    )
    if not len(codes):
        return np.empty(0, dtype=np.uint64), lengths
    space = codes == 32
    word = ~space
    starts = np.flatnonzero(word & np.concatenate([[True], space[:-1]]))
    ends = np.flatnonzero(word & np.concatenate([space[1:], [True]])) + 1
    powers, inverse = _powers(len(codes))
    prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
    np.cumsum(codes * powers[: len(codes)], dtype=np.uint64, out=prefix[1:])
    h = (prefix[ends] - prefix[starts]) * inverse[starts]
    h ^= h >> np.uint64(30)  # splitmix64 finaliser
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h, lengths


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """n x BANDS uint64 keys; two documents are LSH candidates when any column is equal."""
    bands = sigs.reshape(len(sigs), BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        keys: np.ndarray = (bands * _BAND_MIX).sum(axis=2, dtype=np.uint64)
        keys ^= np.arange(BANDS, dtype=np.uint64) * np.uint64(0xFF51AFD7ED558CCD)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM
