"""`make bench` (crawl part): pages per second and peak memory of crawling 10,000 replica articles across
the five outlets (2,000 each), with raw capture to WARC, then the requests an immediate rerun makes.

The replica runs in this process on loopback; each outlet is crawled by its own `scrapy crawl` process
(as in a real run), one after the other, as politely as production crawls (AutoThrottle on: the host map
changes where requests go, never how politely), no per-run page cap.
Pages/s counts article pages fetched and captured over the crawl processes' wall time. Peak RSS is the
largest of the crawl processes (Scrapy's memusage/max; the crawl stops at MEMUSAGE_LIMIT_MB).
The rerun uses the crawl state the first crawl left in the archive, exactly as the next day's run would.
Usage: python bench/bench_crawl.py [PER_OUTLET]   (default 2000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsarchive.config import Settings  # noqa: E402
from newsarchive.run import stages  # noqa: E402
from newsarchive.run.runs import RunRef  # noqa: E402
from replica.catalog import OUTLETS  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402
from spiders.settings import MEMUSAGE_LIMIT_MB  # noqa: E402
from spiders.state import (
    CrawlRun,  # noqa: E402
    commit_crawl_run,  # noqa: E402
)

DAY = date(2026, 11, 21)


def crawl_all(settings: Settings, run: RunRef) -> tuple[float, list[dict]]:
    reports = []
    start = time.perf_counter()
    for outlet in OUTLETS:
        reports.append(stages.crawl_stage(settings, run, outlet).to_dict())
    return time.perf_counter() - start, reports


def main() -> None:
    per_outlet = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    from archive.store import open_store

    with (
        tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp,
        ReplicaServer(per_outlet=per_outlet) as replica,
    ):
        settings = Settings(
            archive=str(Path(tmp) / "archive"), host_map=replica.host_map, max_articles=1_000_000
        )
        run = RunRef.new_cli(DAY)
        wall, reports = crawl_all(settings, run)
        fetched = sum(r["fetched"] for r in reports)
        crawl_s = sum(r["elapsed_s"] for r in reports)
        peak = max(r["memusage_max"] or 0 for r in reports) / 2**20
        print(
            f"crawl: {fetched:,} of {per_outlet * len(OUTLETS):,} articles fetched and captured, "
            f"{sum(sum(r['failed'].values()) for r in reports)} failed"
        )
        print(
            f"  {fetched / crawl_s:,.0f} pages/s over the crawl processes' time ({crawl_s:.1f} s); "
            f"{fetched / wall:,.0f} pages/s including process start and WARC upload ({wall:.1f} s)"
        )
        print(
            f"  peak RSS of a crawl process: {peak:,.0f} MiB (limit MEMUSAGE_LIMIT_MB={MEMUSAGE_LIMIT_MB})"
        )
        for r in reports:
            print(
                f"    {r['outlet']:<11} {r['fetched']:>5} pages in {r['elapsed_s']:>5.1f} s "
                f"= {r['fetched'] / max(r['elapsed_s'], 1e-9):>4,.0f}/s, "
                f"RSS {(r['memusage_max'] or 0) / 2**20:,.0f} MiB"
            )

        store = open_store(settings.archive)
        for outlet in OUTLETS:  # as publish does once the snapshot is complete
            commit_crawl_run(store, CrawlRun.from_bytes(store.get_bytes(run.crawl_run(outlet))))
        replica.replica.requests.clear()
        wall2, again = crawl_all(settings, RunRef.new_cli(DAY + timedelta(days=1)))
        articles = sum(r["article_requests"] for r in again)
        discovery = sum(r["discovery_requests"] for r in again)
        robots = sum(r["robots_requests"] for r in again)
        print(
            f"immediate rerun: {len(replica.replica.requests)} requests reached the outlets "
            f"({discovery} feeds/sitemaps/section pages, {robots} robots.txt, {articles} articles); "
            f"{sum(r['not_modified'] for r in again)} answered 304 Not Modified; {wall2:.1f} s"
        )


if __name__ == "__main__":
    main()
