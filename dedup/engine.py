"""The dedup layers, applied in order to each document against everything seen before it.

1. canonical URL: the same URL key with the same normalised text is a duplicate (`canonical_url`); with
   changed text it is a new revision linked to the earlier one (`revision_of`), kept as an original;
2. exact normalised content (`exact_content`);
3. near-duplicate: MinHash LSH candidates whose estimated Jaccard similarity of word 3-shingles is at
   least the threshold (`near_duplicate`).
A duplicate points at the first-seen (canonical) article of its group.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice

import numpy as np

from dedup import THRESHOLD, check_threshold
from dedup.index import DedupIndex
from dedup.signatures import band_keys, similarity
from dedup.signing import Signed, located, signed_batches

BATCH = 10_000
CANDIDATE_LIMIT = 32
# the steps of a batch whose CPU time `Deduplicator.steps` adds up (seconds of the threads doing them)
STEPS = ("normalise", "sign", "url_keys", "lookup", "decide", "insert")


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


class Deduplicator:
    def __init__(
        self, index: DedupIndex | None = None, threshold: float = THRESHOLD, batch: int = BATCH
    ):
        self.index = index if index is not None else DedupIndex()
        self.threshold = check_threshold(threshold)
        self.batch = batch  # documents signed and looked up at once
        self.steps = dict.fromkeys(STEPS, 0.0)  # CPU seconds of each step so far (see STEPS)

    def run(self, documents: Iterable[Document]) -> Iterator[Decision]:
        """Decisions in input order; the input order is the order in which documents were first seen.
        The next batch is signed on other threads while this one is decided."""
        iterator = iter(documents)
        batches = iter(lambda: list(islice(iterator, self.batch)), [])
        for docs, signed, spent in signed_batches(batches):
            for step, seconds in zip(("normalise", "sign", "url_keys"), spent, strict=True):
                self.steps[step] += seconds
            yield from self._batch(docs, signed)

    def _batch(self, docs: list[Document], signed: Signed) -> list[Decision]:
        index, steps = self.index, self.steps
        sigs, contents, nonempty, urls = signed
        began = time.thread_time()
        keys = band_keys(sigs)
        now = time.thread_time()
        steps["sign"] += now - began
        began = now
        first = len(index)
        batch = _Batch(index, first, sigs, contents)
        earlier_url = index.url_positions.lookup(urls).tolist()
        earlier_content = index.content_positions.lookup(contents).tolist()
        earlier = index.bands.lookup(keys, CANDIDATE_LIMIT)
        within = _within_batch_candidates(keys)
        now = time.thread_time()
        steps["lookup"] += now - began
        began = now
        url_keys, content_keys = urls.tolist(), contents.tolist()
        comparable = nonempty.tolist()
        newest_url: dict[int, int] = {}  # within the batch: URL key -> newest position
        first_content: dict[int, int] = {}  # content hash -> first position
        decisions = []
        for i, doc in enumerate(docs):
            url, content = url_keys[i], content_keys[i]
            if located(doc):
                previous = newest_url.get(url, earlier_url[i])
                same_url = previous if previous >= 0 else None
            else:
                same_url = None
            previous = earlier_content[i]
            if previous < 0:
                previous = first_content.get(content, -1)
            decision = self._decide(
                doc,
                batch,
                i,
                content,
                same_url,
                previous if previous >= 0 else None,
                comparable[i],
                {*earlier[i], *(first + j for j in within.get(i, ()))},
            )
            batch.add(doc.id, decision.duplicate_of or doc.id)
            newest_url[url] = first + i
            first_content.setdefault(content, first + i)
            decisions.append(decision)
        now = time.thread_time()
        steps["decide"] += now - began
        index.add_chunk(batch.chunk(urls), keys)
        steps["insert"] += time.thread_time() - now
        return decisions

    def _decide(
        self,
        doc: Document,
        batch: _Batch,
        i: int,
        content: int,
        same_url: int | None,
        same_content: int | None,
        comparable: bool,
        candidates: set[int],
    ) -> Decision:
        """The decision for the batch's row i, given the positions seen before it with its URL and its
        content, and its near-duplicate candidates."""
        sig = batch.sigs[i]
        if same_url is not None:
            if batch.content(same_url) == content:
                return Decision(doc.id, batch.root_id(same_url), None, "canonical_url", 1.0)
            sim = similarity(sig, batch.signature(same_url))
            return Decision(doc.id, None, batch.article_id(same_url), "revision", round(sim, 3))
        if same_content is not None:
            return Decision(doc.id, batch.root_id(same_content), None, "exact_content", 1.0)
        if comparable:
            best, best_sim = None, 0.0
            for position in sorted(candidates):  # a tie goes to the first seen
                sim = similarity(sig, batch.signature(position))
                if sim > best_sim:
                    best, best_sim = position, sim
            if best is not None and best_sim >= self.threshold:
                return Decision(
                    doc.id, batch.root_id(best), None, "near_duplicate", round(best_sim, 3)
                )
        return Decision(doc.id, None, None, None, None)


class _Batch:
    """A batch being decided: its rows from position `first` on, the index's before."""

    def __init__(self, index: DedupIndex, first: int, sigs: np.ndarray, contents: np.ndarray):
        self.index, self.first, self.sigs, self.contents = index, first, sigs, contents
        self.ids: list[str] = []
        self.root_ids: list[str] = []

    def add(self, article_id: str, root_id: str) -> None:
        self.ids.append(article_id)
        self.root_ids.append(root_id)

    def signature(self, position: int) -> np.ndarray:
        if position >= self.first:
            sig: np.ndarray = self.sigs[position - self.first]
            return sig
        return self.index.signature(position)

    def content(self, position: int) -> int:
        if position >= self.first:
            return int(self.contents[position - self.first])
        return self.index.content(position)

    def article_id(self, position: int) -> str:
        if position >= self.first:
            return self.ids[position - self.first]
        return self.index.article_id(position)

    def root_id(self, position: int) -> str:
        if position >= self.first:
            return self.root_ids[position - self.first]
        return self.index.root_id(position)

    def chunk(self, url_keys: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "ids": np.array(self.ids, dtype=str),
            "root_ids": np.array(self.root_ids, dtype=str),
            "url_keys": url_keys,
            "contents": self.contents,
            "signatures": self.sigs,
        }


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
