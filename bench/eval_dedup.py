"""`make eval` (dedup part): pairwise precision and recall on the labelled set (tests/dedup/labelled_set.py)
for a sweep of near-duplicate thresholds, and the similarity gap the default threshold sits in."""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dedup import THRESHOLD  # noqa: E402
from dedup.engine import Deduplicator, Document  # noqa: E402
from dedup.normalize import normalize_many  # noqa: E402
from dedup.signatures import signatures, similarity  # noqa: E402
from tests.dedup.labelled_set import labelled_set  # noqa: E402


def pairs(groups: dict[str, str]) -> set[frozenset]:
    return {frozenset(p) for p in combinations(groups, 2) if groups[p[0]] == groups[p[1]]}


def main() -> None:
    docs = labelled_set()
    truth = pairs({d.id: d.group for d in docs})
    print(
        f"labelled set: {len(docs)} documents, {len(truth)} duplicate pairs, "
        f"{sum(1 for d in docs if d.kind == 'shared-lead')} hard negatives (shared lead paragraph)"
    )
    sigs = signatures(normalize_many([d.text for d in docs]))
    same, different = [], []
    for i, j in combinations(range(len(docs)), 2):
        (same if docs[i].group == docs[j].group else different).append(similarity(sigs[i], sigs[j]))
    print(
        f"estimated Jaccard: duplicate pairs >= {min(same):.3f}, different pairs <= {max(different):.3f}"
    )
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7}")
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        decisions = Deduplicator(threshold=threshold).run(
            Document(d.id, d.text, d.url) for d in docs
        )
        predicted = pairs({d.id: d.duplicate_of or d.id for d in decisions})
        hit = len(predicted & truth)
        precision = hit / len(predicted) if predicted else 1.0
        mark = "  <- default" if threshold == THRESHOLD else ""
        print(f"{threshold:>9.2f} {precision:>9.3f} {hit / len(truth):>7.3f}{mark}")


if __name__ == "__main__":
    main()
