"""`newsarchive captures URL`: every capture of a URL across snapshots, from their CDXJ indexes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import NewsArchiveError
from common.escape import json_text, terminal
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, date_range, settings_of

if TYPE_CHECKING:
    from archive.captures import Capture


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "captures", help="every capture of a URL across snapshots (CDXJ index lookup)"
    )
    archive_options(p)
    p.add_argument(
        "url",
        type=cli_args.text("URL"),
        help="the page's URL: raw or percent-encoded, with or without www. or tracking parameters",
    )
    date_range(p)
    p.add_argument("--json", action="store_true", help="one JSON object per capture")
    p.add_argument(
        "--cache",
        type=cli_args.dest_dir,
        metavar="DIR",
        help="where checked indexes are kept for the next lookups "
        "(default $XDG_CACHE_HOME/newsarchive/cdxj or ~/.cache/newsarchive/cdxj)",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="read and check every index afresh, keep nothing"
    )
    p.set_defaults(func=captures)


def captures(args: argparse.Namespace) -> int:
    from archive.captures import find_captures
    from archive.store import open_store
    from dedup.urls import canonical_url

    settings = settings_of(args)
    url = args.url.strip()
    if not url or len(url) > 8192 or any(ch.isspace() for ch in url):
        raise NewsArchiveError(
            f"{url[:80]!r} is not a URL; give one like https://www.example.com/news/1"
        )
    store = open_store(settings.archive, create=False)
    search = find_captures(
        store,
        url,
        canonical_url,
        args.since,
        args.until,
        cache=None if args.no_cache else args.cache or default_cache(),
    )
    for problem in search.unindexed:
        print(f"newsarchive: warning: {problem}", file=sys.stderr)
    if args.json:
        for capture in search.captures:
            print(json_text(capture.to_dict()))
    else:
        print(terminal(f"{len(search.captures)} captures of {search.canonical} in {store.url}"))
        for other in search.linked:
            print(terminal(f"  and of the same story at {other}"))
        for capture in search.captures:
            print("\n".join(terminal(line) for line in _line(capture).split("\n")))
    return 0 if search.captures else 1


def default_cache() -> Path:
    from common.files import cache_dir

    return cache_dir("cdxj")


def _line(c: Capture) -> str:
    article = f"article={c.article}" if c.article else "no article"
    if c.duplicate_of:
        article += f" (duplicate of {c.duplicate_of})"
    if c.revision_of:
        article += f" (revision of {c.revision_of})"
    text = (
        f"{c.captured_at}  {c.status or '-':>3}  {'revisit' if c.revisit else c.mime or '-'}  {c.snapshot}  "
        f"{c.warc} offset={c.offset} length={c.length}  {article}  {c.digest or ''}\n    {c.url}"
    )
    if c.revisit:
        o = c.original
        text += (
            f"\n    revisit of {o.captured_at} in {o.snapshot}: {o.warc} offset={o.offset} length={o.length}"
            if o
            else f"\n    revisit of {c.refers_to_uri} at {c.refers_to_date}: not found in the archive"
        )
    return text
