"""Search and counts over an archive built from the replica's stories (tests/search/corpus.py), on a
local directory and on SeaweedFS: the labelled query set (queries.json) with its morphological variants
and near misses, duplicates and superseded revs left out, a gap day in the counts, bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from archive import layout
from archive.store import open_store
from newsarchive.cli.main import main
from tests.search.corpus import DAYS, GAP_DAY, GAP_OUTLET, publish_corpus, stories

QUERIES = json.loads(Path(__file__).with_name("queries.json").read_text(encoding="utf-8"))
SINCE, UNTIL = DAYS[0].isoformat(), DAYS[-1].isoformat()


@pytest.fixture(scope="module")
def local_corpus(tmp_path_factory):
    """The corpus published once into a local archive; each test gets a copy of it to change."""
    path = tmp_path_factory.mktemp("search-corpus") / "archive"
    return path, publish_corpus(open_store(path))


@pytest.fixture
def corpus(archive_url, tmp_path, monkeypatch, request):
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache"))
    if archive_url.startswith("s3://"):
        store = open_store(archive_url)
        return archive_url, store, publish_corpus(store)
    built, published = request.getfixturevalue("local_corpus")
    shutil.copytree(built, archive_url)
    return archive_url, open_store(archive_url), published


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse refused an argument
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def hits(capsys, archive: str, query: str, *extra: str) -> list[dict]:
    code, out, err = cli(capsys, "search", query, "--archive", archive, "--json", *extra)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


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


def test_missing_and_damaged_segments_are_named_and_cost_only_their_day(corpus, capsys):
    archive, store, built = corpus
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive, "--json")
    assert (
        code == 0
        and out == ""
        and "3 day(s) have no search segment yet" in err
        and "search-index" in err
    )
    assert (
        cli(capsys, "search-index", "--archive", archive, "--since", SINCE, "--until", SINCE)[0]
        == 0
    )
    code, out, err = cli(capsys, "search-index", "--archive", archive)
    assert code == 0 and "2 segment(s) built, 0 failed, 1 already there" in out
    newest = built.refs[-1]
    data = bytearray(store.get_bytes(layout.search_segment_key(newest)))
    data[len(data) // 2] ^= 0xFF
    store.put_bytes(layout.search_segment_key(newest), bytes(data), overwrite=True)
    found = hits(capsys, archive, "دوما", "--limit", "1000")
    err = capsys.readouterr().err
    assert found and {h["day"] for h in found} == {SINCE, DAYS[1].isoformat()}
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive, "--limit", "1")
    assert f"not searched: {newest.label}" in err and "search-index --rebuild" in err
    assert (
        cli(
            capsys,
            "search-index",
            "--archive",
            archive,
            "--rebuild",
            "--since",
            DAYS[2].isoformat(),
        )[0]
        == 0
    )
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive, "--limit", "1")
    assert "not searched" not in err
    assert (
        store.exists(layout.search_pointer_key(built.refs[-2])) is False
    )  # a superseded rev gets no segment


def test_hits_are_quoted_from_the_snapshot_and_a_segment_of_other_rows_is_named(
    corpus, capsys, tmp_path
):
    """A segment stores where each article is, not its text (format 3): a hit's citation and snippet
    are its snapshot row's; a segment whose rows are not the snapshot's costs only its day."""
    import tantivy

    from archive.snapshot import read_articles
    from search.segment import Pointer, open_index, unpack

    archive, store, built = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    first = built.refs[0]
    rows = {r["id"]: r for r in read_articles(store, first).to_pylist()}
    found = [h for h in hits(capsys, archive, "دوما", "--limit", "1000") if h["day"] == SINCE]
    assert found
    for hit in found:
        row = rows[hit["id"]]
        assert hit["citation"]["url"] == row["url"] and hit["citation"]["title"] == row["title"]
        words = hit["snippet"].replace("**", "").strip(" …").split()
        assert " ".join(words) in " ".join(row["text"].split())
    store.download(layout.search_segment_key(first), tmp_path / "segment.tar")
    unpack(tmp_path / "segment.tar", tmp_path / "segment")  # its stored fields: the locations only
    searcher = open_index(tmp_path / "segment").searcher()
    doc = searcher.doc(searcher.search(tantivy.Query.all_query(), 1).hits[0][1])
    assert set(doc.to_dict()) == {"at"}
    pointer = Pointer.from_bytes(store.get_bytes(layout.search_pointer_key(first)))
    store.put_bytes(
        layout.search_pointer_key(first),
        Pointer(**{**pointer.__dict__, "parts": "0" * 64}).to_bytes(),
        overwrite=True,
    )
    code, out, err = cli(
        capsys, "search", "دوما", "--archive", archive, "--json", "--limit", "1000"
    )
    assert code == 0 and f"not searched: {first.label}" in err and "other Parquet parts" in err
    assert {json.loads(line)["day"] for line in out.splitlines()} == {
        d.isoformat() for d in DAYS[1:]
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "...", "--archive", "{a}"], "has no word to search for"),
        (["search", "--archive", "{a}", "--", "-دوما"], "has no word to search for"),
        (["search", "دوما", "--limit", "0", "--archive", "{a}"], "argument --limit"),
        (["stats", "--by", "week", "--archive", "{a}"], "is not a grouping"),
        (
            [
                "search",
                "دوما",
                "--since",
                "2026-11-20",
                "--until",
                "2026-11-18",
                "--archive",
                "{a}",
            ],
            "is after --until",
        ),
        (["search", "دوما", "--archive", "{a}/nope"], "does not exist"),
        (
            ["search", "دوما", "--archive", "{a}", "--env", "NEWSARCHIVE_SEARCH_CACHE=/proc/nope"],
            "cannot use the search cache",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message, monkeypatch, capsys):
    """Through the CLI's main(), as the shell calls it (in process: the unit tier starts no subprocess)."""
    (tmp_path / "a").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NEWSARCHIVE_SEARCH_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    if "--env" in args:
        name, _, value = args[args.index("--env") + 1].partition("=")
        monkeypatch.setenv(name, value)
        args = args[: args.index("--env")]
    code, _, err = cli(capsys, *[x.format(a=tmp_path / "a") for x in args])
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_hostile_queries_are_words_not_syntax(corpus, capsys):
    archive, _, _ = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    for query in ["NEAR(دوما", "دوما OR", '"دوما', "*", "title:دوما", "دوما AND ) (", "\u0000", "ً"]:
        code, _, err = cli(capsys, "search", query, "--archive", archive)
        assert code in (0, 2) and "Traceback" not in err, (query, err)


