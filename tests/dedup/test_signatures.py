"""The batch fold and signatures (numpy over a whole batch) against the rules written out text by text:
what a segment stores must not depend on how its texts were batched, and must stay comparable with the
segments already archived."""

from __future__ import annotations

import hashlib
import random
import unicodedata

import numpy as np
import pytest
from rensa import RMinHash

from dedup.engine import Deduplicator, Document
from dedup.index import DedupIndex
from dedup.normalize import content_hash, fold_batch, normalize_many
from dedup.signatures import NUM_PERM, SEED, signatures, signatures_of_folded
from tests.dedup.labelled_set import labelled_set, seed_stories

MASK = (1 << 64) - 1
FOLD = {
    **{c: "ا" for c in "أإآٱ"},
    "ى": "ي",
    "ة": "ه",
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}
HOSTILE = [
    "",
    " ",
    "\u0640\u064b",  # tatweel and tanween only: nothing left
    "a",
    "a b",
    "a b c",
    "😀 x 😀 y",  # outside the BMP
    "\ud800 lone surrogate",
    "x\x00y\x01z",  # the separator's code unit inside a text
    "  lead  and   trail  ",
    "ﻻ ﷲ ﷺ presentation forms",
    "İstanbul ǅ ß ﬁ",
    "١٢٣ ۴۵۶ 789",
    "\u200f\u200eRTL\u200b",
    "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u3000 whitespace",
    "𝐀𝐁𝐂 mathematical letters",
    "كلمة" * 500,
]


def reference_normalize(text: str) -> str:
    """The normalisation rules of dedup/normalize.py, one character at a time."""
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if ch in FOLD:
            out.append(FOLD[ch])
        elif ord(ch) > 0xFFFF:
            out.append(" ")
        elif ch == "\u0640" or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        elif not ch.isalnum():
            out.append(" ")
        else:
            lower = ch.lower()
            out.append(lower if len(lower) == 1 else ch)
    return " ".join("".join(out).split())


def _splitmix(h: int) -> int:
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & MASK
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & MASK
    return h ^ (h >> 31)


def reference_signature(normalized: str) -> np.ndarray:
    """MinHash of the text's word 3-shingles (its words when shorter), hashed as documented."""
    words = [
        _splitmix(sum(ord(c) * pow(0x100000001B3, k, 1 << 64) for k, c in enumerate(w)) & MASK)
        for w in normalized.split()
    ]
    if not words:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    mix = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
    tokens = (
        [
            ((a * mix[0]) & MASK) ^ ((b * mix[1]) & MASK) ^ ((c * mix[2]) & MASK)
            for a, b, c in zip(words, words[1:], words[2:], strict=False)
        ]
        if len(words) >= 3
        else words
    )
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(
        np.array(tokens, dtype=np.uint64),
        np.array([0, len(tokens)], dtype=np.uint64),
        NUM_PERM,
        SEED,
    )
    return np.array(matrix.to_rows()[0], dtype=np.uint32)


def _corpus() -> list[str]:
    rng = random.Random(5)
    texts = list(HOSTILE) + [d.text for d in labelled_set()[:10]]
    for _ in range(60):  # random mixes of Arabic, Latin, marks, spaces and anything else
        texts.append(
            "".join(
                chr(
                    rng.choice(
                        [
                            rng.randint(0x621, 0x652),
                            rng.randint(0x41, 0x7A),
                            0x20,
                            0x20,
                            rng.randint(0, 0x10FFFF),
                        ]
                    )
                )
                for _ in range(rng.randint(0, 120))
            )
        )
    rng.shuffle(texts)
    return texts


