"""What the revisit schedule adds to a crawl: requests and WARC bytes per day over DAYS living-replica days
(`newsarchive run`'s function, all five outlets, the default schedule +1, +7, +30 days plus relisted
pages), beside the same crawl's requests without the revisits (what a crawl without the schedule makes:
discovery and first fetches are the same), and the share of revisits answered 304.

Each day's WARCs are read back after its run: every capture with its provenance (kind, via); a revisit
is an article capture whose `via` is its own URL (spiders/revisits.py). Bytes are the WARC records' sizes
as stored (gzip members: response or revisit + request + metadata).

Usage: python bench/bench_revisit_schedule.py [DAYS] [--archive DIR]   (default 30, a temp directory)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.snapshot import load_manifest, newest_revs  # noqa: E402
from archive.store import open_store  # noqa: E402
from newsarchive.config import Settings  # noqa: E402
from newsarchive.run.pipeline import run_pipeline  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402

START = date(2026, 10, 1)


def day_figures(store, day: date) -> Counter[str]:
    """Requests and bytes of the day's newest rev, by what they were."""
    figures: Counter[str] = Counter()
    ref = newest_revs(store, day, day)[-1]
    manifest = load_manifest(store, ref)
    with tempfile.TemporaryDirectory() as tmp:
        for entry in manifest.files:
            if "/warc/" not in entry.key:
                continue
            local = Path(tmp) / "w.warc.gz"
            store.download(entry.key, local)
            captures: dict[str, tuple[str, int, int]] = {}  # id -> (uri, status, bytes)
            provenance: dict[str, dict[str, str]] = {}
            with local.open("rb") as fh:
                it = ArchiveIterator(fh)
                pending = None
                for record in it:
                    kind = record.rec_type
                    rid = record.rec_headers.get_header("WARC-Record-ID")
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    body = record.content_stream().read()
                    it.read_to_end(record)
                    size = it.get_record_length()
                    if kind in ("response", "revisit"):
                        status = (
                            int(record.http_headers.get_statuscode()) if record.http_headers else 0
                        )
                        captures[rid] = (uri, status, size)
                        pending = rid
                    elif kind == "request" and pending in captures:
                        u, s, b = captures[pending]
                        captures[pending] = (u, s, b + size)
                    elif kind == "metadata":
                        to = record.rec_headers.get_header("WARC-Concurrent-To")
                        fields = dict(
                            line.split(": ", 1)
                            for line in body.decode("utf-8", "replace").splitlines()
                            if ": " in line
                        )
                        provenance[to] = fields
                        if to in captures:
                            u, s, b = captures[to]
                            captures[to] = (u, s, b + size)
            for rid, (uri, status, size) in captures.items():
                fields = provenance.get(rid, {})
                what = fields.get("kind", "article")
                if what == "article" and fields.get("via") == uri:
                    what = "revisit"
                    figures[f"revisit_{status}"] += 1
                figures[f"{what}_requests"] += 1
                figures[f"{what}_bytes"] += size
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("days", nargs="?", type=int, default=30)
    parser.add_argument("--archive", default=None)
    args = parser.parse_args(argv)
    where = args.archive or tempfile.mkdtemp(prefix="bench-revisit-schedule-")
    totals: Counter[str] = Counter()
    print(
        f"{args.days} living-replica days from {START}, all outlets, schedule +1,+7,+30 and relisted"
    )
    print(
        f"{'day':<11}{'requests':>9}{'without':>9}{'revisits':>9}{'304':>6}{'200':>6}{'gone':>6}"
        f"{'KiB':>9}{'without':>9}{'revisit KiB':>12}{'run s':>7}"
    )
    with ReplicaServer(living=True) as replica:
        settings = Settings(archive=where, host_map=replica.host_map, revisit_days=(1, 7, 30))
        store = open_store(where)
        for n in range(args.days):
            day = START + timedelta(days=n)
            started = time.perf_counter()
            run_pipeline(settings, day)
            took = time.perf_counter() - started
            f = day_figures(store, day)
            totals.update(f)
            requests = sum(v for k, v in f.items() if k.endswith("_requests"))
            size = sum(v for k, v in f.items() if k.endswith("_bytes"))
            gone = sum(
                v
                for k, v in f.items()
                if k.startswith("revisit_") and k[8:].isdigit() and k[8:] not in ("200", "304")
            )
            print(
                f"{day.isoformat():<11}{requests:>9}{requests - f['revisit_requests']:>9}"
                f"{f['revisit_requests']:>9}{f['revisit_304']:>6}{f['revisit_200']:>6}{gone:>6}"
                f"{size / 1024:>9.0f}{(size - f['revisit_bytes']) / 1024:>9.0f}"
                f"{f['revisit_bytes'] / 1024:>12.0f}{took:>7.0f}",
                flush=True,
            )
    requests = sum(v for k, v in totals.items() if k.endswith("_requests"))
    size = sum(v for k, v in totals.items() if k.endswith("_bytes"))
    revisits = totals["revisit_requests"]
    print(
        f"total: {requests} requests ({requests - revisits} without the schedule), {revisits} revisits "
        f"= {revisits / max(1, requests - revisits):.1%} more requests, {revisits / args.days:.1f} per day; "
        f"{totals['revisit_304']} answered 304 ({totals['revisit_304'] / max(1, revisits):.0%} of "
        f"revisits); WARC {size / 1024:.0f} KiB ({(size - totals['revisit_bytes']) / 1024:.0f} KiB without), "
        f"revisits {totals['revisit_bytes'] / 1024:.0f} KiB = "
        f"{totals['revisit_bytes'] / max(1, size - totals['revisit_bytes']):.1%} more bytes, "
        f"{totals['revisit_bytes'] / 1024 / args.days:.0f} KiB per day"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
