"""The DuckDB FTS baseline of bench/bench_search.py, run with its own interpreter: DuckDB's fts extension
is not downloadable here and the PyPI package that ships it (`duckdb-ext-fts`) exists for DuckDB 1.4.4
only, while the project pins DuckDB 2.0, so `make bench` builds bench/.venv-duckdb-fts for it.

    python bench/duckdb_fts_baseline.py DOCS.parquet QUERIES.json OUT.json

Builds `PRAGMA create_fts_index(..., stemmer='arabic', strip_accents=1)` over id/title/text, runs each
query with `match_bm25` (the extension has no phrase or prefix syntax: quotes and * are dropped), and
writes the top ids per query, the build time and every query's latency."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def extension() -> str:
    base = Path(duckdb.__file__).resolve().parents[1] / "duckdb_ext" / "extensions"
    found = sorted(base.glob(f"v{duckdb.__version__}/*/fts.duckdb_extension"))
    if not found:
        raise SystemExit(
            f"no fts extension for DuckDB {duckdb.__version__} under {base}; install duckdb-ext-fts"
        )
    return str(found[0])


def main(docs: str, queries: str, out: str, limit: int = 10) -> None:
    con = duckdb.connect()
    con.execute(f"LOAD '{extension()}'")
    con.execute(f"CREATE TABLE docs AS SELECT id, title, text FROM read_parquet('{docs}')")
    rows = con.execute("SELECT count(*) FROM docs").fetchone()[0]
    started = time.perf_counter()
    con.execute(
        "PRAGMA create_fts_index('docs', 'id', 'title', 'text', stemmer='arabic', stopwords='none', "
        "strip_accents=1, lower=1, overwrite=1)"
    )
    build_s = time.perf_counter() - started
    results, latencies = {}, []
    for query in json.loads(Path(queries).read_text(encoding="utf-8")):
        words = query.replace('"', " ").replace("*", " ").strip()
        started = time.perf_counter()
        top = con.execute(
            "SELECT id FROM (SELECT id, fts_main_docs.match_bm25(id, ?) AS score FROM docs) "
            "WHERE score IS NOT NULL ORDER BY score DESC LIMIT ?",
            [words, limit],
        ).fetchall()
        latencies.append(time.perf_counter() - started)
        results[query] = [r[0] for r in top]
    Path(out).write_text(
        json.dumps(
            {
                "duckdb": duckdb.__version__,
                "rows": rows,
                "build_s": build_s,
                "latencies_s": latencies,
                "top": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4], limit=int(sys.argv[4]) if len(sys.argv) > 4 else 10)
