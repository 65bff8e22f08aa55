"""MinHash signatures of word shingles (rensa, in Rust) and the LSH band keys derived from them.

Shingle hashes are built with numpy from rensa's stable 64-bit word hashes, for a whole batch at once:
shingling in Python is what usually makes MinHash slow.
"""

from __future__ import annotations

import numpy as np
from rensa import RMinHash

NUM_PERM = 128
SEED = 20261121  # fixed forever: signatures in the archive must stay comparable with new ones
SHINGLE = 3  # words per shingle
BANDS, ROWS = 32, 4  # LSH: candidate when one band of 4 values matches (P=0.87 at Jaccard 0.5, 1.0 at 0.8)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_MIX = np.array([0x87C37B91114253D5, 0x4CF5AD432745937F, 0x52DCE729DA3ED7FD, 0x38495AB5ED8E9F1B],
                     dtype=np.uint64)


def signatures(normalized_texts: list[str]) -> np.ndarray:
    """MinHash signatures (n x NUM_PERM uint32) of normalised texts; a text shorter than a shingle uses
    its words, an empty text gets an all-max signature that matches nothing real."""
    words = [text.split() for text in normalized_texts]
    word_hashes = RMinHash.hash_token_sets(words)
    lengths = np.fromiter(map(len, word_hashes), dtype=np.int64, count=len(word_hashes))
    flat = np.fromiter((h for doc in word_hashes for h in doc), dtype=np.uint64, count=int(lengths.sum()))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    with np.errstate(over="ignore"):
        shingles = flat[: len(flat) - 2] * _MIX[0] ^ flat[1 : len(flat) - 1] * _MIX[1] ^ flat[2:] * _MIX[2]
    # a shingle starting at i belongs to its document when i + SHINGLE <= the document's end
    long_docs = lengths >= SHINGLE
    shingle_counts = np.where(long_docs, lengths - (SHINGLE - 1), lengths)
    pieces = []
    for start, end, is_long in zip(starts.tolist(), ends.tolist(), long_docs.tolist(), strict=True):
        pieces.append(shingles[start : end - (SHINGLE - 1)] if is_long else flat[start:end])
    tokens = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.uint64)
    offsets = np.concatenate([[0], np.cumsum(shingle_counts)]).astype(np.uint64)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(tokens, offsets, NUM_PERM, SEED)
    sigs = np.array(matrix.to_rows(), dtype=np.uint32).reshape(len(normalized_texts), NUM_PERM)
    sigs[lengths == 0] = np.iinfo(np.uint32).max
    return sigs


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """n x BANDS uint64 keys; two documents are LSH candidates when any column is equal."""
    bands = sigs.reshape(len(sigs), BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        keys = (bands * _BAND_MIX).sum(axis=2, dtype=np.uint64)
        keys ^= np.arange(BANDS, dtype=np.uint64) * np.uint64(0xFF51AFD7ED558CCD)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM
