"""Which Arabic stemmer makes a segment's stemmed form: every candidate of search/stemmers.py on the
judged query set (tests/search/judged.json: 75 queries over the 88 paragraphs and headlines of the seed
stories, judged by hand: tests/search/judged.py says how), beside exact-form search (no stemmer: what
`--exact` gives, the baseline a user would pick instead).

    python bench/bench_stemmers.py [--details]

For each candidate: the judged articles published as one day's snapshot, its segment built with that
stemmer (`search.segment.index_snapshot`), and every query searched the way `newsarchive search` does
(`search.engine.search`, top 10 and all hits). Printed per candidate: mean recall@10 (relevant articles
in the top 10 over min(10, relevant)), mean precision@10 (relevant in the top 10 over the hits shown,
at most 10), their harmonic mean F (the figure the choice is made on), recall over all hits, the
near-miss articles among all hits (false merges of articles), and over the words themselves: the share
of the query's relevant word forms in the corpus that get the query word's stem, and the near-miss
forms that do (false merges of words); then the words stemmed per second (a build's cost).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def evaluate(name: str | None, tmp: Path, judged: list[dict]) -> dict:
    """The judged set on a segment built with the stemmer `name` (None: exact forms only)."""
    from archive.snapshot import newest_revs
    from archive.store import open_store
    from search import engine
    from search.query import parse
    from search.segment import index_snapshot
    from search.segments_local import open_segments
    from search.text import Analyzer
    from tests.search.judged import publish_documents

    analyzer = Analyzer(name or "light10")
    store = open_store(tmp / f"archive-{name}")
    ids = publish_documents(store)
    ref_of = {v: k for k, v in ids.items()}
    started = time.perf_counter()
    for ref in newest_revs(store):
        index_snapshot(store, ref, analyzer)
    build_s = time.perf_counter() - started
    segments = open_segments(store, tmp / "cache", None, None, analyzer.identity).segments
    recall10, precision10, recall_all, near, per_query = [], [], [], 0, {}
    for case in judged:
        query = parse(case["query"], exact=name is None, analyzer=analyzer)
        top = [ref_of[h["id"]] for h in engine.search(segments, query, engine.Filters(), 10)]
        every = {ref_of[h["id"]] for h in engine.search(segments, query, engine.Filters(), 1000)}
        relevant = set(case["expected"])
        recall10.append(len(relevant & set(top)) / min(10, len(relevant)))
        precision10.append(len(relevant & set(top)) / len(top) if top else 0.0)
        recall_all.append(len(relevant & every) / len(relevant))
        near += len(set(case["near_misses"]) & every)
        per_query[case["query"]] = (recall10[-1], precision10[-1])
    r, p = statistics.mean(recall10), statistics.mean(precision10)
    return {
        "recall10": r,
        "precision10": p,
        "f": 2 * r * p / (r + p) if r + p else 0.0,
        "recall_all": statistics.mean(recall_all),
        "near_articles": near,
        "build_s": build_s,
        "per_query": per_query,
        **({} if name is None else word_figures(analyzer, judged)),
    }


def word_figures(analyzer, judged: list[dict]) -> dict:  # type: ignore[no-untyped-def]
    """Over the corpus's words: the relevant forms that get the query word's stem, the near-miss forms
    that do, and the stemmer's speed on the distinct words (no cache)."""
    import re

    from search import stemmers
    from search.text import surface_many
    from tests.search.judged import documents, words_of

    words = sorted({w for d in documents() for w in surface_many([d.text])[0].split()})
    found = merged = forms = 0
    for case in judged:
        target = analyzer.forms(surface_many([case["query"]])[0].split()[0])[1]
        relevant = words_of(tuple(case["relevant_words"]))
        near = words_of(tuple(case["near_miss_words"])) if case["near_miss_words"] else None
        for word in words:
            judged_word = re.sub("\u064b", "", word)
            stem = analyzer.forms(word)[1]
            if relevant.match(_normal(judged_word)):
                forms += 1
                found += stem == target
            elif near and near.match(_normal(judged_word)):
                merged += stem == target
    core = stemmers.load(analyzer.stemmer)
    started, rounds = time.perf_counter(), 20
    for _ in range(rounds):
        for word in words:
            core(word)
    return {
        "word_recall": found / forms,
        "word_forms": forms,
        "word_merges": merged,
        "words_per_s": rounds * len(words) / (time.perf_counter() - started),
    }


def _normal(word: str) -> str:
    from tests.search.judged import normal

    return normal(word)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--details", action="store_true", help="recall@10 and precision@10 per query"
    )
    args = parser.parse_args()
    from search import stemmers

    judged = json.loads((ROOT / "tests" / "search" / "judged.json").read_text(encoding="utf-8"))
    print(
        f"judged set: {len(judged)} queries over 88 articles (tests/search/judged.json); "
        f"segments are built with: {stemmers.CHOSEN}"
    )
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-stemmers-") as tmp_name:
        for name in [None, *stemmers.CANDIDATES]:
            label = name or "exact forms (--exact)"
            try:
                results[label] = evaluate(name, Path(tmp_name), judged)
            except stemmers.StemmerUnavailable as exc:
                print(f"  {label}: skipped ({exc})")
    print(
        f"{'stemmer':<22} {'recall@10':>9} {'prec@10':>8} {'F':>6} {'recall':>7} {'near':>5} "
        f"{'forms found':>12} {'merged':>7} {'words/s':>9}"
    )
    for label, r in results.items():
        words = (
            f"{r['word_recall']:>12.3f} {r['word_merges']:>7d} {r['words_per_s']:>9,.0f}"
            if "word_recall" in r
            else f"{'-':>12} {'-':>7} {'-':>9}"
        )
        print(
            f"{label:<22} {r['recall10']:>9.3f} {r['precision10']:>8.3f} {r['f']:>6.3f} "
            f"{r['recall_all']:>7.3f} {r['near_articles']:>5d} {words}"
        )
    forms = next((r["word_forms"] for r in results.values() if "word_forms" in r), 0)
    print(
        f"(near: near-miss articles among all hits; forms found: share of the {forms} relevant word forms "
        "of the corpus that get the query word's stem; merged: near-miss forms that do)"
    )
    stemmed = {k: v for k, v in results.items() if k in stemmers.CANDIDATES}
    if stemmed:
        best = max(stemmed, key=lambda k: (round(stemmed[k]["f"], 3), stemmed[k]["recall10"]))
        print(
            f"best by F: {best}; segments are built with {stemmers.CHOSEN}"
            + ("" if best == stemmers.CHOSEN else " (search/stemmers.py CHOSEN is not the best)")
        )
    if args.details:
        for query in results[next(iter(results))]["per_query"]:
            cells = "  ".join(
                f"{label.split()[0]} {r['per_query'][query][0]:.2f}/{r['per_query'][query][1]:.2f}"
                for label, r in results.items()
            )
            print(f"  {query:<14} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
