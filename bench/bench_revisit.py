"""`make bench` (revisits): bytes stored by an immediate `--refetch` rerun of a day, with revisit records
(the default) and without them (NEWSARCHIVE_REVISITS=False: every body written again, as before issue 14),
on the replica (all five outlets). Each case runs the day, then the refetch rerun, into its own fresh local
archive; the figures are the rerun's rev: its WARCs, all its files, and the rerun's wall time.

Usage: python bench/bench_revisit.py [PER_OUTLET]   (default 200)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.snapshot import SnapshotRef, load_manifest  # noqa: E402
from archive.store import open_store  # noqa: E402
from newsarchive.config import Settings  # noqa: E402
from newsarchive.run.pipeline import run_pipeline  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402

DAY = date(2026, 11, 21)


def _case(
    replica: ReplicaServer, archive: Path, revisits: bool
) -> tuple[int, int, int, int, float]:
    settings = Settings(
        archive=str(archive),
        host_map=replica.host_map,
        max_articles=1_000_000,
        scrapy_settings={"NEWSARCHIVE_REVISITS": str(revisits)},
    )
    run_pipeline(settings, DAY)
    start = time.perf_counter()
    result = run_pipeline(settings.with_(refetch=True), DAY)
    elapsed = time.perf_counter() - start
    store = open_store(archive)
    first = load_manifest(store, SnapshotRef(DAY.isoformat(), 1))
    rerun = load_manifest(store, SnapshotRef(DAY.isoformat(), 2))
    warc = sum(f.size for f in rerun.files if f.key.endswith(".warc.gz"))
    return (
        sum(f.size for f in first.files if f.key.endswith(".warc.gz")),
        warc,
        sum(f.size for f in rerun.files),
        result.manifest.archived,
        elapsed,
    )


def main() -> None:
    per_outlet = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with (
        tempfile.TemporaryDirectory(prefix="bench-revisit-") as tmp,
        ReplicaServer(per_outlet=per_outlet) as replica,
    ):
        rows = {
            label: _case(replica, Path(tmp) / label, revisits)
            for label, revisits in (("without revisits", False), ("with revisits", True))
        }
    print(
        f"immediate --refetch rerun of a day, {per_outlet * 5:,} replica articles (5 outlets), local archive:"
    )
    print(
        f"{'':18} {'day WARCs MB':>13} {'rerun WARCs MB':>15} {'rerun rev MB':>13} {'articles':>9} {'rerun s':>8}"
    )
    for label, (day_warc, warc, total, archived, elapsed) in rows.items():
        print(
            f"{label:18} {day_warc / 1e6:13.2f} {warc / 1e6:15.2f} {total / 1e6:13.2f} {archived:9,} {elapsed:8.1f}"
        )
    without, with_ = rows["without revisits"][1], rows["with revisits"][1]
    print(
        f"revisits store {with_ / without:.1%} of the rerun's WARC bytes ({(without - with_) / 1e6:.2f} MB saved)"
    )


if __name__ == "__main__":
    main()
