"""A synthetic archive for benchmarks: N days x M articles built from the seed texts, written through the
project's own snapshot writer (`archive.snapshot.publish_snapshot`: Parquet parts, manifest with every
file's SHA-256, `_SUCCESS` last), so every reader, `snapshots verify` and the current-articles table see a
real archive.

    python bench/synthetic_archive.py --archive /tmp/synth --days 100 --per-day 10000

Each article is 6 to 12 sentences drawn (seeded) from the seed texts, so the vocabulary is real Arabic
news text; a share of each day's rows are flagged as duplicates of an earlier row of the day, and
`--reruns K` publishes a second rev of K days that carries every row of rev 1 forward and adds new ones
(as a rerun of a day does). Same arguments, same archive (ids, texts and flags), whatever the machine.
Each outlet's WARC holds one response record per article (the text as a small HTML page) whose
WARC-Record-ID is the row's `capture_id`, so `newsarchive snapshots verify` passes; `--no-warc` skips them
(then rows have no `capture_id`).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from archive.records import ArchivedRow  # noqa: E402
from archive.snapshot import SnapshotRef, publish_snapshot  # noqa: E402
from archive.store import Store, open_store  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
OUTLETS = {
    "anapress": "www.anapress.net",
    "orient": "www.orient-news.net",
    "euronews": "arabic.euronews.com",
    "enabbaladi": "www.enabbaladi.net",
    "zamanalwsl": "www.zamanalwsl.net",
}
AUTHORS = [None, None, "فريق التحرير", "سلام السعدي", "عمر الحلبي"]


def sentences(seeds: Path = SEEDS) -> list[str]:
    """The seed texts' sentences (lines split at full stops) of at least five words."""
    out: list[str] = []
    for path in sorted(seeds.glob("*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            for part in line.replace("؟", "؟.").split("."):
                part = part.strip()
                if len(part.split()) >= 5:
                    out.append(part.rstrip("؟") + ("؟" if part.endswith("؟") else "."))
    if not out:
        raise SystemExit(f"no seed texts in {seeds}; give --seeds DIR")
    return sorted(set(out))


def day_rows(
    day: date,
    count: int,
    pool: list[str],
    *,
    seed: int = 1,
    duplicates: float = 0.03,
    first: int = 0,
    captures: bool = True,
) -> list[ArchivedRow]:
    """`count` articles of one day (numbered from `first`), a `duplicates` share of them flagged as
    duplicates of an earlier row of the same day."""
    rng = np.random.default_rng([seed, day.toordinal(), first])
    lengths = rng.integers(6, 13, count)
    picks = rng.integers(0, len(pool), int(lengths.sum()))
    outlets = list(OUTLETS)
    outlet_of = rng.integers(0, len(outlets), count)
    minutes = rng.integers(0, 24 * 60, count)
    is_dup = rng.random(count) < duplicates
    rows: list[ArchivedRow] = []
    offset = 0
    for n in range(count):
        text_parts = [pool[i] for i in picks[offset : offset + lengths[n]]]
        offset += int(lengths[n])
        outlet = outlets[int(outlet_of[n])]
        number = day.toordinal() * 1_000_000 + first + n
        url = f"https://{OUTLETS[outlet]}/news/{number}"
        text = "\n".join(text_parts)
        row_id = hashlib.sha256(f"{url}\n{url}\n{text}".encode()).hexdigest()[:16]
        published = (
            f"{day.isoformat()}T{int(minutes[n]) // 60:02d}:{int(minutes[n]) % 60:02d}:00+03:00"
        )
        title = " ".join(text_parts[0].split()[:9]).rstrip(".،")
        rows.append(
            ArchivedRow(
                id=row_id,
                url=url,
                canonical_url=url,
                outlet=outlet,
                title=title,
                author=AUTHORS[n % len(AUTHORS)],
                published=published,
                date_source="jsonld",
                modified=None,
                language="ar",
                text=text,
                capture_id=capture_id(row_id) if captures else None,
                fetched_at=f"{day.isoformat()}T23:00:00+00:00",
                extractor="synthetic",
            )
        )
    for n in np.flatnonzero(is_dup):
        if n > 0:
            original = rows[int(rng.integers(0, n))]
            if original.duplicate_of is None:
                rows[n] = replace(
                    rows[n], duplicate_of=original.id, reason="near_duplicate", similarity=0.9
                )
    return rows


def capture_id(row_id: str) -> str:
    """The WARC-Record-ID of a row's capture, derived from its id (so a carried row keeps it)."""
    return f"<urn:uuid:{uuid.UUID(hashlib.md5(row_id.encode()).hexdigest())}>"


def write_warcs(rows: list[ArchivedRow], tmp: Path) -> dict[str, Path]:
    """One WARC per outlet with a response record per row, whose WARC-Record-ID is the row's capture_id."""
    from io import BytesIO

    writers: dict[str, tuple[WARCWriter, object]] = {}
    paths: dict[str, Path] = {}
    for row in rows:
        if row.outlet not in writers:
            paths[row.outlet] = tmp / f"{row.outlet}.warc.gz"
            fh = paths[row.outlet].open("wb")
            writers[row.outlet] = (WARCWriter(fh, gzip=True), fh)
        writer = writers[row.outlet][0]
        body = f"<html><head><title>{row.title}</title></head><body><p>{row.text}</p></body></html>".encode()
        http = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            row.url,
            "response",
            payload=BytesIO(body),
            http_headers=http,
            warc_headers_dict={
                "WARC-Date": row.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                if row.fetched_at
                else "",
                "WARC-Record-ID": capture_id(row.id),
            },
        )
        writer.write_record(record)
    for _, fh in writers.values():
        fh.close()  # type: ignore[attr-defined]
    return paths


def generate(
    store: Store,
    start: date,
    days: int,
    per_day: int,
    *,
    seed: int = 1,
    duplicates: float = 0.03,
    reruns: int = 0,
    warc: bool = True,
    seeds: Path = SEEDS,
    on_publish: Callable[[Store, SnapshotRef], None] | None = None,
) -> list[SnapshotRef]:
    """Publish `days` days from `start`, then a rev 2 of the first `reruns` days (rev 1 carried forward
    plus a tenth more articles). `on_publish(store, ref)` runs after each snapshot (the publish hook)."""
    pool = sentences(seeds)
    refs: list[SnapshotRef] = []

    def publish(day: date, rows: list[ArchivedRow], run_id: str) -> None:
        with tempfile.TemporaryDirectory(prefix="synthetic-") as tmp:
            warcs = write_warcs([r for r in rows if not r.carried_from], Path(tmp)) if warc else {}
            ref, _ = publish_snapshot(store, day, rows, warcs, run_id=run_id)
        refs.append(ref)
        if on_publish:
            on_publish(store, ref)

    def rows_of(day: date, count: int, first: int = 0) -> list[ArchivedRow]:
        return day_rows(
            day, count, pool, seed=seed, duplicates=duplicates, first=first, captures=warc
        )

    for n in range(days):
        day = start + timedelta(days=n)
        publish(day, rows_of(day, per_day), f"synthetic-{day.isoformat()}")
    for n in range(min(reruns, days)):
        day = start + timedelta(days=n)
        carried = [
            replace(r, carried_from=f"{day.isoformat()} rev 1") for r in rows_of(day, per_day)
        ]
        publish(
            day,
            carried + rows_of(day, max(1, per_day // 10), per_day),
            f"synthetic-{day.isoformat()}-rerun",
        )
    return refs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--archive", required=True, help="a directory or s3://bucket/prefix (a fresh one)"
    )
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 7, 1))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--duplicates", type=float, default=0.03, help="share of rows flagged as duplicates"
    )
    parser.add_argument("--reruns", type=int, default=0, help="days that get a second rev")
    parser.add_argument("--no-warc", action="store_true", help="no WARCs (rows without capture_id)")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="directory of seed .txt files")
    args = parser.parse_args(argv)
    if args.days < 1 or args.per_day < 1 or not 0 <= args.duplicates < 1:
        parser.error("--days and --per-day must be at least 1, --duplicates from 0 to below 1")
    started = time.perf_counter()
    refs = generate(
        open_store(args.archive),
        args.start,
        args.days,
        args.per_day,
        seed=args.seed,
        duplicates=args.duplicates,
        reruns=args.reruns,
        warc=not args.no_warc,
        seeds=args.seeds,
    )
    elapsed = time.perf_counter() - started
    total = args.days * args.per_day + min(args.reruns, args.days) * max(1, args.per_day // 10)
    print(
        f"synthetic archive: {len(refs)} snapshots, {total:,} articles in {elapsed:.1f} s "
        f"({total / elapsed:,.0f} articles/s) -> {args.archive}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
