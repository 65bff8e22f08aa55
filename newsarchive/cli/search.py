"""`newsarchive search`, `newsarchive stats` and `newsarchive search-index`: full-text search and
counts over the archive's index segments (search/), and building the segments a snapshot lacks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import NewsArchiveError
from common.escape import json_text, terminal
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, date_range, settings_of
from newsarchive.cli.csv_out import write_rows

if TYPE_CHECKING:  # search imports tantivy: only when a search command runs
    from archive.store import Store
    from search.segments_local import Coverage

logger = logging.getLogger(__name__)
MAX_LIMIT = 1000


def cache_dir() -> Path:
    """Where segments of an S3 archive are kept once downloaded: NEWSARCHIVE_SEARCH_CACHE, else
    $XDG_CACHE_HOME/newsarchive/search (~/.cache/newsarchive/search)."""
    from common.files import cache_dir as user_cache
    from newsarchive.variables import environment

    configured = environment()["NEWSARCHIVE_SEARCH_CACHE"]
    return Path(configured) if configured else user_cache("search")


def register(sub: Subcommands) -> None:
    def ranged(p: argparse.ArgumentParser) -> None:
        archive_options(p)
        date_range(p)

    p = sub.add_parser(
        "search", help="full-text search (Arabic-aware, BM25) with snippets and citations"
    )
    ranged(p)
    p.add_argument(
        "query",
        type=cli_args.text("query"),
        help='words (all must match), "a phrase", prefix*, -excluded',
    )
    p.add_argument("--outlet", type=cli_args.outlet_id)
    p.add_argument("--lang", type=cli_args.language)
    p.add_argument("--limit", type=cli_args.whole(1, MAX_LIMIT, "a number of hits"), default=10)
    p.add_argument("--include-duplicates", action="store_true")
    story = p.add_mutually_exclusive_group()
    story.add_argument(
        "--changed", action="store_true", help="only stories edited or deleted after they went out"
    )
    story.add_argument("--deleted", action="store_true", help="only stories deleted (gone)")
    p.add_argument(
        "--json", action="store_true", help="one JSON object per hit (with its citation)"
    )
    p.set_defaults(func=search_command)

    p = sub.add_parser(
        "stats", help="matches, total articles and their ratio per day and outlet, gaps flagged"
    )
    ranged(p)
    p.add_argument(
        "--query", type=cli_args.text("query"), help="count the articles matching this query"
    )
    p.add_argument(
        "--by", type=group_by, default=("day", "outlet"), help="day, outlet or day,outlet (default)"
    )
    p.add_argument("--outlet", type=cli_args.outlet_id)
    p.add_argument("--lang", type=cli_args.language)
    p.add_argument("--include-duplicates", action="store_true")
    p.add_argument("--format", choices=["table", "csv", "jsonl"], default="table")
    p.set_defaults(func=stats_command)

    p = sub.add_parser(
        "search-index",
        help="build the search segments that snapshots lack (newest rev of each day)",
    )
    ranged(p)
    p.add_argument("--rebuild", action="store_true", help="build them again even where they exist")
    p.add_argument(
        "--workers",
        type=cli_args.whole(1, 64, "a number of processes"),
        default=min(2, os.cpu_count() or 1),
        help="days built at once, one process each (default: 2, or 1 on one core)",
    )
    p.set_defaults(func=index_command)


def group_by(value: str) -> tuple[str, ...]:
    from search import stats

    keys = tuple(k.strip() for k in value.split(","))
    if not keys or any(k not in stats.KEYS for k in keys) or len(set(keys)) != len(keys):
        raise argparse.ArgumentTypeError(
            f"{value[:40]!r} is not a grouping; give day, outlet or day,outlet"
        )
    return keys


def _coverage(store: Store, args: argparse.Namespace) -> Coverage:
    from archive import layout
    from search.segments_local import open_segments

    coverage = open_segments(store, cache_dir(), args.since, args.until)
    if coverage.missing:
        labels = ", ".join(r.label for r in coverage.missing[:5]) + (
            " …" if len(coverage.missing) > 5 else ""
        )
        print(
            f"newsarchive: warning: {len(coverage.missing)} day(s) have no search segment yet ({labels}) and "
            "are not searched; build them with `newsarchive search-index`",
            file=sys.stderr,
        )
    if coverage.outdated:
        print(
            f"newsarchive: warning: {len(coverage.outdated)} of them have a search segment of the old format "
            f"only, which this version (format {layout.SEARCH_FORMAT}) does not read; `newsarchive search-index` "
            "builds the new one",
            file=sys.stderr,
        )
    for problem in coverage.damaged:
        print(f"newsarchive: warning: not searched: {problem}", file=sys.stderr)
    return coverage


def _story_hits(store, segments, query, filters, args: argparse.Namespace) -> list:
    """The best hits among the stories that changed or went (the table's story columns,
    newsarchive/research/changes.py): the search asked for more hits until `limit` of them are of
    those stories or there are no more."""
    from newsarchive.research.changes import article_ids
    from search import engine

    def warn(line: str) -> None:
        print(f"newsarchive: warning: {line}", file=sys.stderr)

    wanted = article_ids(store, "deleted" if args.deleted else "changed", warn)
    asked = args.limit * 10
    while True:
        found = engine.search(segments, query, filters, asked)
        kept = [hit for hit in found if hit["id"] in wanted]
        if len(kept) >= args.limit or len(found) < asked:
            return kept[: args.limit]
        asked *= 10


def search_command(args: argparse.Namespace) -> int:
    from archive.store import open_store
    from search import engine
    from search.query import parse

    query = parse(args.query)
    store = open_store(settings_of(args).archive, create=False)
    coverage = _coverage(store, args)
    filters = engine.Filters(args.outlet, args.lang, args.include_duplicates)
    if args.changed or args.deleted:
        hits = _story_hits(store, coverage.segments, query, filters, args)
    else:
        hits = engine.search(coverage.segments, query, filters, args.limit)
    for n, hit in enumerate(hits, 1):
        if args.json:
            print(json_text(hit))
            continue
        c = hit["citation"]
        print(terminal(f"{n}. {hit['title']}  [{hit['score']:.2f}]"))
        print("   " + terminal(f"{c['outlet']} | {c['published'] or 'no date'} | {c['url']}"))
        print("   " + terminal(str(hit["snippet"])))
        print(
            "   "
            + terminal(
                f"archived {c['archived']} in snapshot {c['snapshot']} rev {c['rev']}; "
                f"article {c['article_id']}; capture {c['capture_id'] or '-'}"
            )
        )
    if not args.json:
        print(f"{len(hits)} hit(s) in {len(coverage.segments)} day(s)", file=sys.stderr)
    return 0


def stats_command(args: argparse.Namespace) -> int:
    from archive.snapshot import load_manifest
    from archive.store import open_store
    from search import engine, stats
    from search.query import parse

    query = parse(args.query) if args.query else None
    store = open_store(settings_of(args).archive, create=False)
    coverage = _coverage(store, args)
    filters = engine.Filters(args.outlet, args.lang, args.include_duplicates)
    per_day = {s.ref.day: stats.day_counts(s, query, filters) for s in coverage.segments}
    gaps = {s.ref.day: stats.gaps_of(load_manifest(store, s.ref)) for s in coverage.segments}
    rows = stats.aggregate(
        per_day,
        gaps,
        args.by,
        args.since,
        args.until,
        args.outlet,
        {r.day for r in coverage.missing},
    )
    columns = [*args.by, "matches", "total", "ratio", "gap"]
    if args.format == "csv":
        write_rows(columns, [[row[c] for c in columns] for row in rows], sys.stdout)
    elif args.format == "jsonl":
        for row in rows:
            print(json_text(row))
    else:
        cells = [[terminal(str(r[c] if r[c] is not None else "-")) for c in columns] for r in rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        for cells_of_row in cells:
            print("  ".join(v.ljust(w) for v, w in zip(cells_of_row, widths, strict=True)))
    return 0


def index_command(args: argparse.Namespace) -> int:
    from archive.snapshot import newest_revs
    from archive.store import open_store
    from search.segment import indexed_refs

    settings = settings_of(args)
    store = open_store(settings.archive, create=False)
    since, until = args.since, args.until
    have = set() if args.rebuild else indexed_refs(store)
    todo = [ref for ref in newest_revs(store, since, until) if ref not in have]
    failed = 0
    jobs = [(settings.archive, ref.day, ref.rev) for ref in todo]
    if args.workers > 1 and len(todo) > 1:
        with ProcessPoolExecutor(min(args.workers, len(todo))) as pool:
            results = list(pool.map(_index_day, jobs))
    else:
        results = [_index_day(job) for job in jobs]
    for ref, (rows, error) in zip(todo, results, strict=True):
        if error is not None:  # a damaged snapshot costs only itself
            failed += 1
            print(f"newsarchive: error: {ref.label}: {error}", file=sys.stderr)
            continue
        print(f"indexed {ref.label}: {rows} articles")
    print(
        f"{len(todo) - failed} segment(s) built, {failed} failed, "
        f"{len(newest_revs(store, since, until)) - len(todo)} already there"
    )
    return 1 if failed else 0


def _index_day(job: tuple[str, str, int]) -> tuple[int, str | None]:
    """One day's segment (in a worker process): its rows, or the one-line error."""
    from archive.snapshot import SnapshotRef
    from archive.store import open_store
    from search.segment import index_snapshot

    archive, day, rev = job
    try:
        return index_snapshot(open_store(archive, create=False), SnapshotRef(day, rev)).rows, None
    except (NewsArchiveError, OSError, ValueError) as exc:
        return 0, "; ".join(str(exc).splitlines())
