"""Search over an archive built from the replica's stories (tests/search/corpus.py), on a local directory
and on SeaweedFS: the labelled query set (queries.json) with its morphological variants and near misses,
duplicates and superseded revs left out, hits cited and highlighted, hostile queries, one search over
many days. Segments: test_segment.py; counts: test_stats.py; gc of segments: tests/newsarchive/run/test_gc.py."""

from __future__ import annotations

from tests.search.cli import cli, hits
from tests.search.corpus import DAYS, QUERIES

SINCE, UNTIL = DAYS[0].isoformat(), DAYS[-1].isoformat()


def test_labelled_queries_recall_and_near_misses(corpus, capsys):
    archive, _, built = corpus
    code, out, err = cli(capsys, "search-index", "--archive", archive)
    assert code == 0, err
    assert "3 segment(s) built" in out  # the newest rev of each day (not day 3 rev 1)
    refs = {v: k for k, v in built.ids.items()}
    recalls, full, lines = [], [], []
    for case in QUERIES:
        expected, must_not = set(case["expected"]), set(case["must_not"])
        top = [refs[h["id"]] for h in hits(capsys, archive, case["query"], "--limit", "10")]
        every = [refs[h["id"]] for h in hits(capsys, archive, case["query"], "--limit", "1000")]
        recalls.append(len(expected & set(top)) / min(10, len(expected)))
        full.append(len(expected & set(every)) / len(expected))
        assert not must_not & set(every), (case["query"], sorted(must_not & set(every)))
        lines.append(
            f"{case['query']}: recall@10 {recalls[-1]:.2f}, recall {full[-1]:.2f} of {len(expected)}"
        )
    mean10 = sum(recalls) / len(recalls)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
        print(
            f"labelled queries: {len(QUERIES)}, mean recall@10 {mean10:.3f}, mean recall {sum(full) / len(full):.3f}"
        )
    assert mean10 >= 0.95
    assert min(recalls) >= 0.8


def test_a_hit_is_cited_highlighted_and_from_the_newest_rev_without_duplicates(corpus, capsys):
    archive, store, built = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    found = hits(capsys, archive, "للأطفال", "--limit", "50")
    assert {h["citation"]["article_id"] for h in found} >= {
        built.ids[f"extra/{n}"] for n in (1, 2, 3, 4)
    }
    first = found[0]
    assert "**" in first["snippet"] and any(
        w in first["snippet"]
        for w in ("**الأطفال**", "**للأطفال**", "**بالأطفال**", "**والأطفال**")
    )
    assert set(first["citation"]) == {
        "title",
        "outlet",
        "author",
        "published",
        "url",
        "archived",
        "snapshot",
        "rev",
        "article_id",
        "capture_id",
    }
    assert first["citation"]["capture_id"].startswith("<urn:uuid:")
    # day 3 was published twice: only rev 2 is searched, so nothing comes twice and the late article is there
    everything = hits(capsys, archive, "دوما", "--limit", "1000")
    assert len({h["id"] for h in everything}) == len(everything)
    assert {
        h["rev"]
        for h in (x["citation"] for x in everything)
        if h["snapshot"] == DAYS[2].isoformat()
    } == {2}
    assert built.ids[built.late_ref] in {h["id"] for h in everything}
    # the duplicate row only when asked for
    assert built.duplicate_id not in {h["id"] for h in everything}
    with_dupes = hits(capsys, archive, "دوما", "--limit", "1000", "--include-duplicates")
    assert built.duplicate_id in {h["id"] for h in with_dupes}
    # filters
    only = hits(
        capsys,
        archive,
        "دوما",
        "--limit",
        "1000",
        "--outlet",
        "orient",
        "--since",
        SINCE,
        "--until",
        SINCE,
    )
    assert (
        only and {h["outlet"] for h in only} == {"orient"} and {h["day"] for h in only} == {SINCE}
    )
    assert {h["language"] for h in hits(capsys, archive, "children", "--lang", "en")} == {"en"}
    assert hits(capsys, archive, "children", "--lang", "ar") == []
    # a phrase in the wrong order is not the phrase
    assert hits(capsys, archive, '"بيرقدار حمزة"') == []


def test_hostile_queries_are_words_not_syntax(corpus, capsys):
    archive, _, _ = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    for query in ["NEAR(دوما", "دوما OR", '"دوما', "*", "title:دوما", "دوما AND ) (", "\u0000", "ً"]:
        code, _, err = cli(capsys, "search", query, "--archive", archive)
        assert code in (0, 2) and "Traceback" not in err, (query, err)


def test_one_search_over_all_days_finds_what_each_day_finds(corpus, capsys, tmp_path):
    """Several days are searched as one combined index (global BM25 statistics); a single day alone.
    The hits, with their day and citation, are the same either way."""
    archive, _, _ = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    for query in ["دوما", '"جيش الإسلام"', "مفاوض*", "الغوطة -دوما"]:
        together = {
            (h["id"], h["day"], h["citation"]["rev"], h["citation"]["capture_id"])
            for h in hits(capsys, archive, query, "--limit", "1000")
        }
        alone = {
            (h["id"], h["day"], h["citation"]["rev"], h["citation"]["capture_id"])
            for day in DAYS
            for h in hits(
                capsys,
                archive,
                query,
                "--limit",
                "1000",
                "--since",
                day.isoformat(),
                "--until",
                day.isoformat(),
            )
        }
        assert together and together == alone, query
    assert list((tmp_path / "cache").glob("*/views/*/meta.json"))  # the combined view was used
