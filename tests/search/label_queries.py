"""Writes tests/search/queries.json: the labelled query set for the search tests and bench/bench_search.py.

Each query's relevant articles are labelled here by the surface forms of its word in the stories (the
word with the clitics Arabic writes onto it: و، ف، ب، ل، ك، ال), with plain regular expressions over the
original text: nothing of search/ is used, so the labels do not depend on the system under test.
`must_not` lists the near misses: articles that have a look-alike word (دوما / دوماً) and nothing relevant.

    .venv/bin/python -m tests.search.label_queries
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.search.corpus import stories

OUT = Path(__file__).with_name("queries.json")
B, E = (
    r"(?<![^\W_])",
    r"(?![^\W_\u064b])",
)  # word boundaries: a letter or digit may not touch the word
CLITICS = r"(?:[وف]?(?:[بلك]?ال|لل|[بلك])?)"

QUERIES = [
    # (query, what it tests, relevant forms, near-miss forms)
    ("والمفاوضات", "clitics: و+ال on the query", rf"{B}{CLITICS}مفاوضات{E}", None),
    ("بالغوطة", "clitics: ب+ال on the query, ta marbuta", rf"{B}{CLITICS}غوطة{E}", None),
    ("للمدنيين", "clitics: لل; plural suffixes -ين/-ون", rf"{B}{CLITICS}مدني(?:ين|ون){E}", None),
    (
        "الاتفاق",
        "hamza-less alef; tanween fath as the accusative ending (اتفاقاً)",
        rf"{B}{CLITICS}اتفاق(?:اً|ًا)?{E}",
        None,
    ),
    ("الأطفال", "the word with its article", rf"{B}{CLITICS}أطفال{E}", None),
    ("والأطفال", "و+ال", rf"{B}{CLITICS}أطفال{E}", None),
    ("للأطفال", "لل", rf"{B}{CLITICS}أطفال{E}", None),
    ("بالأطفال", "ب+ال", rf"{B}{CLITICS}أطفال{E}", None),
    (
        "دوما",
        "the city, never the adverb دوماً",
        rf"{B}{CLITICS}دوما(?![^\W_])(?!\u064b)",
        r"دوماً|دومًا",
    ),
    (
        "دوماً",
        "the adverb, never the city دوما",
        r"دوماً|دومًا",
        rf"{B}{CLITICS}دوما(?![^\W_])(?!\u064b)",
    ),
    ('"حمزة بيرقدار"', "a phrase", rf"{B}حمزة بيرقدار{E}", None),
    ("المرصد", "a plain word", rf"{B}{CLITICS}مرصد{E}", None),
    ("روسي*", "a prefix", rf"{B}{CLITICS}روسي", None),
    ("زاخاروفا", "a name", rf"{B}{CLITICS}زاخاروفا{E}", None),
    ("children", "English", r"(?i)\bchildren\b", None),
    ("negotiation", "English plural", r"(?i)\bnegotiations?\b", None),
]


def main() -> None:
    corpus = stories()
    out = []
    for query, tests, relevant, near in QUERIES:
        rel = re.compile(relevant)
        expected = sorted(s.ref for s in corpus if rel.search(s.title + "\n" + s.text))
        must_not = sorted(
            s.ref
            for s in corpus
            if near and re.search(near, s.title + "\n" + s.text) and s.ref not in expected
        )
        out.append(
            {
                "query": query,
                "tests": tests,
                "relevant_forms": relevant,
                "expected": expected,
                "must_not": must_not,
            }
        )
        print(f"{query}: {len(expected)} relevant, {len(must_not)} near misses")
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
