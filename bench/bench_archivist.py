"""`make bench` (archivist part): `captures` lookup latency on a generated local archive of DAYS days x
ARTICLES articles a day (real WARCs, Parquet, manifests and CDXJ indexes, published as runs publish),
beside what a user would do without it (DuckDB over the Parquet for the capture id, then a scan of the
WARC; or grep over the CDXJ files); and WACZ export throughput beside plain `wacz create` on the same WARCs.

BENCH_DAYS (30), BENCH_ARTICLES (10000 a day), BENCH_LOOKUPS (20) change the size."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import duckdb  # noqa: E402
from warcio.archiveiterator import ArchiveIterator  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from archive.captures import find_captures  # noqa: E402
from archive.snapshot import publish_snapshot  # noqa: E402
from archive.store import open_store  # noqa: E402
from archive.wacz_export import export_wacz  # noqa: E402
from dedup.urls import canonical_url  # noqa: E402

DAYS = int(os.environ.get("BENCH_DAYS", "30"))
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "10000"))
LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "20"))
OUTLETS = ("enabbaladi", "orient")
FIRST = date(2026, 10, 1)
STORY = "قال المرصد السوري لحقوق الإنسان إن الاشتباكات تواصلت في محيط مدينة دوما من جهة حرستا. "


def _url(day: int, n: int) -> str:
    return f"https://www.enabbaladi.net/archives/2026/{day:03d}/{n:06d}-مقال"


def _day(store, tmp: Path, d: int) -> None:
    rows, warcs = [], {}
    for o, outlet in enumerate(OUTLETS):
        path = tmp / f"{outlet}.warc.gz"
        with path.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True, warc_version="1.1")
            for n in range(o, ARTICLES, len(OUTLETS)):
                url = _url(d, n).replace("enabbaladi", outlet)
                body = f"<html><head><title>{n}</title></head><body><p>{n} {STORY * 6}</p></body></html>".encode()
                rid = f"<urn:uuid:{d:08x}-0000-4000-8000-{n:012x}>"
                http = StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                )
                writer.write_record(
                    writer.create_warc_record(
                        url,
                        "response",
                        payload=BytesIO(body),
                        http_headers=http,
                        warc_headers_dict={
                            "WARC-Record-ID": rid,
                            "WARC-Date": f"{FIRST + timedelta(days=d)}T03:00:00Z",
                        },
                    )
                )
                rows.append(
                    {
                        "id": f"{d:04d}{n:012d}",
                        "url": url,
                        "canonical_url": url,
                        "outlet": outlet,
                        "title": str(n),
                        "author": None,
                        "published": None,
                        "date_source": None,
                        "modified": None,
                        "language": "ar",
                        "text": f"{n} {STORY}",
                        "capture_id": rid,
                        "fetched_at": None,
                    }
                )
        warcs[outlet] = path
    publish_snapshot(store, FIRST + timedelta(days=d), rows, warcs, run_id=f"bench-{d}")


def _baseline_duckdb(root: Path, url: str) -> int:
    """What a user did before: DuckDB over every Parquet part for the capture id, then scan the WARC."""
    con = duckdb.connect()
    hits = con.execute(
        f"SELECT capture_id, outlet, filename FROM read_parquet('{root}/snapshots/*/*/articles/*/*/*.parquet', "
        "hive_partitioning=true, filename=true) WHERE url = ?",
        [url],
    ).fetchall()
    found = 0
    for capture_id, outlet, filename in hits:
        warc = Path(filename).parents[3] / "warc" / f"{outlet}.warc.gz"
        with warc.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_headers.get_header("WARC-Record-ID") == capture_id:
                    found += 1
                    break
    return found


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-archivist-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "archive"
        store = open_store(root)
        start = time.perf_counter()
        for d in range(DAYS):
            _day(store, tmp, d)
        built = time.perf_counter() - start
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(
            f"archive: {DAYS} days x {ARTICLES:,} articles ({DAYS * ARTICLES:,} captures, {size / 1e6:,.0f} MB) "
            f"generated and published in {built:.0f} s"
        )
        rng = random.Random(7)
        urls = [_url(rng.randrange(DAYS), rng.randrange(0, ARTICLES, 2)) for _ in range(LOOKUPS)]
        forms = [
            u.replace("https://www.", "http://") + "?utm_source=x" for u in urls
        ]  # as users paste them
        ours = [_timed(lambda u: find_captures(store, u, canonical_url), u) for u in forms]
        assert all(len(find_captures(store, u, canonical_url).captures) == 1 for u in forms[:3])
        cache = tmp / "cache"
        find_captures(
            store, forms[0], canonical_url, cache=cache
        )  # fills the cache: every index checked once
        cached = [
            _timed(lambda u: find_captures(store, u, canonical_url, cache=cache), u) for u in forms
        ]
        assert all(
            len(find_captures(store, u, canonical_url, cache=cache).captures) == 1
            for u in forms[:3]
        )
        cli, cli_cpu = [], []
        import resource

        for u in forms[:5]:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "newsarchive.cli.main",
                    "captures",
                    u,
                    "--archive",
                    str(root),
                    "--cache",
                    str(cache),
                ],
                check=True,
                capture_output=True,
            )
            cli.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cli_cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        duck = [_timed(_baseline_duckdb, root, u) for u in urls[:5]]
        assert _baseline_duckdb(root, urls[0]) == 1
        indexes = sorted(str(p) for p in root.rglob("index.cdxj"))
        grep = []
        for u in urls[:5]:
            start = time.perf_counter()
            subprocess.run(
                ["grep", "-F", "-h", u.split("/archives/")[1][:20], *indexes], capture_output=True
            )
            grep.append(time.perf_counter() - start)
        print(
            f"{'captures lookup, one URL in all ' + str(DAYS) + ' days':<56} {'median s':>9} {'max s':>7}"
        )
        for name, times in (
            (f"find_captures, every index read and checked ({LOOKUPS} URLs)", ours),
            ("find_captures, checked indexes cached (mmap)", cached),
            ("newsarchive captures (CLI, cache, process start incl.)", cli),
            ("baseline: DuckDB over Parquet + scan of the WARC", duck),
            ("baseline: grep -F over the CDXJ files (no URL forms)", grep),
        ):
            print(f"{name:<56} {statistics.median(times):>9.3f} {max(times):>7.3f}")
        print(
            f"  (the CLI's own CPU time, user + sys: median {statistics.median(cli_cpu):.3f} s; the rest of its wall "
            f"time is waiting for a core: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )

        ref_day = FIRST + timedelta(days=DAYS - 1)
        from archive.snapshot import resolve_snapshot

        ref = resolve_snapshot(store, ref_day.isoformat())
        warcs = sorted((root / ref.prefix / "warc").glob("*.warc.gz"))
        warc_mb = sum(p.stat().st_size for p in warcs) / 1e6
        runs_ours, runs_plain = [], []
        for n in range(3):
            runs_ours.append(_timed(export_wacz, store, ref, tmp / f"ours{n}"))
            start = time.perf_counter()
            for p in warcs:
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "wacz",
                        "create",
                        "-o",
                        str(tmp / f"plain{n}-{p.stem}.wacz"),
                        str(p),
                    ],
                    check=True,
                    capture_output=True,
                )
            runs_plain.append(time.perf_counter() - start)
        from archive.cdxj import write_index

        start = time.perf_counter()
        lines = write_index({p.name: p for p in warcs}, [], tmp / "day.cdxj")
        ours_index = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "cdxj-indexer"),
                "--sort",
                "-o",
                str(tmp / "plain.cdxj"),
                *map(str, warcs),
            ],
            check=True,
            capture_output=True,
        )
        plain_index = time.perf_counter() - start
        print(
            f"{'CDXJ index of one day (' + f'{lines:,} captures, {warc_mb:.1f} MB' + ')':<56} {'s':>9} {'rec/s':>7}"
        )
        print(
            f"{'archive.cdxj.write_index (what publish runs)':<56} {ours_index:>9.2f} {lines / ours_index:>7.0f}"
        )
        print(
            f"{'baseline: cdxj-indexer --sort (a process)':<56} {plain_index:>9.2f} {lines / plain_index:>7.0f}"
        )
        print(
            f"{'WACZ export of one day (' + f'{warc_mb:.1f}' + ' MB of WARC, 2 outlets)':<56} {'best s':>9} {'MB/s':>7}"
        )
        for name, times in (
            ("newsarchive snapshots get --format wacz (checked)", runs_ours),
            ("baseline: wacz create on the same WARCs", runs_plain),
        ):
            print(f"{name:<56} {min(times):>9.2f} {warc_mb / min(times):>7.1f}")


if __name__ == "__main__":
    main()
