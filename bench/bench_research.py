"""`make bench` (research part): `newsarchive query` of a one-month count by outlet on a synthetic archive
(bench/synthetic_archive.py, 100 days x 10,000 articles by default, the current-articles table kept by
the publish hook), beside the baseline a user would pick instead: DuckDB over the raw Parquet glob of the
snapshots, and beside the lock `query` had before issue 24 (DuckDB reading the table's files itself,
allowed into their directory: the lock that let SQL write there). Prints the time of each (median of 7,
in-process, the two locks taking turns), the ratio of the two locks, the `newsarchive query` command's
wall time and peak RSS as a fresh process, and each answer's row count (the glob counts rerun days twice).

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

from archive import layout, table_record  # noqa: E402
from archive.current_table import rebuild, refresh_day  # noqa: E402
from archive.store import open_store  # noqa: E402
from archive.table_schema import TABLE_SCHEMA  # noqa: E402
from newsarchive.research.query import (  # noqa: E402
    connect,
    run_query,
    table_keys,
    verified_cache,
)

DAYS = int(os.environ.get("BENCH_DAYS", "100"))
PER_DAY = int(os.environ.get("BENCH_PER_DAY", "10000"))
START = date(2026, 7, 1)
MONTH = (date(2026, 7, 1), date(2026, 7, 31))  # the reruns are its first days
SQL = (
    "SELECT outlet, count(*) AS articles FROM articles "
    f"WHERE snapshot_date BETWEEN '{MONTH[0]}' AND '{MONTH[1]}' GROUP BY outlet ORDER BY outlet"
)
FULL = "SELECT outlet, count(*), sum(length(text)) FROM articles GROUP BY outlet ORDER BY outlet"


def taking_turns(fns, rounds: int = 11) -> list[tuple[float, float, object]]:
    """Each function run `rounds` times, in turns (a busy machine slows them alike): the median wall
    time, the median CPU time of this process (all its threads) and the result."""
    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    results: list[object] = [None] * len(fns)
    for _ in range(rounds):
        for n, fn in enumerate(fns):
            wall, cpu = time.perf_counter(), time.process_time()
            results[n] = fn()
            walls[n].append(time.perf_counter() - wall)
            cpus[n].append(time.process_time() - cpu)
    return [
        (statistics.median(w), statistics.median(c), r)
        for w, c, r in zip(walls, cpus, results, strict=True)
    ]


def previous_lock(store, archive: Path, sql: str) -> list:
    """The lock before issue 24, as it was (local archive): DuckDB reads the day files itself, allowed
    into the table's directory, after every footer was read once for the schema and the behind check."""
    import pyarrow.parquet as pq

    from archive.snapshot import newest_revs

    keys = table_keys(store)
    paths = [str(archive / key) for key in keys]
    schemas = [pq.read_schema(path) for path in paths]
    same = all(schema.remove_metadata() == TABLE_SCHEMA for schema in schemas)
    newest_revs(store)  # its behind-the-snapshots check
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    listed = "[" + ", ".join(f"'{path}'" for path in paths) + "]"
    con.execute(
        f"CREATE VIEW articles_all AS SELECT * FROM read_parquet({listed}, hive_partitioning = false, "
        f"union_by_name = {str(not same).lower()})"
    )
    con.execute("CREATE VIEW articles AS SELECT * FROM articles_all WHERE NOT is_duplicate")
    con.execute("SET memory_limit = '1GB'")
    con.execute(f"SET allowed_directories = ['{archive / layout.CURRENT_TABLE_PREFIX}']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


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
        if table_record.load(store) is None:  # an archive made before the table had its record
            start = time.perf_counter()
            rebuild(store)
            print(f"table rebuilt with its record in {time.perf_counter() - start:.1f} s")

        def ours():  # as the CLI does: with the user's cache of files verified before
            with connect(store, cache=verified_cache()) as sandbox:
                return run_query(sandbox, SQL).fetchall()

        def ours_hashing():  # every day file hashed (the first query on this machine)
            with connect(store) as sandbox:
                return run_query(sandbox, SQL).fetchall()

        def before():
            return previous_lock(store, archive, SQL)

        def ours_full():
            with connect(store, cache=verified_cache()) as sandbox:
                return run_query(sandbox, FULL).fetchall()

        def before_full():
            return previous_lock(store, archive, FULL)

        glob = f"{archive}/snapshots/*/*/articles/*/*/*.parquet"

        def baseline():
            return duckdb.sql(
                f"SELECT outlet, count(*) AS articles FROM read_parquet('{glob}', hive_partitioning = true) "
                f"WHERE date BETWEEN '{MONTH[0]}' AND '{MONTH[1]}' AND duplicate_of IS NULL "
                "GROUP BY outlet ORDER BY outlet"
            ).fetchall()

        (
            (t_ours, c_ours, r_ours),
            (t_hashing, c_hashing, _),
            (t_before, c_before, r_before),
            (t_base, _, r_base),
        ) = taking_turns([ours, ours_hashing, before, baseline])
        (t_ours_full, _, _), (t_before_full, _, _) = taking_turns(
            [ours_full, before_full], rounds=3
        )
        assert r_ours == r_before, (r_ours, r_before)
        wall, rss_mib = fresh_process(SQL, archive)
        _, rss_full_mib = fresh_process(FULL, archive)
        total = lambda rows: sum(n for _, n in rows)  # noqa: E731
        days_in_month = (MONTH[1] - MONTH[0]).days + 1
        in_range = sum(1 for n in range(DAYS) if MONTH[0] <= START + timedelta(days=n) <= MONTH[1])
        print(
            f"one-month count by outlet ({days_in_month} days, {in_range} in the archive), median of "
            "11 in turns (wall, and CPU of all threads):"
        )
        print(
            f"  newsarchive query (current table, views)  {t_ours * 1000:8.1f} ms   {total(r_ours):>9,} articles"
            f"   CPU {c_ours * 1000:.0f} ms (every day file checked against the record; SQL locked)"
        )
        print(
            f"  the lock before issue 24 (same views)     {t_before * 1000:8.1f} ms   {total(r_before):>9,} articles"
            f"   CPU {c_before * 1000:.0f} ms"
        )
        print(
            f"    new/before: {t_ours / t_before:.2f}x wall, {c_ours / c_before:.2f}x CPU; the first "
            f"query on a machine (every file hashed): {t_hashing * 1000:.0f} ms, "
            f"{t_hashing / t_before:.2f}x wall, {c_hashing / c_before:.2f}x CPU"
        )
        print(
            f"  DuckDB over the raw snapshot glob         {t_base * 1000:8.1f} ms   {total(r_base):>9,} articles"
            "   (every rev of a day: reruns counted twice)"
        )
        print(
            f"  `newsarchive query` as a fresh process: {wall:.2f} s wall, peak RSS {rss_mib:,.0f} MiB"
        )
        print(
            f"  full scan (sum(length(text)) by outlet), median of 3: new {t_ours_full * 1000:.0f} ms, "
            f"before {t_before_full * 1000:.0f} ms ({t_ours_full / t_before_full:.2f}x)"
        )
        print(
            f"  full scan of every text (sum(length(text)) by outlet) as a fresh process: peak RSS {rss_full_mib:,.0f} MiB"
        )


if __name__ == "__main__":
    main()