def test_publish_builds_the_segment_of_the_new_snapshot(demo_run, tmp_path, monkeypatch, capsys):
    """The publish hook: a pipeline run's snapshot is searchable at once, with its captures cited."""
    settings, result = demo_run
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache"))
    store = open_store(settings.archive, create=False)
    from archive.snapshot import SnapshotRef

    day, rev = result.snapshot.split(" rev ")
    assert store.exists(layout.search_pointer_key(SnapshotRef(day, int(rev))))
    found = hits(capsys, settings.archive, "دوما", "--limit", "100")
    assert found and {h["day"] for h in found} == {day}
    assert all(
        h["citation"]["capture_id"] and h["citation"]["url"].startswith("http") for h in found
    )
    seed = next(s for s in stories() if s.ref == "anapress/0")
    top = hits(capsys, settings.archive, f'"{seed.title}"')
    assert top and top[0]["citation"]["title"] == seed.title and top[0]["outlet"] == "anapress"


def test_an_old_format_segment_is_named_and_the_new_one_built(corpus, capsys):
    """A day indexed by the SQLite version (search/v1/) is not searched until `search-index` builds the
    tantivy segment (search/v3/); the old one is left where it is."""
    archive, store, built = corpus
    first = built.refs[0]
    old = f"search/v1/date={first.day}/rev={first.rev}/segment.json"
    store.put_bytes(old, b'{"format": 1}')
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive)
    assert (
        code == 0
        and "1 of them have a search segment of the old format" in err
        and "search-index" in err
    )
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    code, out, err = cli(capsys, "search", "دوما", "--archive", archive)
    assert code == 0 and "old format" not in err and "no search segment" not in err
    assert store.get_bytes(old) == b'{"format": 1}'


def test_a_segment_tar_cannot_write_outside_its_directory(tmp_path):
    import tarfile

    from search.segment import SegmentError, unpack

    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tar:
        info = tarfile.TarInfo("../escaped")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(SegmentError, match="unexpected member"):
        unpack(bad, tmp_path / "out")
    assert not (tmp_path / "escaped").exists()
    (tmp_path / "junk.tar").write_bytes(b"not a tar at all" * 100)
    with pytest.raises(SegmentError, match="not a search segment"):
        unpack(tmp_path / "junk.tar", tmp_path / "out2")


