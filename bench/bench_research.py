"""`make bench` (research part): `newsarchive query` of a one-month count by outlet on a synthetic archive
(bench/synthetic_archive.py, 100 days x 10,000 articles by default, the current-articles table kept by
the publish hook), beside the baseline a user would pick instead: DuckDB over the raw Parquet glob of the
snapshots. Prints the time of each (median of 5, in-process), the `newsarchive query` command's wall time
and peak RSS as a fresh process, and each answer's row count (the glob counts rerun days twice).

    BENCH_DAYS=100 BENCH_PER_DAY=10000 python bench/bench_research.py [--archive DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from synthetic_archive import generate  # noqa: E402

from archive.current_table import refresh_day  # noqa: E402
from archive.store import open_store  # noqa: E402
from newsarchive.research.query import connect, run_query  # noqa: E402

DAYS = int(os.environ.get("BENCH_DAYS", "100"))
PER_DAY = int(os.environ.get("BENCH_PER_DAY", "10000"))
START = date(2026, 7, 1)
MONTH = (date(2026, 7, 1), date(2026, 7, 31))  # the reruns are its first days
SQL = (
    "SELECT outlet, count(*) AS articles FROM articles "
    f"WHERE snapshot_date BETWEEN '{MONTH[0]}' AND '{MONTH[1]}' GROUP BY outlet ORDER BY outlet"
)


def timed(fn, rounds: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# the process's own peak (VmHWM): ru_maxrss of a child started from this big process would count ours too
_PEAK = (
    "import re, sys\nfrom newsarchive.cli.main import main\ncode = main(sys.argv[1:])\n"
    "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)\n"
    "sys.exit(code)"
)


def fresh_process(sql: str, archive: Path) -> tuple[float, float]:
    """`newsarchive query SQL` in a new Python process: wall time and its own peak RSS (MiB)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, "query", sql, "--archive", str(archive), "--format", "csv"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return time.perf_counter() - start, int(done.stderr.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--archive", help="made here if it does not exist, and kept (default: a temp dir)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-research-") as tmp:
        archive = Path(args.archive) if args.archive else Path(tmp) / "archive"
        if not (archive / "snapshots").is_dir():
            start = time.perf_counter()
            generate(
                open_store(archive),
                START,
                DAYS,
                PER_DAY,
                reruns=max(1, DAYS // 20),
                warc=False,
                on_publish=lambda store, ref: refresh_day(store, ref.day),
            )
            print(
                f"synthetic archive: {DAYS} days x {PER_DAY:,} articles, reruns of {max(1, DAYS // 20)} days, "
                f"published with the table hook in {time.perf_counter() - start:.1f} s"
            )
        store = open_store(archive, create=False)

        def ours():
            return run_query(connect(store), SQL).fetchall()

        glob = f"{archive}/snapshots/*/*/articles/*/*/*.parquet"

        def baseline():
            return duckdb.sql(
                f"SELECT outlet, count(*) AS articles FROM read_parquet('{glob}', hive_partitioning = true) "
                f"WHERE date BETWEEN '{MONTH[0]}' AND '{MONTH[1]}' AND duplicate_of IS NULL "
                "GROUP BY outlet ORDER BY outlet"
            ).fetchall()

        t_ours, r_ours = timed(ours)
        t_base, r_base = timed(baseline)
        wall, rss_mib = fresh_process(SQL, archive)
        _, rss_full_mib = fresh_process(
            "SELECT outlet, count(*), sum(length(text)) FROM articles GROUP BY outlet", archive
        )
        total = lambda rows: sum(n for _, n in rows)  # noqa: E731
        days_in_month = (MONTH[1] - MONTH[0]).days + 1
        in_range = sum(1 for n in range(DAYS) if MONTH[0] <= START + timedelta(days=n) <= MONTH[1])
        print(
            f"one-month count by outlet ({days_in_month} days, {in_range} in the archive), median of 5:"
        )
        print(
            f"  newsarchive query (current table, views)  {t_ours * 1000:8.1f} ms   {total(r_ours):>9,} articles"
        )
        print(
            f"  DuckDB over the raw snapshot glob         {t_base * 1000:8.1f} ms   {total(r_base):>9,} articles"
            "   (every rev of a day: reruns counted twice)"
        )
        print(
            f"  `newsarchive query` as a fresh process: {wall:.2f} s wall, peak RSS {rss_mib:,.0f} MiB"
        )
        print(
            f"  full scan of every text (sum(length(text)) by outlet) as a fresh process: peak RSS {rss_full_mib:,.0f} MiB"
        )


if __name__ == "__main__":
    main()
