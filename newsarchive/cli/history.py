"""`newsarchive history URL`: a story's versions with their dates and word-level diffs."""

from __future__ import annotations

import argparse
import sys

from common.errors import NewsArchiveError
from common.escape import json_text
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, settings_of

FORMATS = ("text", "json", "html")


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "history",
        help="a story's versions: every edit, retitle and deletion, dated, with a word-level diff",
    )
    archive_options(p)
    p.add_argument(
        "url",
        type=cli_args.text("URL"),
        help="the URL of an archived article (any of the story's URLs), or its story_id",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default; coloured on a terminal), json (one object), html (one page)",
    )
    p.add_argument("--no-color", action="store_true", help="no colours, even on a terminal")
    p.set_defaults(func=history)


def history(args: argparse.Namespace) -> int:
    from archive.stat_cache import StatCache
    from archive.store import open_store
    from common.files import cache_dir
    from newsarchive.research import history_render
    from newsarchive.research.history import story_history

    url = args.url.strip()
    if not url or len(url) > 8192 or any(ch.isspace() for ch in url):
        raise NewsArchiveError(
            f"{url[:80]!r} is not a URL; give an article's URL like "
            "https://www.example.com/news/1, or a story_id (16 hex digits)"
        )
    store = open_store(settings_of(args).archive, create=False)

    def warn(line: str) -> None:
        print(f"newsarchive: warning: {line}", file=sys.stderr)

    # the same cache of verified day files as `query` (research/query.py verified_cache), without
    # importing DuckDB
    cache = StatCache(cache_dir("table-verified.json"))
    found = story_history(store, url, warn, cache=cache)
    if args.format == "json":
        print(json_text(found.to_dict(), indent=1))
    elif args.format == "html":
        sys.stdout.write(history_render.html_document(found))
    else:
        color = sys.stdout.isatty() and not args.no_color
        sys.stdout.write(history_render.text(found, color=color))
    return 0
