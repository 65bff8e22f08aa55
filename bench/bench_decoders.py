"""The validating decoders' cost (issue 24): `snapshots verify` of every day of a 30-day archive with this
version, beside the version before the decoders (a read-only copy of a git revision, default the commit
this branch started from), in the same run, alternating which goes first; and decoding every manifest
and crawl state alone, old against new.

    python bench/bench_decoders.py [--days 30] [--per-day 1000] [--repeat 3] [--baseline REV]

The archive is built once by bench/synthetic_archive.py (Parquet, WARCs, manifests, CDXJ indexes) plus a
crawl state of 100,000 seen URLs; each measurement is a fresh process running `archive.verify.verify`
over all the days (the work of `newsarchive snapshots verify D` for each D, without 30 process starts).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_BASELINE = "e5b5201"  # the commit issue 24's work started from

# run in a child with PYTHONPATH=<tree>: verify every rev, then decode every manifest and the crawl
# state 20 times; prints "verify SECONDS decode SECONDS problems N"
CHILD = """
import sys, time
from archive.store import open_store
from archive.snapshot import list_snapshots, read_manifest_bytes
from archive.records import Manifest
from archive.verify import verify
from spiders.state import CrawlState
store = open_store(sys.argv[1], create=False)
refs = list_snapshots(store)
started = time.perf_counter()
problems = sum(len(verify(store, ref, retention=False).problems) for ref in refs)
verified = time.perf_counter() - started
bodies = [read_manifest_bytes(store, ref) for ref in refs]
state = store.get_bytes("state/crawl/orient.json.gz")
started = time.perf_counter()
for _ in range(20):
    for body in bodies:
        Manifest.from_bytes(body)
    CrawlState.from_bytes(state, "orient")
decoded = time.perf_counter() - started
print(f"verify {verified:.3f} decode {decoded:.3f} problems {problems} revs {len(refs)}")
"""


def _measure(tree: Path, archive: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(archive)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {out[i]: float(out[i + 1]) for i in range(0, len(out), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline", default=DEFAULT_BASELINE, help="git revision before the decoders"
    )
    args = parser.parse_args(argv)
    from archive.store import open_store
    from bench.synthetic_archive import generate
    from spiders.state import CrawlRun, CrawlState, commit_crawl_run

    with tempfile.TemporaryDirectory(prefix="bench-decoders-") as tmp:
        baseline = Path(tmp) / "baseline"
        baseline.mkdir()
        archive_tar = subprocess.run(
            ["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive_tar, check=True)
        archive = Path(tmp) / "archive"
        store = open_store(archive)
        started = time.perf_counter()
        generate(store, date(2026, 10, 1), args.days, args.per_day)
        seen = [f"https://www.orient-news.net/news/{n}" for n in range(100_000)]
        commit_crawl_run(store, CrawlRun("orient", "2026-10-30", "2026-10-30T03:00:00+00:00", seen))
        assert (
            len(CrawlState.from_bytes(store.get_bytes("state/crawl/orient.json.gz"), "orient").seen)
            == 100_000
        )
        print(
            f"archive: {args.days} days x {args.per_day} articles, built in "
            f"{time.perf_counter() - started:.1f} s; baseline {args.baseline}"
        )
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        trees = {"before": baseline, "after": ROOT}
        for n in range(args.repeat):
            order = ["before", "after"] if n % 2 == 0 else ["after", "before"]
            for name in order:
                runs[name].append(_measure(trees[name], archive))
                print(f"  round {n + 1} {name}: {runs[name][-1]}")
        verify = {k: statistics.median(r["verify"] for r in v) for k, v in runs.items()}
        decode = {k: statistics.median(r["decode"] for r in v) for k, v in runs.items()}
        problems = {k: v[0]["problems"] for k, v in runs.items()}
        print(
            f"snapshots verify of {args.days} days (median of {args.repeat}): "
            f"{verify['after']:.2f} s with the decoders vs {verify['before']:.2f} s before: "
            f"{verify['after'] / verify['before']:.3f}x (problems found: {problems['after']:.0f} vs "
            f"{problems['before']:.0f})"
        )
        print(
            f"decoding {args.days} manifests and a 100,000-URL crawl state, 20 times: "
            f"{decode['after']:.2f} s vs {decode['before']:.2f} s: "
            f"{decode['after'] / decode['before']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