def test_a_batch_folds_and_signs_each_text_as_the_rules_say():
    texts = _corpus()
    normalized, folded = fold_batch(texts)
    assert normalized == [reference_normalize(t) for t in texts]
    assert normalize_many(texts) == normalized
    sigs = signatures(normalized)
    for text, sig in zip(normalized, sigs, strict=True):
        assert (sig == reference_signature(text)).all(), text[:40]
    # and the batch, cut anywhere, signs the same
    for cut in (1, 7, len(texts) - 1):
        again = np.concatenate([signatures(normalized[:cut]), signatures(normalized[cut:])])
        assert (again == sigs).all()
    # a batch where no text holds the separator's code unit (the joints found by it) folds the same
    plain = [t for t in texts if chr(0) not in t]
    assert len(plain) < len(texts) and any(ord(c) > 0xFFFF for t in plain for c in t)
    normalized, folded = fold_batch(plain)
    assert normalized == [reference_normalize(t) for t in plain]
    for text, sig in zip(normalized, signatures_of_folded(folded, len(plain)), strict=True):
        assert (sig == reference_signature(text)).all(), text[:40]


def test_signatures_stay_comparable_with_archived_segments():
    """The signatures of the seed stories as every archived segment so far holds them (dedup/index.npz):
    a change here makes the window of earlier days incomparable (bump signatures.ALGORITHM then)."""
    sigs = signatures(normalize_many(["\n".join(ps) for _, _, ps in seed_stories()]))
    assert sigs.shape == (5, NUM_PERM) and sigs.dtype == np.uint32
    assert (
        hashlib.sha256(sigs.tobytes()).hexdigest()
        == "fbef36d8eecc9fd1dc57f5d5b338dd40801120ed88b6c3604857f8d291488ebd"
    )
    assert content_hash(normalize_many(["قال المرصد"])[0]) == int.from_bytes(
        hashlib.blake2b("قال المرصد".encode(), digest_size=8).digest(), "little"
    )


@pytest.mark.parametrize("batch", [1, 3, 10_000])
def test_decisions_do_not_depend_on_the_batch_size(batch):
    """URL, content and near-duplicate layers against the window and earlier rows of the same run, the
    run cut into batches of any size (a batch looks up its rows at once)."""
    stories = seed_stories()
    day1 = Deduplicator()
    list(
        day1.run(
            [Document(f"d1-{n}", "\n".join(ps), url) for n, (_, url, ps) in enumerate(stories)]
        )
    )
    index = DedupIndex()
    index.add_segment(day1.index.segment())
    text = ["\n".join(ps) for _, _, ps in stories]
    edited = text[2] + "\nتحديث: ارتفعت الحصيلة."
    docs = [
        Document("same-url", text[0], stories[0][1] + "?utm_source=x"),  # window, by URL
        Document("revised", edited, stories[2][1]),  # window URL, new text: a revision
        Document("revised-again", edited, stories[2][1]),  # the run's own newer row wins
        Document("copy", "\n".join(stories[3][2][1:]), "https://elsewhere.example/x"),
        Document("new", "خبر جديد لا يشبه شيئا مما سبق " * 30, "https://new.example/1"),
        Document("new-copy", "خبر جديد لا يشبه شيئا مما سبق " * 30),  # no URL: by content
        Document("empty", "", "https://new.example/empty"),
        Document("empty-too", "  \u064b "),  # nothing to compare: an original
    ]
    # the same URL again and again: the newest row with it is what a later row is compared with
    docs += [
        Document(f"rev{n}", f"{text[4]}\nتحديث {n}: " + "كلمة " * n, stories[4][1])
        for n in range(6)
    ]
    docs += [Document("rev5-again", docs[-1].text, stories[4][1])]
    decisions = [d.to_dict() for d in Deduplicator(index, batch=batch).run(docs)]
    assert [(d["id"], d["duplicate_of"], d["revision_of"], d["reason"]) for d in decisions] == [
        ("same-url", "d1-0", None, "canonical_url"),
        ("revised", None, "d1-2", "revision"),
        ("revised-again", "revised", None, "canonical_url"),
        ("copy", "d1-3", None, "near_duplicate"),
        ("new", None, None, None),
        ("new-copy", "new", None, "exact_content"),
        ("empty", None, None, None),
        ("empty-too", "empty", None, "exact_content"),
        ("rev0", None, "d1-4", "revision"),
        *((f"rev{n}", None, f"rev{n - 1}", "revision") for n in range(1, 6)),
        ("rev5-again", "rev5", None, "canonical_url"),
    ]
