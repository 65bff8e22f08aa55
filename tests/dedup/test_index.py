"""dedup/index.py: the in-memory dedup index, by position. Whatever chunks it was grown in (segments of
earlier days, batches of this run), a position gives back its article, its first-seen article, its
content hash and its signature; a URL key finds its newest position, a content hash its first; a
signature finds the positions that share a band with it; a stored segment, loaded into another index,
carries the history across runs."""

from __future__ import annotations

import random

import numpy as np

from dedup.engine import Deduplicator, Document
from dedup.index import DedupIndex
from dedup.normalize import content_hash, normalize_many
from dedup.signatures import NUM_PERM, band_keys, signatures
from tests.dedup.labelled_set import seed_stories


def _chunk(first: int, texts: list[str], urls: list[int]) -> dict[str, np.ndarray]:
    """A chunk as a segment stores it: the documents first, first + 1, ..."""
    normalized = normalize_many(texts)
    ids = [f"a{first + n}" for n in range(len(texts))]
    return {
        "ids": np.array(ids, dtype=str),
        "root_ids": np.array([f"root-{i}" for i in ids], dtype=str),
        "url_keys": np.array(urls, dtype=np.uint64),
        "contents": np.array([content_hash(t) for t in normalized], dtype=np.uint64),
        "signatures": signatures(normalized),
    }


def _texts(rng: random.Random, n: int) -> list[str]:
    words = ["خبر", "قصف", "حلب", "دوما", "مفاوضات", "الغوطة", "اجتماع", "وزير", "سوق", "مدينة"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(3, 40))) for _ in range(n)]


def test_a_position_gives_back_its_document_whatever_chunk_it_came_in():
    rng = random.Random(7)
    index = DedupIndex()
    chunks, texts, urls = [], [], []
    for size in (5, 0, 1, 17, 3, 3, 3, 40, 2, 9):  # LSM merges at uneven sizes; an empty chunk
        chunk_texts = _texts(rng, size)
        chunk_urls = [rng.randrange(30) for _ in range(size)]  # URL keys repeat across chunks
        chunk = _chunk(len(texts), chunk_texts, chunk_urls)
        index.add_chunk(chunk)
        chunks.append(chunk)
        texts += chunk_texts
        urls += chunk_urls
    assert len(index) == len(texts) == 83
    normalized = normalize_many(texts)
    sigs = signatures(normalized)
    for position in (0, 4, 5, 6, 22, 23, 82):
        assert index.article_id(position) == f"a{position}"
        assert index.root_id(position) == f"root-a{position}"
        assert index.content(position) == content_hash(normalized[position])
        assert (index.signature(position) == sigs[position]).all()
    # a URL key finds its newest position, a content hash its first, anything else -1
    newest = {url: n for n, url in enumerate(urls)}
    first: dict[int, int] = {}
    for n, text in enumerate(normalized):
        first.setdefault(content_hash(text), n)
    asked = np.array([*range(30), 999], dtype=np.uint64)
    expected = [newest.get(u, -1) for u in range(30)] + [-1]
    assert index.url_positions.lookup(asked).tolist() == expected
    hashes = np.array([*first, 12345], dtype=np.uint64)
    assert index.content_positions.lookup(hashes).tolist() == [*first.values(), -1]
    # a signature finds the positions sharing a band with it (itself among them), none for a stranger
    found = index.bands.lookup(band_keys(sigs[[22, 82]]), limit=1000)
    assert 22 in found[0] and 82 in found[1]
    stranger = signatures(normalize_many(["نص لا يشبه أي شيء آخر في هذا الفهرس على الإطلاق"]))
    assert index.bands.lookup(band_keys(stranger), limit=1000) == [[]]


def test_a_band_lookup_takes_the_oldest_candidates_up_to_its_limit():
    index = DedupIndex()
    same = _texts(random.Random(1), 1) * 10
    index.add_chunk(_chunk(0, same[:4], [0] * 4))
    index.add_chunk(_chunk(4, same[4:], [0] * 6))
    keys = band_keys(signatures(normalize_many(same[:1])))
    assert index.bands.lookup(keys, limit=3) == [[0, 1, 2]]
    assert sorted(set(index.bands.lookup(keys, limit=1000)[0])) == list(range(10))


def test_a_segment_is_the_positions_as_stored_across_chunks():
    rng = random.Random(3)
    index = DedupIndex()
    index.add_chunk(_chunk(0, _texts(rng, 4), [1, 2, 3, 4]))
    index.add_chunk(_chunk(4, _texts(rng, 6), [5, 6, 7, 8, 9, 10]))
    whole = index.segment()
    assert whole["ids"].tolist() == [f"a{n}" for n in range(10)]
    part = index.segment(2, 7)  # across the chunks' boundary
    assert part["ids"].tolist() == ["a2", "a3", "a4", "a5", "a6"]
    assert part["url_keys"].tolist() == [3, 4, 5, 6, 7]
    assert (part["signatures"] == whole["signatures"][2:7]).all()
    empty = DedupIndex().segment()
    assert empty["signatures"].shape == (0, NUM_PERM) and empty["contents"].dtype == np.uint64
    again = DedupIndex()
    again.add_segment(whole)
    assert len(again) == 10 and again.article_id(9) == "a9"
    assert again.url_positions.lookup(np.array([7], dtype=np.uint64)).tolist() == [6]


def test_index_segments_carry_history_across_runs():
    """Day 1's index, stored as a segment and loaded by day 2's run, makes a day-2 copy a duplicate."""
    stories = seed_stories()
    day1 = Deduplicator()
    list(
        day1.run(
            [Document(f"d1-{n}", "\n".join(ps), url) for n, (_, url, ps) in enumerate(stories)]
        )
    )
    segment = day1.index.segment()
    index = DedupIndex()
    index.add_segment(segment)
    copy = "\n".join(stories[3][2][1:])  # the lead paragraph dropped, on another site
    decisions = list(
        Deduplicator(index).run(
            [
                Document("d2-copy", copy, "https://elsewhere.example/x"),
                Document("d2-new", "نص مختلف تماما عن كل ما سبق " * 20),
            ]
        )
    )
    assert decisions[0].duplicate_of == "d1-3" and decisions[0].reason == "near_duplicate"
    assert decisions[1].duplicate_of is None
