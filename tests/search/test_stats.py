"""`newsarchive stats`: counts per day and outlet over the search corpus (tests/search/corpus.py), the gap
day flagged (search/stats.py), on a local directory and on SeaweedFS."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from tests.search.cli import cli
from tests.search.corpus import DAYS, GAP_DAY, GAP_OUTLET, QUERIES, stories

SINCE, UNTIL = DAYS[0].isoformat(), DAYS[-1].isoformat()


def test_counts_per_day_and_outlet_flag_the_gap_day(corpus, capsys):
    archive, _, built = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    after = DAYS[-1].replace(day=DAYS[-1].day + 1).isoformat()  # no snapshot that day
    code, out, err = cli(
        capsys,
        "stats",
        "--archive",
        archive,
        "--query",
        "دوما",
        "--by",
        "day,outlet",
        "--since",
        SINCE,
        "--until",
        after,
        "--format",
        "csv",
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    # expected from the corpus itself: which story went to which day, and the labels of دوما
    relevant = set(next(q for q in QUERIES if q["query"] == "دوما")["expected"])
    placed = _placement()
    totals = Counter((day, outlet) for ref, (day, outlet) in placed.items())
    matches = Counter((day, outlet) for ref, (day, outlet) in placed.items() if ref in relevant)
    by_key = {(r["day"], r["outlet"]): r for r in rows}
    for key, total in totals.items():
        assert int(by_key[key]["total"]) == total, key
        assert int(by_key[key]["matches"]) == matches[key], key
        assert float(by_key[key]["ratio"]) == pytest.approx(matches[key] / total, abs=1e-6)
    gap = by_key[(GAP_DAY.isoformat(), GAP_OUTLET)]
    assert gap["total"] == "0" and gap["gap"] == "crawl:http_500" and gap["ratio"] == ""
    assert {r["gap"] for r in rows if r["day"] == after} == {"no_snapshot"}
    assert all(
        r["gap"] == ""
        for r in rows
        if r["day"] != after and (r["day"], r["outlet"]) != (GAP_DAY.isoformat(), GAP_OUTLET)
    )
    # by day: the outlets with a gap that day are named on the day's row
    code, out, _ = cli(
        capsys,
        "stats",
        "--archive",
        archive,
        "--by",
        "day",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--format",
        "csv",
    )
    assert {r["day"]: r["gap"] for r in csv.DictReader(io.StringIO(out))}[
        GAP_DAY.isoformat()
    ] == "orient crawl:http_500"
    # by outlet: the gap day is named on the outlet's row
    code, out, _ = cli(
        capsys,
        "stats",
        "--archive",
        archive,
        "--by",
        "outlet",
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--format",
        "csv",
    )
    orient = next(r for r in csv.DictReader(io.StringIO(out)) if r["outlet"] == GAP_OUTLET)
    assert orient["gap"] == f"{GAP_DAY} crawl:http_500" and orient["matches"] == orient["total"]


def _placement() -> dict[str, tuple[str, str]]:
    """story ref -> (day, outlet) as publish_corpus places it (the duplicate row excluded)."""
    out = {}
    all_stories = stories()
    for n, story in enumerate(all_stories):
        day = DAYS[n % 3]
        if day == GAP_DAY and story.outlet == GAP_OUTLET:
            day = DAYS[0]
        out[story.ref] = (day.isoformat(), story.outlet)
    return out
