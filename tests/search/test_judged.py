"""The judged query set (tests/search/judged.py) the stemmer was chosen on: kept as its generator makes
it, and searched through `newsarchive search` as a researcher would, stemmed and with `--exact`."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

from archive.store import open_store
from newsarchive.cli.main import main
from tests.search import judged

KEPT = json.loads(Path(judged.OUT).read_text(encoding="utf-8"))


def test_the_kept_set_is_the_one_its_judgements_make():
    """judged.json is what judged.py's words and the corpus give: at least 50 queries, each with a
    relevant article, none both relevant and a near miss."""
    assert judged.judge() == KEPT
    assert len(KEPT) >= 50
    assert all(case["expected"] for case in KEPT)
    assert not any(set(c["expected"]) & set(c["near_misses"]) for c in KEPT)
    assert len({c["query"] for c in KEPT}) == len(KEPT)


@pytest.fixture(scope="module")
def judged_archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("judged") / "archive"
    ids = judged.publish_documents(open_store(path))
    return str(path), {v: k for k, v in ids.items()}


def search(capsys, archive: str, query: str, *extra: str) -> list[dict]:
    code = main(["search", query, "--archive", archive, "--json", *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    return [json.loads(line) for line in out.out.splitlines()]


@pytest.mark.slow
def test_the_judged_set_through_search_and_exact_mode(
    judged_archive, capsys, tmp_path, monkeypatch
):
    """Stemmed: the figures bench/bench_stemmers.py printed when Light10 was chosen (recall@10 0.892,
    precision@10 0.948 on 2026-12-06), with a little room. --exact: every hit holds the query's exact
    word (as the judge spells it, no clitic in front), so it never finds الحكومية for الحكومة."""
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache"))
    archive, ref_of = judged_archive
    assert main(["search-index", "--archive", archive]) == 0
    capsys.readouterr()
    texts = {d.ref: judged.normal(d.text) for d in judged.documents()}
    recall, precision, exact_recall = [], [], []
    for case in KEPT:
        relevant = set(case["expected"])
        top = [ref_of[h["id"]] for h in search(capsys, archive, case["query"])]
        recall.append(len(relevant & set(top)) / min(10, len(relevant)))
        precision.append(len(relevant & set(top)) / len(top) if top else 0.0)
        word = judged.normal(case["query"])
        alone = re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])")
        holding = {ref for ref, text in texts.items() if alone.search(text)}
        exact = {
            ref_of[h["id"]]
            for h in search(capsys, archive, case["query"], "--exact", "--limit", "1000")
        }
        assert exact == holding, case["query"]
        assert exact == {
            ref_of[h["id"]]
            for h in search(capsys, archive, f'"{case["query"]}"', "--limit", "1000")
        }
        if holding:
            exact_recall.append(len(exact & relevant) / len(relevant))
    with capsys.disabled():
        print(
            f"\njudged set: {len(KEPT)} queries, recall@10 {statistics.mean(recall):.3f}, precision@10 "
            f"{statistics.mean(precision):.3f}; --exact finds {statistics.mean(exact_recall):.3f} of the "
            "relevant articles where the word is"
        )
    assert statistics.mean(recall) >= 0.88 and statistics.mean(precision) >= 0.94
