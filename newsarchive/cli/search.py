"""`newsarchive search`, `newsarchive stats` and `newsarchive search-index`: full-text search and
counts over the archive's index segments (search/), and building the segments a snapshot lacks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.errors import NewsArchiveError
from common.escape import json_text, terminal
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, date_range, settings_of
from newsarchive.cli.csv_out import write_rows
from search.pages import MAX_OFFSET

if TYPE_CHECKING:  # search imports tantivy: only when a search command runs
    from archive.store import Store
    from search.engine import Filters
    from search.query import Query
    from search.segments_local import Coverage, LocalSegment

logger = logging.getLogger(__name__)
MAX_LIMIT = 1000
MAX_PAGE = MAX_OFFSET // MAX_LIMIT + 1


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
        help='words (all must match, by their stem), "exact words or a phrase", prefix*, -excluded',
    )
    exact_option(p)
    p.add_argument("--outlet", type=cli_args.outlet_id)
    p.add_argument("--lang", type=cli_args.language)
    p.add_argument(
        "--limit",
        type=cli_args.whole(1, MAX_LIMIT, "a number of hits"),
        default=10,
        help=f"hits per page (at most {MAX_LIMIT})",
    )
    pages = p.add_mutually_exclusive_group()
    pages.add_argument(
        "--page", type=cli_args.whole(1, MAX_PAGE, "a page number"), help="page N of --limit hits"
    )
    pages.add_argument(
        "--offset",
        type=cli_args.whole(0, MAX_OFFSET, "a number of hits to skip"),
        help="skip this many hits",
    )
    pages.add_argument(
        "--cursor",
        help="the next page: what the previous page printed (refused if the archive changed since)",
    )
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
    exact_option(p)
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


def exact_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--exact",
        action="store_true",
        help="every word by its exact form, as quotes do (الحكومة, never الحكومية)",
    )


def group_by(value: str) -> tuple[str, ...]:
    from search import stats

    keys = tuple(k.strip() for k in value.split(","))
    if not keys or any(k not in stats.KEYS for k in keys) or len(set(keys)) != len(keys):
        raise argparse.ArgumentTypeError(
            f"{value[:40]!r} is not a grouping; give day, outlet or day,outlet"
        )
    return keys


def _coverage(store: Store, args: argparse.Namespace, stemmer: str) -> Coverage:
    from archive import layout
    from search.segments_local import open_segments

    coverage = open_segments(store, cache_dir(), args.since, args.until, stemmer)
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
            f"(or made with another stemmer) only, which this version (format {layout.SEARCH_FORMAT}, "
            f"stemmer {stemmer.split()[0]}) does not read; `newsarchive search-index` builds the new one",
            file=sys.stderr,
        )
    for problem in coverage.damaged:
        print(f"newsarchive: warning: not searched: {problem}", file=sys.stderr)
    return coverage


def _story_hits(
    store: Store,
    segments: list[LocalSegment],
    query: Query,
    filters: Filters,
    args: argparse.Namespace,
    offset: int,
) -> list[dict[str, Any]]:
    """The best hits among the stories that changed or went (the table's story columns,
    newsarchive/research/changes.py), from `offset`: the search asked for more hits until the page is
    full of those stories or there are no more."""
    from newsarchive.research.changes import article_ids
    from search import engine

    def warn(line: str) -> None:
        print(f"newsarchive: warning: {line}", file=sys.stderr)

    wanted = article_ids(store, "deleted" if args.deleted else "changed", warn)
    end = offset + args.limit
    asked = end * 10
    while True:
        found = engine.search(segments, query, filters, asked)
        kept = [hit for hit in found if hit["id"] in wanted]
        if len(kept) >= end or len(found) < asked:
            return [{**hit, "rank": offset + n} for n, hit in enumerate(kept[offset:end], 1)]
        asked *= 10


def search_command(args: argparse.Namespace) -> int:
    from archive.store import open_store
    from search import engine, pages
    from search.query import parse
    from search.text import Analyzer

    analyzer = Analyzer()
    query = parse(args.query, exact=args.exact, analyzer=analyzer)
    store = open_store(settings_of(args).archive, create=False)
    coverage = _coverage(store, args, analyzer.identity)
    filters = engine.Filters(args.outlet, args.lang, args.include_duplicates)
    asked = pages.query_digest(
        args.query,
        args.exact,
        args.outlet,
        args.lang,
        args.include_duplicates,
        args.since,
        args.until,
        args.changed,
        args.deleted,
    )
    searched = pages.segments_digest(coverage.segments)
    offset = args.offset or 0
    if args.page:
        offset = (args.page - 1) * args.limit
    if args.cursor:
        cursor = pages.Cursor.decode(args.cursor)
        cursor.check(asked, searched)
        offset = cursor.offset
    if offset > pages.MAX_OFFSET:
        raise pages.CursorError(
            f"a page may start at hit {pages.MAX_OFFSET + 1:,} at most, not {offset + 1:,}; "
            "narrow the search with --since/--until, --outlet or more words"
        )
    if args.changed or args.deleted:
        hits = _story_hits(store, coverage.segments, query, filters, args, offset)
    else:
        hits = engine.search(coverage.segments, query, filters, args.limit, offset)
    for hit in hits:
        if args.json:
            print(json_text(hit))
            continue
        c = hit["citation"]
        print(terminal(f"{hit['rank']}. {hit['title']}  [{hit['score']:.2f}]"))
        print("   " + terminal(f"{c['outlet']} | {c['published'] or 'no date'} | {c['url']}"))
        print("   " + terminal(str(hit["snippet"])))
        print(
            "   "
            + terminal(
                f"archived {c['archived']} in snapshot {c['snapshot']} rev {c['rev']}; "
                f"article {c['article_id']}; capture {c['capture_id'] or '-'}"
            )
        )
    shown = f"hits {offset + 1}-{offset + len(hits)}" if hits else f"no hit from {offset + 1}"
    print(f"{shown} in {len(coverage.segments)} day(s)", file=sys.stderr)
    if len(hits) == args.limit and offset + len(hits) <= pages.MAX_OFFSET:
        following = pages.Cursor(offset + len(hits), asked, searched).encode()
        print(f"next page: --cursor {following}", file=sys.stderr)
    return 0


def stats_command(args: argparse.Namespace) -> int:
    from archive.snapshot import load_manifest
    from archive.store import open_store
    from search import engine, stats
    from search.query import parse
    from search.text import Analyzer

    analyzer = Analyzer()
    query = parse(args.query, exact=args.exact, analyzer=analyzer) if args.query else None
    store = open_store(settings_of(args).archive, create=False)
    coverage = _coverage(store, args, analyzer.identity)
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
    from search.text import Analyzer

    settings = settings_of(args)
    store = open_store(settings.archive, create=False)
    since, until = args.since, args.until
    have = set() if args.rebuild else indexed_refs(store, Analyzer().identity)
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
