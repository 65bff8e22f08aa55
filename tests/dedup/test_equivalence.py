"""The batched engine (numpy folds, packed LSH band keys, sorted lookups, a window of segments) against
the layers of docs/dedup.md written out text by text and pair by pair: on a generated corpus with
near-duplicates on both sides of the threshold, exact copies, orthographic variants, URL variants,
revisions and documents without a URL, both give every document the same decision."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

from dedup import THRESHOLD
from dedup.engine import Deduplicator, Document
from dedup.index import DedupIndex
from dedup.signatures import BANDS, ROWS
from dedup.urls import canonical_url
from tests.dedup.test_signatures import reference_normalize, reference_signature

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
MARKS = "\u064b\u064e\u064f\u0650\u0651\u0640"  # tanween, fatha, damma, kasra, shadda, tatweel


def corpus(seed: int, count: int) -> list[Document]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choices(LETTERS, k=rng.randint(2, 7))) for _ in range(400)]
    docs: list[Document] = []
    for n in range(count):
        kind = rng.random() if docs else 1.0
        url = f"https://www.outlet{n % 4}.example/news/{n}"
        if (
            kind < 0.25
        ):  # a copy with 1% to 25% of its words changed: Jaccard ~1 to ~0.2, 0.5 at ~12%
            words = rng.choice(docs).text.split()
            share = rng.choice([0.01, 0.04, 0.08, 0.1, 0.11, 0.12, 0.13, 0.14, 0.16, 0.25])
            for k in rng.sample(range(len(words)), round(len(words) * share)):
                words[k] = rng.choice(vocab)
            text = " ".join(words)
        elif kind < 0.32:  # the same text with marks and another spacing: exact content
            base = rng.choice(docs).text
            text = "  ".join(w + rng.choice(MARKS) for w in base.split())
        elif (
            kind < 0.38
        ):  # the same page under a tracking or mobile URL, the text the same or edited
            earlier = rng.choice(docs)
            url = (earlier.url or url).replace("www.", "m.") + "?utm_source=x"
            text = earlier.text if rng.random() < 0.5 else earlier.text + " " + rng.choice(vocab)
        elif kind < 0.42:  # a shorter text: a few words, or none left once normalised
            text = " ".join(rng.choices(vocab, k=rng.randint(0, 3))) or "\u0640\u064b"
        else:
            text = " ".join(rng.choices(vocab, k=rng.randint(40, 120)))
        docs.append(Document(f"d{seed}-{n}", text, None if rng.random() < 0.1 else url))
    return docs


class Reference:
    """docs/dedup.md's layers, one document at a time against every earlier one."""

    def __init__(self) -> None:
        # id, its group's first id, URL key, content hash, signature, its bands
        self.rows: list[tuple[str, str, str, int, np.ndarray, set[tuple[int, bytes]]]] = []
        self.below = 0  # documents whose best LSH candidate scored under the threshold

    def add(self, doc: Document) -> tuple[str | None, str | None, str | None]:
        normalized = reference_normalize(doc.text)
        content = hashlib.blake2b(normalized.encode(), digest_size=8).digest()
        content_key = int.from_bytes(content, "little")
        sig = reference_signature(normalized)
        bands = {(b, sig[b * ROWS : (b + 1) * ROWS].tobytes()) for b in range(BANDS)}
        url = canonical_url(doc.url, doc.canonical) if doc.url else f"id:{doc.id}"
        decision: tuple[str | None, str | None, str | None] = (None, None, None)
        same_url = [row for row in self.rows if doc.url and row[2] == url]
        same_content = [row for row in self.rows if row[3] == content_key]
        if same_url:
            newest = same_url[-1]
            if newest[3] == content_key:
                decision = (newest[1], None, "canonical_url")
            else:
                decision = (None, newest[0], "revision")
        elif same_content:
            decision = (same_content[0][1], None, "exact_content")
        elif normalized:
            best, best_sim = None, 0.0
            for row in self.rows:
                if row[5].isdisjoint(bands):  # an LSH candidate shares one band of ROWS values
                    continue
                sim = float(np.count_nonzero(row[4] == sig)) / len(sig)
                if sim > best_sim:
                    best, best_sim = row, sim
            if best is not None and best_sim >= THRESHOLD:
                decision = (best[1], None, "near_duplicate")
            elif best is not None:
                self.below += 1
        self.rows.append((doc.id, decision[0] or doc.id, url, content_key, sig, bands))
        return decision


@pytest.mark.parametrize("batch", [97, 10_000])
def test_the_engine_decides_as_the_layers_written_out(batch):
    window_docs, day_docs = corpus(1, 300), corpus(2, 300)
    # the day copies from the window too
    rng = random.Random(3)
    for n in rng.sample(range(len(day_docs)), 40):
        words = rng.choice(window_docs).text.split()
        for k in rng.sample(range(len(words)), round(len(words) * rng.uniform(0.0, 0.2))):
            words[k] = words[(k * 7) % len(words)]
        day_docs[n] = Document(day_docs[n].id, " ".join(words), day_docs[n].url)
    reference = Reference()
    expected = [reference.add(doc) for doc in window_docs + day_docs]

    window = Deduplicator(batch=batch)
    got = [(d.duplicate_of, d.revision_of, d.reason) for d in window.run(window_docs)]
    index = DedupIndex()
    index.add_segment(window.index.segment())  # the window as a run loads it: a segment
    got += [
        (d.duplicate_of, d.revision_of, d.reason)
        for d in Deduplicator(index, batch=batch).run(day_docs)
    ]
    assert got == expected
    reasons = {reason for _, _, reason in expected}
    assert reasons == {None, "canonical_url", "revision", "exact_content", "near_duplicate"}
    # copies fall on both sides of the threshold: near-duplicates, and candidates it turns down
    assert sum(reason == "near_duplicate" for _, _, reason in expected) > 50
    assert reference.below > 10
