"""`make bench` (re-extraction): articles per second of `newsarchive reextract` over an archive of DAYS days
× PER_DAY replica articles, beside the extraction throughput of `newsarchive run` (its extract stage,
`newsarchive/run/stages.py`) on the same pages, both on all cores; and the peak RSS of the reextract command
for one day and for the whole range (memory bounded by one day's articles: the two should be close).

The archive is generated once and cached in var/bench/reextract-<PER_DAY>x<DAYS>/: one day crawled from
the replica (PER_DAY / 5 articles per outlet) and published by `newsarchive run`, then the same captures
and rows published under DAYS - 1 further dates (archive/snapshot.publish_snapshot). Each measurement runs
on a hard-linked copy (published files are never rewritten), so the cache stays as generated.

The reextract runs are real ones: a changed rule (anapress prunes `.app-promo`) makes every anapress row
stale, so each day is re-extracted, deduplicated and published as a derived rev. Its figure counts every
capture re-extracted over the command's wall time (process start, WARC download and checks, dedup, Parquet,
publish included); the extract stage's counts the pages over the stage's time (WARC download included).
Usage: python bench/bench_reextract.py [PER_DAY] [DAYS]   (default 2000 20)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.snapshot import list_snapshots, load_manifest, publish_snapshot, read_rows  # noqa: E402
from archive.store import open_store  # noqa: E402
from newsarchive.config import Settings  # noqa: E402
from newsarchive.run import stages  # noqa: E402
from newsarchive.run.pipeline import run_pipeline  # noqa: E402
from newsarchive.run.runs import RunRef  # noqa: E402
from replica.catalog import OUTLETS  # noqa: E402

FIRST = date(2026, 10, 1)
RULE = 'prune = [".news-ticker", ".views-count", ".font-tools", ".tags"]'


def generate(cache: Path, per_day: int, days: int) -> None:
    from replica.server import ReplicaServer

    tmp = cache.with_name(cache.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    per_outlet = per_day // len(OUTLETS)
    with ReplicaServer(per_outlet=per_outlet) as server:
        settings = Settings(archive=str(tmp), host_map=server.host_map, max_articles=1_000_000)
        start = time.perf_counter()
        result = run_pipeline(settings, FIRST)
        print(
            f"generated {FIRST}: {result.manifest.archived:,} articles by newsarchive run in "
            f"{time.perf_counter() - start:.1f} s"
        )
    store = open_store(tmp)
    [ref] = list_snapshots(store, FIRST, FIRST)
    manifest = load_manifest(store, ref)
    rows = read_rows(store, manifest)
    with tempfile.TemporaryDirectory(prefix="bench-reextract-gen-") as work:
        warcs = {}
        for entry in manifest.files:
            if entry.key.endswith(".warc.gz"):
                outlet = entry.key.rsplit("/", 1)[-1].removesuffix(".warc.gz")
                warcs[outlet] = Path(work) / f"{outlet}.warc.gz"
                store.download(entry.key, warcs[outlet])
        for n in range(1, days):
            publish_snapshot(store, FIRST + timedelta(days=n), rows, warcs, run_id="bench-copy")
    tmp.rename(cache)
    print(f"cached {days} days x {len(rows):,} articles in {cache}")


def linked_copy(cache: Path, dest: Path) -> None:
    shutil.copytree(cache, dest, copy_function=os.link)


def extract_stage_rate(archive: Path) -> tuple[int, float]:
    """The extract stage of `newsarchive run` over the first day's captures (the same pages)."""
    store = open_store(archive)
    [ref] = list_snapshots(store, FIRST, FIRST)
    run = RunRef.new_cli(FIRST)
    for entry in load_manifest(store, ref).files:
        if entry.key.endswith(".warc.gz"):
            outlet = entry.key.rsplit("/", 1)[-1].removesuffix(".warc.gz")
            store.put_bytes(run.warc(outlet), store.get_bytes(entry.key), overwrite=True)
    settings = Settings(archive=str(archive))
    start = time.perf_counter()
    # as newsarchive run extracts: one outlet at a time, its worker processes on every core
    reports = [stages.extract_stage(settings, run, outlet) for outlet in OUTLETS]
    elapsed = time.perf_counter() - start
    pages = sum(r["extracted"] + sum(r["extract_failed"].values()) for r in reports)
    store.delete_prefix(run.staging)
    return pages, elapsed


def reextract(
    archive: Path, outlets: Path, since: date, until: date
) -> tuple[int, float, int, str]:
    """(captures re-extracted, wall seconds, peak RSS in KiB of the command or its largest worker, output)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _PEAK,
            sys.executable,
            "-m",
            "newsarchive.cli.main",
            "reextract",
            "--since",
            since.isoformat(),
            "--until",
            until.isoformat(),
            "--archive",
            str(archive),
            "--outlets",
            str(outlets),
            "--reason",
            "bench: anapress prunes .app-promo",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"reextract failed ({proc.returncode}): {err[-2000:]}")
    peak = int(re.findall(r"PEAK_RSS_KIB (\d+)", err)[-1])
    done = sum(int(n) for n in re.findall(r"\): (\d+) re-extracted", out))
    return done, elapsed, peak, out


# runs the command as its only child and prints the peak RSS of the largest process among it and the
# workers it waited for (ru_maxrss of RUSAGE_CHILDREN, KiB)
_PEAK = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def main() -> None:
    per_day = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    cache = ROOT / "var" / "bench" / f"reextract-{per_day}x{days}"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        generate(cache, per_day, days)
    with tempfile.TemporaryDirectory(prefix="bench-reextract-") as tmp:
        outlets = Path(tmp) / "outlets.toml"
        outlets.write_text(
            (ROOT / "outlets.toml")
            .read_text(encoding="utf-8")
            .replace(RULE, RULE[:-1] + ', ".app-promo"]'),
            encoding="utf-8",
        )
        linked_copy(cache, Path(tmp) / "a")
        pages, elapsed = extract_stage_rate(Path(tmp) / "a")
        first = pages / elapsed
        print(
            f"newsarchive run's extract stage, first day: {pages:,} pages in {elapsed:.1f} s = {first:,.1f} pages/s "
            f"({os.cpu_count()} workers per outlet, 2 outlets at once as in a run)"
        )
        one, one_s, one_rss, _ = reextract(Path(tmp) / "a", outlets, FIRST, FIRST)
        print(
            f"reextract of 1 day: {one:,} captures in {one_s:.1f} s = {one / one_s:,.1f} articles/s = "
            f"{one / one_s / first:.2f}x the extract stage just before; peak RSS {one_rss / 1024:,.0f} MiB"
        )
        linked_copy(cache, Path(tmp) / "b")
        last = FIRST + timedelta(days=days - 1)
        done, done_s, rss, out = reextract(Path(tmp) / "b", outlets, FIRST, last)
        linked_copy(cache, Path(tmp) / "c")
        pages, elapsed = extract_stage_rate(Path(tmp) / "c")
        base = (
            first + pages / elapsed
        ) / 2  # the machine is shared: the baseline before and after, averaged
        print(
            f"newsarchive run's extract stage again: {pages / elapsed:,.1f} pages/s; mean {base:,.1f} pages/s"
        )
        published = out.count(": published ")
        print(
            f"reextract of {days} days ({published} derived revs published): {done:,} captures in {done_s:.1f} s = "
            f"{done / done_s:,.1f} articles/s = {done / done_s / base:.2f}x the extract stage (goal 0.9x); "
            f"peak RSS {rss / 1024:,.0f} MiB (1 day: {one_rss / 1024:,.0f} MiB)"
        )


if __name__ == "__main__":
    main()
