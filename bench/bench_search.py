"""Full-text search at archive scale, beside what a researcher would use instead.

    python bench/bench_search.py [--days 100] [--per-day 10000] [--workers 2] [--archive DIR]

1. A synthetic archive (bench/synthetic_archive.py: N days x M articles of real Arabic news sentences,
   3% duplicates), generated unless --archive names one already made.
2. Index build: `search.segment.index_snapshot` of every day's newest rev, `--workers` processes
   (articles/s over the wall time; peak RSS of the builder processes).
3. Search latency: `newsarchive search`'s path (segments listed and opened, query parsed, tantivy BM25 top 10 with
   snippets and citations) for a mix of queries, warm, p50/p95; peak RSS of that process; the same words
   with `--exact`, and a page deep in the hits (100 hits from the 10,001st). Beside it, SQL
   `LIKE '%word%'` with DuckDB over the same days' Parquet files (what the README's recipe does).
4. DuckDB FTS (`stemmer='arabic'`, its own venv: see bench/duckdb_fts_baseline.py) on `--baseline-days`
   days: its build rate and query latency, beside ours on the same days.
5. Recall@10 on the labelled query set (tests/search/queries.json, over the replica stories of
   tests/search/corpus.py): ours, DuckDB FTS, LIKE; and near misses returned (دوما / دوماً).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FTS_PYTHON = ROOT / "bench" / ".venv-duckdb-fts" / "bin" / "python"
LATENCY_QUERIES = [
    "جيش",
    "دوما",
    "المفاوضات",
    "بالغوطة",
    "للمدنيين",
    "الاتفاق",
    "زاخاروفا",
    "المرصد",
    '"جيش الإسلام"',
    '"حمزة بيرقدار"',
    "مفاوض*",
    "روسي*",
    "دوما الغوطة",
    "والأطفال",
    "دوماً",
    "الناطق الرسمي باسم",
    "children",
    "بيرقدار -دوما",
]
EXACT_QUERIES = ["الحكومة", "الحكومية", "المفاوضات", '"جيش الإسلام"', "دوما"]
DEEP_QUERIES = ["جيش", "دوما", "الاتفاق"]


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM), and its waited children's (ru_maxrss), whichever is larger."""
    own = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _index_one(args: tuple[str, str, int]) -> int:
    from archive.snapshot import SnapshotRef
    from archive.store import open_store
    from search.segment import index_snapshot

    archive, day, rev = args
    return index_snapshot(open_store(archive), SnapshotRef(day, rev)).rows


def phase_build(archive: str, workers: int, since: str | None, until: str | None) -> dict:
    from archive import layout
    from archive.snapshot import load_manifest, newest_revs
    from archive.store import open_store

    refs = newest_revs(
        open_store(archive),
        date.fromisoformat(since) if since else None,
        date.fromisoformat(until) if until else None,
    )
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        rows = sum(pool.map(_index_one, [(archive, r.day, r.rev) for r in refs]))
    elapsed = time.perf_counter() - started
    store = open_store(archive)
    listed = {info.key: info.size for info in store.list(layout.SEARCH_PREFIX)}
    segment_bytes = sum(listed[layout.search_segment_key(r)] for r in refs)
    files = [f for r in refs for f in load_manifest(store, r).files]
    snapshot_bytes = sum(f.size for f in files)
    warc_bytes = sum(f.size for f in files if f.key.endswith(".warc.gz"))
    return {
        "segments": len(refs),
        "segment_mb": segment_bytes / 1e6,
        "snapshot_mb": snapshot_bytes / 1e6,
        "warc_mb": warc_bytes / 1e6,
        "articles": rows,
        "seconds": elapsed,
        "per_s": rows / elapsed,
        "peak_rss_mib": peak_rss_mib(),
    }


