"""The dedup layers, applied in order to each document against everything seen before it.

1. canonical URL: the same URL key with the same normalised text is a duplicate (`canonical_url`); with
   changed text it is a new revision linked to the earlier one (`revision_of`), kept as an original;
2. exact normalised content (`exact_content`);
3. near-duplicate: MinHash LSH candidates whose estimated Jaccard similarity of word 3-shingles is at
   least the threshold (`near_duplicate`).
A duplicate points at the first-seen (canonical) article of its group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from itertools import islice

import numpy as np

from dedup import THRESHOLD, check_threshold
from dedup.index import DedupIndex
from dedup.normalize import content_hash, normalize_many
from dedup.signatures import band_keys, signatures, similarity
from dedup.urls import canonical_url

BATCH = 10_000
SIGN_CHUNK = 2_000
SIGN_THREADS = 2
CANDIDATE_LIMIT = 32


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    url: str | None = None
    canonical: str | None = None  # the page's <link rel=canonical>, when known


@dataclass(frozen=True)
class Decision:
    id: str
    duplicate_of: str | None
    revision_of: str | None
    reason: (
        str | None
    )  # canonical_url | exact_content | near_duplicate | revision | None (an original)
    similarity: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def url_key(url: str) -> int:
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "little")


class Deduplicator:
    def __init__(self, index: DedupIndex | None = None, threshold: float = THRESHOLD):
        self.index = index if index is not None else DedupIndex()
        self.threshold = check_threshold(threshold)

    def run(self, documents: Iterable[Document]) -> Iterator[Decision]:
        """Decisions in input order; the input order is the order in which documents were first seen."""
        iterator = iter(documents)
        while batch := list(islice(iterator, BATCH)):
            yield from self._batch(batch)

    def _batch(self, docs: list[Document]) -> list[Decision]:
        index = self.index
        normalized, sigs = _normalize_and_sign([doc.text for doc in docs])
        contents = [content_hash(text) for text in normalized]
        urls = [url_key(canonical_url(doc.url, doc.canonical)) if doc.url else None for doc in docs]
        keys = band_keys(sigs)
        comparable = [bool(text) for text in normalized]
        earlier = index.bands.lookup(keys, CANDIDATE_LIMIT)
        within = _within_batch_candidates(keys)
        first = len(index)
        decisions = []
        for i, doc in enumerate(docs):
            decision = self._decide(
                doc,
                urls[i],
                contents[i],
                sigs,
                i,
                first,
                comparable[i],
                earlier[i],
                within.get(i, ()),
            )
            root = decision.duplicate_of or doc.id
            # a document without URL gets a key of its own, so it never matches by URL
            url = urls[i]
            index.append(
                doc.id, root, url if url is not None else url_key(f"id:{doc.id}"), contents[i]
            )
            decisions.append(decision)
        index.add_signatures(sigs, keys, first)
        return decisions

    def _decide(
        self,
        doc: Document,
        url: int | None,
        content: int,
        sigs: np.ndarray,
        i: int,
        first: int,
        comparable: bool,
        earlier: Iterable[int],
        within: Iterable[int],
    ) -> Decision:
        """sigs: the batch's signatures, this document's at row i; positions from `first` on are the batch's."""
        index = self.index
        sig = sigs[i]

        def signature(position: int) -> np.ndarray:
            return index.signature(position) if position < first else sigs[position - first]

        if url is not None and (previous := index.url_pos.get(url)) is not None:
            if index.contents[previous] == content:
                return Decision(doc.id, index.root_ids[previous], None, "canonical_url", 1.0)
            sim = similarity(sig, signature(previous))
            return Decision(doc.id, None, index.ids[previous], "revision", round(sim, 3))
        if (previous := index.content_pos.get(content)) is not None:
            return Decision(doc.id, index.root_ids[previous], None, "exact_content", 1.0)
        if comparable:
            best, best_sim = None, 0.0
            for position in {*earlier, *(first + j for j in within)}:
                sim = similarity(sig, signature(position))
                if sim > best_sim:
                    best, best_sim = position, sim
            if best is not None and best_sim >= self.threshold:
                return Decision(
                    doc.id, index.root_ids[best], None, "near_duplicate", round(best_sim, 3)
                )
        return Decision(doc.id, None, None, None, None)


def _sign_chunk(texts: list[str]) -> tuple[list[str], np.ndarray]:
    normalized = normalize_many(texts)
    return normalized, signatures(normalized)


def _normalize_and_sign(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """Normalised texts and signatures, in chunks on two threads (numpy and rensa release the GIL; small
    chunks also keep the per-character arrays in cache)."""
    chunks = [texts[start : start + SIGN_CHUNK] for start in range(0, len(texts), SIGN_CHUNK)]
    if len(chunks) == 1:
        return _sign_chunk(texts)
    with ThreadPoolExecutor(SIGN_THREADS) as pool:
        results = list(pool.map(_sign_chunk, chunks))
    return [t for normalized, _ in results for t in normalized], np.concatenate(
        [s for _, s in results]
    )


def _within_batch_candidates(keys: np.ndarray) -> dict[int, list[int]]:
    """For each row, the earlier rows of the batch sharing a band key (at most CANDIDATE_LIMIT)."""
    n = len(keys)
    flat = keys.reshape(-1)
    rows = np.repeat(np.arange(n), keys.shape[1])
    order = np.lexsort((rows, flat))
    sorted_keys, sorted_rows = flat[order], rows[order]
    same = (
        np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1]) + 1
    )  # positions equal to their predecessor
    found: dict[int, list[int]] = {}
    if not len(same):
        return found
    run_start = np.searchsorted(sorted_keys, sorted_keys[same], side="left")
    for pos, start in zip(same.tolist(), run_start.tolist(), strict=True):
        row = int(sorted_rows[pos])
        bucket = found.setdefault(row, [])
        if len(bucket) < CANDIDATE_LIMIT:
            bucket.extend(
                r
                for r in sorted_rows[start : min(pos, start + CANDIDATE_LIMIT)].tolist()
                if r != row
            )
    return found
