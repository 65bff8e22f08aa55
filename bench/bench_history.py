"""`newsarchive history URL` on an archive of DAYS days x PER_DAY articles (bench/synthetic_archive.py's
rows), as a fresh process, beside what a user would run instead without it: `newsarchive query` for the
same URL's rows (no story, no diff), also a fresh process.

The archive is built once (kept in --archive): each day's articles, plus for every day after the first
a tenth of the day before's articles captured again (half unchanged, half edited: a headline rewritten
and a sentence added) and, a week on, a hundredth of the articles of seven days before gone (404). Each
day's table file is written by the current table's own refresh (archive/stories.py decides the
versions), so the table is what a real archive holds.

    python bench/bench_history.py [--archive DIR] [--days 30] [--per-day 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic_archive import day_rows, sentences  # noqa: E402

from archive import stories  # noqa: E402
from archive.current_table import day_table, earlier_chains, refresh_day  # noqa: E402
from archive.records import ArchivedRow  # noqa: E402
from archive.snapshot import list_snapshots, publish_snapshot  # noqa: E402
from archive.store import open_store  # noqa: E402

START = date(2026, 10, 1)
NEWSARCHIVE = str(Path(sys.executable).with_name("newsarchive"))


def _again(rows: list[ArchivedRow], day: date, share: int, edit: bool) -> list[ArchivedRow]:
    out = []
    for n, row in enumerate(rows[::share]):
        if row.duplicate_of:
            continue
        fetched = f"{day.isoformat()}T20:00:00+00:00"
        if edit and n % 2:
            title, text = "محدّث: " + row.title, row.text + "\nوأضاف المراسل تفاصيل جديدة."
            row = replace(row, title=title, text=text, revision_of=row.id, reason="revision")
        else:
            row = replace(row, duplicate_of=row.id, reason="canonical_url", similarity=1.0)
        out.append(replace(row, id=f"{row.id[:8]}{day:%m%d}{n % 10000:04d}", fetched_at=fetched))
    return out


def _gone(rows: list[ArchivedRow], day: date) -> list[ArchivedRow]:
    return [
        replace(
            row,
            id=f"{row.id[:8]}g{day:%m%d}{n % 1000:03d}",
            title="",
            text="",
            author=None,
            gone="http_404",
            fetched_at=f"{day.isoformat()}T21:00:00+00:00",
        )
        for n, row in enumerate(rows[10::100])
        if not row.duplicate_of
    ]


def build(where: str, days: int, per_day: int) -> str:
    """The archive (built unless it has every day already); returns the URL of a story with an edit and
    a deletion (day 1's first article)."""
    store = open_store(where)
    pool = sentences()
    own: dict[int, list[ArchivedRow]] = {}
    if len(list(list_snapshots(store))) < days:
        started = time.perf_counter()
        for n in range(days):
            day = START + timedelta(n)
            own[n] = day_rows(day, per_day, pool, captures=False)
            own.pop(n - 8, None)  # a week back is as far as the revisits go
            rows = list(own[n])
            if n >= 1:
                rows += _again(own[n - 1], day, 10, edit=True)
            if n >= 7:
                rows += _gone(own[n - 7], day)
            publish_snapshot(store, day, rows, {}, run_id=f"bench-{day}")
            refresh_day(store, day.isoformat())
        print(f"built {days} days x {per_day:,} in {time.perf_counter() - started:.0f} s: {where}")
    first = day_rows(START, per_day, pool, captures=False)
    # captured again and edited the next day (rows[::10], odd ones), gone a week after (rows[10::100])
    return next(r.url for r in first[10::100] if not r.duplicate_of)


def _time(argv: list[str], env: dict[str, str], repeat: int) -> tuple[float, float, float, str]:
    """(first wall time, median wall time of the rest, median CPU time of the rest, output)."""
    times, cpu, out = [], [], ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        out = done.stdout
    rest = slice(1, None) if repeat > 1 else slice(None)
    return times[0], statistics.median(times[rest]), statistics.median(cpu[rest]), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", default="/tmp/bench-history-archive")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    url = build(args.archive, args.days, args.per_day)
    cache = Path(args.archive).with_name(Path(args.archive).name + "-cache")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "NEWSARCHIVE_ARCHIVE": args.archive}
    history = [NEWSARCHIVE, "history", url]
    query = [
        NEWSARCHIVE,
        "query",
        f"SELECT fetched_at, title, gone FROM articles_all WHERE url = '{url}' ORDER BY fetched_at",
    ]
    results = {}
    commands = (
        ("history", history),
        ("query (baseline)", query),
        ("--version (floor)", [NEWSARCHIVE, "--version"]),
    )
    for name, command in commands:
        results[name] = _time(command, env, args.repeat)
    print(f"archive: {args.days} days x {args.per_day:,} articles; story of {url}")
    print(results["history"][3].splitlines()[0])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'command':<18} {'first run':>10} {'median wall':>12} {'median CPU':>11}")
    for name, (first, warm, cpu, _) in results.items():
        print(f"{name:<18} {first:>9.2f}s {warm:>11.2f}s {cpu:>10.2f}s")
    table_cost(args.archive, args.days, args.repeat)
    return 0


def table_cost(where: str, days: int, repeat: int) -> None:
    """What deciding the stories adds to writing the last day's table file (refresh_day's day_table):
    the whole, and the stories' part (the earlier days' stories matched, the day's rows assigned)."""
    store = open_store(where)
    day = (START + timedelta(days - 1)).isoformat()
    ref = next(r for r in list_snapshots(store) if r.day == day)
    whole, part = [], []
    for _ in range(repeat):
        stories.url_key.cache_clear()
        started = time.perf_counter()
        table = day_table(store, ref)
        whole.append(time.perf_counter() - started)
        rows = table.drop_columns(list(stories.STORY_COLUMNS))
        stories.url_key.cache_clear()
        started = time.perf_counter()
        stories.assign(rows, earlier_chains(store, day, rows))
        part.append(time.perf_counter() - started)
    w, p = statistics.median(whole), statistics.median(part)
    print(
        f"day file of {day} ({table.num_rows:,} rows, {days - 1} days before it): {w:.2f} s, "
        f"of which the stories {p:.2f} s; without them (the table before stories) {w - p:.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