def phase_search(
    archive: str, cache: str, rounds: int, since: str | None, until: str | None
) -> dict:
    from archive.store import open_store
    from search import engine
    from search.query import parse
    from search.segments_local import open_segments
    from search.text import Analyzer

    store = open_store(archive, create=False)
    lo, hi = (
        (date.fromisoformat(since) if since else None),
        (date.fromisoformat(until) if until else None),
    )
    stemmer = Analyzer().identity
    open_segments(store, Path(cache), lo, hi, stemmer)  # first use: checks every segment once

    def timed(query: str, exact: bool, limit: int, offset: int) -> float:
        started = time.perf_counter()
        coverage = open_segments(store, Path(cache), lo, hi, stemmer)
        parsed = parse(query, exact=exact, analyzer=Analyzer())  # a command's own, as the CLI's
        engine.search(coverage.segments, parsed, engine.Filters(), limit, offset)
        return time.perf_counter() - started

    latencies: dict[str, list[float]] = {q: [] for q in LATENCY_QUERIES}
    exact: list[float] = []
    stemmed: list[float] = []  # the same words as `exact`, by their stems
    deep: list[float] = []
    for _ in range(rounds):
        for query in LATENCY_QUERIES:
            latencies[query].append(timed(query, False, 10, 0))
        for query in EXACT_QUERIES:
            exact.append(timed(query, True, 10, 0))
            stemmed.append(timed(query, False, 10, 0))
        for query in DEEP_QUERIES:
            deep.append(timed(query, False, 100, 10_000))
    flat = sorted(x for v in latencies.values() for x in v)
    exact.sort()
    stemmed.sort()
    deep.sort()
    return {
        "days": len(open_segments(store, Path(cache), lo, hi, stemmer).segments),
        "p50_ms": 1000 * statistics.median(flat),
        "p95_ms": 1000 * flat[int(0.95 * (len(flat) - 1))],
        "max_ms": 1000 * flat[-1],
        "slowest": max(latencies, key=lambda q: max(latencies[q])),
        "exact_p50_ms": 1000 * statistics.median(exact),
        "exact_p95_ms": 1000 * exact[int(0.95 * (len(exact) - 1))],
        "same_stemmed_p50_ms": 1000 * statistics.median(stemmed),
        "same_stemmed_p95_ms": 1000 * stemmed[int(0.95 * (len(stemmed) - 1))],
        "deep_p50_ms": 1000 * statistics.median(deep),
        "deep_p95_ms": 1000 * deep[int(0.95 * (len(deep) - 1))],
        "peak_rss_mib": peak_rss_mib(),
    }


def like_latency(archive: str, days: list[str], rounds: int = 1) -> dict:
    """SQL LIKE with DuckDB over the Parquet parts of the newest revs (a researcher's first try)."""
    import duckdb

    from archive.snapshot import newest_revs
    from archive.store import open_store

    store = open_store(archive, create=False)
    refs = [r for r in newest_revs(store) if r.day in set(days)]
    files = [str(Path(archive) / r.prefix / "articles" / "**" / "*.parquet") for r in refs]
    con = duckdb.connect()
    con.execute(f"CREATE VIEW a AS SELECT * FROM read_parquet({files!r}, hive_partitioning=false)")
    out = []
    for _ in range(rounds):
        for query in LATENCY_QUERIES:
            words = query.replace('"', "").replace("*", "").split()
            words = [w for w in words if not w.startswith("-")]
            where = " AND ".join(["(title LIKE ? OR text LIKE ?)"] * len(words))
            params = [p for w in words for p in (f"%{w}%", f"%{w}%")]
            started = time.perf_counter()
            con.execute(
                f"SELECT id, title FROM a WHERE duplicate_of IS NULL AND {where} LIMIT 10", params
            ).fetchall()
            out.append(time.perf_counter() - started)
    out.sort()
    return {
        "days": len(refs),
        "p50_ms": 1000 * statistics.median(out),
        "p95_ms": 1000 * out[int(0.95 * (len(out) - 1))],
    }