def test_folding_a_batch_is_folding_each_text_with_empty_texts_anywhere():
    from search.text import fold_many

    batch = ["", "الأطفالُ ـــ في دوماً", "", "", "Ｃｈｉｌｄｒｅｎ ١٢٣", "ٌٍ", "", "أخيرة", "", ""]
    alone = [fold_many([t])[0] for t in batch]
    assert fold_many(batch) == alone
    assert alone[1].split() == ["الاطفال", "في", "دوماً"]  # tanween fath kept until stemming
    assert alone[0] == alone[5] == "" and alone[4] == "children 123" and alone[7] == "اخيره"
    assert fold_many([]) == [] and fold_many(["", ""]) == ["", ""]


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


def test_a_damaged_snapshot_costs_only_its_day_when_days_are_built_in_parallel(corpus, capsys):
    archive, store, built = corpus
    newest = built.refs[-1]
    part = next(info.key for info in store.list(newest.prefix) if info.key.endswith(".parquet"))
    data = bytearray(store.get_bytes(part))
    data[len(data) // 2] ^= 0xFF
    store.put_bytes(part, bytes(data), overwrite=True)
    code, out, err = cli(capsys, "search-index", "--archive", archive, "--workers", "2")
    assert code == 1 and "2 segment(s) built, 1 failed" in out
    assert len(err.strip().splitlines()) == 1 and err.startswith(
        f"newsarchive: error: {newest.label}: "
    )
    assert store.exists(layout.search_pointer_key(built.refs[0])) and not store.exists(
        layout.search_pointer_key(newest)
    )


def test_gc_removes_the_segments_of_superseded_revs_and_search_is_unchanged(
    corpus, capsys, tmp_path
):
    from archive.snapshot import SnapshotRef
    from newsarchive.config import Settings
    from newsarchive.run.gc import collect
    from search.segment import index_snapshot, indexed_refs

    archive, store, built = corpus
    assert cli(capsys, "search-index", "--archive", archive)[0] == 0
    superseded = SnapshotRef(DAYS[2].isoformat(), 1)  # day 3 was published twice
    index_snapshot(store, superseded)  # as publish's hook built it before the rerun
    before = hits(capsys, archive, "دوما", "--limit", "1000")
    assert superseded in indexed_refs(store)
    result = collect(Settings(archive=archive))
    assert result.removed_segments == [superseded.label]
    assert superseded not in indexed_refs(store) and not store.exists(
        layout.search_segment_key(superseded)
    )
    assert SnapshotRef(DAYS[2].isoformat(), 2) in indexed_refs(store)
    assert hits(capsys, archive, "دوما", "--limit", "1000") == before
    assert collect(Settings(archive=archive)).removed_segments == []  # nothing left to remove


def test_gc_removes_old_format_segments_once_a_current_one_replaces_them(corpus, capsys):
    """A segment of an earlier format is never read: gc removes it once its rev has one of the current
    format (pointer first), and keeps it while it is the only one (search names the day as old format)."""
    from archive.snapshot import SnapshotRef
    from newsarchive.config import Settings
    from newsarchive.run.gc import collect

    archive, store, built = corpus
    newest = built.refs[-1]
    indexed, unindexed = SnapshotRef(newest.day, newest.rev), built.refs[0]
    old_keys = {
        ref: [
            f"{layout.OLD_SEARCH_PREFIXES[-1]}date={ref.day}/rev={ref.rev}/segment.json",
            f"{layout.OLD_SEARCH_PREFIXES[-1]}date={ref.day}/rev={ref.rev}/segment.tar",
        ]
        for ref in (indexed, unindexed)
    }
    for keys in old_keys.values():
        for key in keys:
            store.put_bytes(key, b"an old format", overwrite=True)
    assert (
        cli(
            capsys,
            "search-index",
            "--archive",
            archive,
            "--since",
            newest.day,
            "--until",
            newest.day,
        )[0]
        == 0
    )
    removed = collect(Settings(archive=archive)).removed_segments
    assert f"{indexed.label} ({layout.OLD_SEARCH_PREFIXES[-1].rstrip('/')})" in removed
    assert not any(store.exists(k) for k in old_keys[indexed])
    assert all(store.exists(k) for k in old_keys[unindexed])  # no current segment yet: kept
