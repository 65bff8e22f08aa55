"""`make bench` (requisites): what capturing each article page's requisites costs over a week of the living
replica (all five outlets, a new day's articles each day), against crawling the pages alone
(NEWSARCHIVE_REQUISITES_PER_PAGE=0, as before issue 27). Each case runs the seven days in order into its
own fresh local archive; per day: the articles fetched, the HTTP requests made, the bytes of the day's
WARCs and the crawl time (the crawls' own elapsed time, summed over outlets). Revisits keep a file every
page shares (stylesheet, font, script, logo) to one copy across the week; a third case writes every
requisite again (NEWSARCHIVE_REVISITS=False) to show what they save. Each article's own pictures are new
bytes every day, revisits or not.

Usage: python bench/bench_requisites.py [DAYS]   (default 7)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsarchive.config import Settings  # noqa: E402
from newsarchive.run.pipeline import run_pipeline  # noqa: E402
from replica.server import ReplicaServer  # noqa: E402

FIRST = date(2026, 11, 21)


def _week(
    replica: ReplicaServer, archive: Path, days: int, requisites: bool, revisits: bool = True
) -> list[dict]:
    settings = Settings(
        archive=str(archive), host_map=replica.host_map, max_articles=1_000_000, revisits=revisits
    )
    if not requisites:
        settings = settings.with_(requisites_per_page=0)
    out = []
    for n in range(days):
        start = time.perf_counter()
        result = run_pipeline(settings, FIRST + timedelta(days=n))
        wall = time.perf_counter() - start
        manifest = result.manifest
        crawls = [c.crawl for c in manifest.outlets.values() if c.crawl is not None]
        out.append(
            {
                "articles": sum(c.fetched for c in crawls),
                "requests": sum(c.requested for c in crawls),
                "requisites": sum(c.requisites.fetched for c in crawls),
                "revisits": sum(c.requisites.revisits for c in crawls),
                "warc": sum(f.size for f in manifest.files if f.key.endswith(".warc.gz")),
                "crawl_s": sum(c.elapsed_s for c in crawls),
                "wall_s": wall,
            }
        )
    return out


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with (
        tempfile.TemporaryDirectory(prefix="bench-requisites-") as tmp,
        ReplicaServer(living=True) as replica,
    ):
        cases = {
            label: _week(replica, Path(tmp) / label.replace(" ", "-"), days, on, revisits)
            for label, on, revisits in (
                ("pages alone", False, True),
                ("with requisites", True, True),
                ("no revisits", True, False),
            )
        }
    print(
        f"{days} days of the living replica (5 outlets) from {FIRST}, local archive, one run a day:"
    )
    print(
        f"{'':16} {'day':>3} {'articles':>8} {'requests':>8} {'requisites':>10} {'revisits':>8} "
        f"{'WARC MB':>8} {'crawl s':>8} {'run s':>6}"
    )
    for label, rows in cases.items():
        for n, r in enumerate(rows, 1):
            print(
                f"{label:16} {n:3} {r['articles']:8,} {r['requests']:8,} {r['requisites']:10,} "
                f"{r['revisits']:8,} {r['warc'] / 1e6:8.2f} {r['crawl_s']:8.1f} {r['wall_s']:6.1f}"
            )
    total = {label: {k: sum(r[k] for r in rows) for k in rows[0]} for label, rows in cases.items()}
    off, on = total["pages alone"], total["with requisites"]
    print(f"over the {days} days:")
    print(f"{'':16} {'bytes/article':>13} {'requests/article':>16} {'crawl s':>8}")
    for label, t in total.items():
        print(
            f"{label:16} {t['warc'] / t['articles']:13,.0f} {t['requests'] / t['articles']:16.2f} "
            f"{t['crawl_s']:8.1f}"
        )
    first_extra = cases["with requisites"][0]["warc"] - cases["pages alone"][0]["warc"]
    week_extra = on["warc"] - off["warc"]
    again = total["no revisits"]["warc"] - off["warc"]
    later = [
        (w["warc"] - p["warc"]) / w["articles"]
        for w, p in zip(cases["with requisites"][1:], cases["pages alone"][1:], strict=True)
    ]
    print(
        f"extra WARC bytes with requisites: day 1 {first_extra / 1e6:.2f} MB, the {days} days "
        f"{week_extra / 1e6:.2f} MB ({week_extra / first_extra:.2f} x day 1's; every requisite "
        f"written again: {again / 1e6:.2f} MB); after day 1, {min(later, default=0):,.0f}-"
        f"{max(later, default=0):,.0f} extra bytes per article (its own pictures); crawl time "
        f"{on['crawl_s'] / off['crawl_s']:.2f} x"
    )


if __name__ == "__main__":
    main()