def recall(tmp: Path) -> dict:
    """Recall@10 on the labelled query set: ours, DuckDB FTS (arabic stemmer) and LIKE, on the same corpus."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from archive.store import open_store
    from search import engine
    from search.query import parse
    from search.segments_local import open_segments
    from tests.search.corpus import publish_corpus

    queries = json.loads((ROOT / "tests" / "search" / "queries.json").read_text(encoding="utf-8"))
    store = open_store(tmp / "labelled")
    built = publish_corpus(store)
    from archive.snapshot import newest_revs
    from search.segment import index_snapshot
    from search.text import Analyzer

    refs = newest_revs(store)
    for ref in refs:
        index_snapshot(store, ref)
    segments = open_segments(store, tmp / "cache", None, None, Analyzer().identity).segments
    from archive.readers import load_articles

    table = load_articles(store)
    pq.write_table(table.select(["id", "title", "text"]), tmp / "labelled.parquet")
    ref_of = {v: k for k, v in built.ids.items()}
    ours, like, fts = [], [], []
    near = {"ours": 0, "like": 0, "duckdb_fts": 0}
    like_con = duckdb.connect()
    like_con.register("a", table)
    fts_top: dict[str, list[str]] = {}
    fts_note = ""
    if FTS_PYTHON.exists():
        (tmp / "q.json").write_text(
            json.dumps([q["query"] for q in queries], ensure_ascii=False), encoding="utf-8"
        )
        subprocess.run(
            [
                str(FTS_PYTHON),
                str(ROOT / "bench" / "duckdb_fts_baseline.py"),
                str(tmp / "labelled.parquet"),
                str(tmp / "q.json"),
                str(tmp / "fts.json"),
            ],
            check=True,
        )
        fts_top = json.loads((tmp / "fts.json").read_text(encoding="utf-8"))["top"]
    else:
        fts_note = f"DuckDB FTS skipped: {FTS_PYTHON} missing (make bench builds it)"

    def score(top_ids: list[str], case: dict, name: str, into: list[float]) -> None:
        got = {ref_of.get(i) for i in top_ids}
        expected = set(case["expected"])
        into.append(len(expected & got) / min(10, len(expected)))
        near[name] += len(set(case["must_not"]) & got)

    for case in queries:
        hits = engine.search(segments, parse(case["query"]), engine.Filters(), 10)
        score([h["id"] for h in hits], case, "ours", ours)
        words = [w for w in case["query"].replace('"', "").replace("*", "").split()]
        pattern = "%" + " ".join(words) + "%"
        rows = like_con.execute(
            "SELECT id FROM a WHERE duplicate_of IS NULL AND (title LIKE ? OR text LIKE ?) LIMIT 10",
            [pattern, pattern],
        ).fetchall()
        score([r[0] for r in rows], case, "like", like)
        if fts_top:
            score(fts_top[case["query"]], case, "duckdb_fts", fts)
    del pa
    return {
        "queries": len(queries),
        "ours": statistics.mean(ours),
        "like": statistics.mean(like),
        "duckdb_fts": statistics.mean(fts) if fts else None,
        "near_misses": near,
        "note": fts_note,
        "per_query": {
            q["query"]: (round(a, 2), round(b, 2), round(c, 2) if fts else None)
            for q, a, b, c in zip(queries, ours, like, fts or [0.0] * len(ours), strict=True)
        },
    }


def fts_baseline(archive: str, days: list[str], tmp: Path) -> dict | None:
    """DuckDB FTS build and query latency on these days' current articles."""
    if not FTS_PYTHON.exists():
        return None
    import pyarrow.parquet as pq

    from archive.readers import load_articles
    from archive.store import open_store

    table = load_articles(
        open_store(archive, create=False), date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    )
    pq.write_table(table.select(["id", "title", "text"]), tmp / "sample.parquet")
    (tmp / "lq.json").write_text(json.dumps(LATENCY_QUERIES, ensure_ascii=False), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(
        [
            str(FTS_PYTHON),
            str(ROOT / "bench" / "duckdb_fts_baseline.py"),
            str(tmp / "sample.parquet"),
            str(tmp / "lq.json"),
            str(tmp / "fts-sample.json"),
        ],
        check=True,
    )
    wall = time.perf_counter() - started
    out = json.loads((tmp / "fts-sample.json").read_text(encoding="utf-8"))
    lat = sorted(out["latencies_s"])
    return {
        "articles": out["rows"],
        "build_per_s": out["rows"] / out["build_s"],
        "p50_ms": 1000 * statistics.median(lat),
        "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))],
        "wall_s": wall,
    }


def _child(phase: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-days", type=int, default=2)
    parser.add_argument(
        "--archive", help="a synthetic archive already made (else one is generated and removed)"
    )
    parser.add_argument("--phase", choices=["build", "search"], help=argparse.SUPPRESS)
    parser.add_argument("--since", help=argparse.SUPPRESS)
    parser.add_argument("--until", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(phase_build(args.archive, args.workers, args.since, args.until)))
        return 0
    if args.phase == "search":
        print(
            json.dumps(phase_search(args.archive, args.cache, args.rounds, args.since, args.until))
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp_name:
        tmp = Path(tmp_name)
        archive = args.archive
        if archive is None:
            archive = str(tmp / "archive")
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "synthetic_archive.py"),
                    "--archive",
                    archive,
                    "--days",
                    str(args.days),
                    "--per-day",
                    str(args.per_day),
                    "--no-warc",
                ],
                check=True,
            )
            print(
                f"generated {args.days} days x {args.per_day:,} articles in {time.perf_counter() - started:.0f} s"
            )
        start = date(2026, 7, 1)
        days = [(start + timedelta(days=n)).isoformat() for n in range(args.days)]
        build = _child("build", "--archive", archive, "--workers", str(args.workers))
        print(
            f"index build: {build['articles']:,} articles in {build['segments']} segments, {build['seconds']:.0f} s "
            f"with {args.workers} processes: {build['per_s']:,.0f} articles/s (goal >= 5,000/s); "
            f"peak RSS {build['peak_rss_mib']:.0f} MiB; segments {build['segment_mb']:.1f} MB = "
            f"{100 * build['segment_mb'] / build['snapshot_mb']:.1f}% of those snapshots' "
            f"{build['snapshot_mb']:.1f} MB (goal <= 25%"
            + ("" if build["warc_mb"] else "; these hold no WARC: made with --no-warc")
            + ")"
        )
        search = _child(
            "search",
            "--archive",
            archive,
            "--cache",
            str(tmp / "cache"),
            "--rounds",
            str(args.rounds),
        )
        print(
            f"search over {search['days']} days, {len(LATENCY_QUERIES)} queries x {args.rounds}: p50 "
            f"{search['p50_ms']:.0f} ms, p95 {search['p95_ms']:.0f} ms (goal < 300 ms), max {search['max_ms']:.0f} ms "
            f"({search['slowest']}); peak RSS {search['peak_rss_mib']:.0f} MiB (goal < 2,048)"
        )
        print(
            f"  --exact, {len(EXACT_QUERIES)} queries x {args.rounds}: p50 {search['exact_p50_ms']:.0f} ms, p95 "
            f"{search['exact_p95_ms']:.0f} ms (the same words stemmed: p50 {search['same_stemmed_p50_ms']:.0f} ms, "
            f"p95 {search['same_stemmed_p95_ms']:.0f} ms); a page deep in the hits (100 from the 10,001st), "
            f"{len(DEEP_QUERIES)} queries x {args.rounds}: p50 {search['deep_p50_ms']:.0f} ms, "
            f"p95 {search['deep_p95_ms']:.0f} ms"
        )
        like = like_latency(archive, days)
        print(
            f"  beside: SQL LIKE (DuckDB over the Parquet files, first 10 rows, no ranking) over {like['days']} days: "
            f"p50 {like['p50_ms']:.0f} ms, p95 {like['p95_ms']:.0f} ms"
        )
        sample = days[: args.baseline_days]
        fts = fts_baseline(archive, sample, tmp)
        ours_sample = _child(
            "search",
            "--archive",
            archive,
            "--cache",
            str(tmp / "cache"),
            "--rounds",
            str(args.rounds),
            "--since",
            sample[0],
            "--until",
            sample[-1],
        )
        if fts:
            print(
                f"  beside: DuckDB FTS (arabic stemmer) on {len(sample)} days ({fts['articles']:,} articles): build "
                f"{fts['build_per_s']:,.0f} articles/s (one process), query p50 {fts['p50_ms']:.0f} ms, p95 "
                f"{fts['p95_ms']:.0f} ms; ours on the same days: p50 {ours_sample['p50_ms']:.0f} ms, "
                f"p95 {ours_sample['p95_ms']:.0f} ms"
            )
        else:
            print(f"  DuckDB FTS baseline skipped: {FTS_PYTHON} missing (make bench builds it)")
        rec = recall(tmp)
        print(
            f"recall@10 on the labelled query set ({rec['queries']} queries): ours {rec['ours']:.3f} (goal >= 0.95), "
            f"DuckDB FTS arabic stemmer {rec['duckdb_fts'] if rec['duckdb_fts'] is None else format(rec['duckdb_fts'], '.3f')}, "
            f"SQL LIKE {rec['like']:.3f}; near misses in the top 10: {rec['near_misses']} {rec['note']}"
        )
        for query, (a, b, c) in rec["per_query"].items():
            print(f"  {query:<18} ours {a:.2f}  like {b:.2f}  duckdb_fts {c}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
