"""`newsarchive extract` and `newsarchive dedup`: the extractor and the deduplicator on the user's own
files (newsarchive/cli/extract_files.py, newsarchive/cli/dedup_file.py), no archive involved."""

from __future__ import annotations

import argparse
from pathlib import Path

from common.errors import NewsArchiveError
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands
from newsarchive.variables import BY_NAME

THRESHOLD_HELP = "near-duplicate similarity threshold (estimated Jaccard of word 3-shingles)"


def register(sub: Subcommands) -> None:
    from dedup import THRESHOLD

    p = sub.add_parser(
        "extract", help="extract articles from saved pages (.html, .html.gz) as JSON Lines"
    )
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument(
        "--url",
        type=cli_args.page_url,
        help="the page's URL (for relative links and the canonical URL)",
    )
    p.add_argument(
        "--outlet", type=cli_args.outlet_id, help="apply this outlet's cleanup rules and time zone"
    )
    p.add_argument("--outlets", type=cli_args.text("registry path"), help="outlet registry file")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser(
        "dedup", help="deduplicate your own JSON Lines corpus (id, url, text per line)"
    )
    p.add_argument(
        "input",
        type=cli_args.input_file,
        help="JSON Lines with id and text (url, outlet, title, published optional); - for stdin",
    )
    p.add_argument(
        "--threshold",
        type=_threshold,
        default=THRESHOLD,
        help=f"{THRESHOLD_HELP}; default {THRESHOLD}",
    )
    p.set_defaults(func=cmd_dedup)


# the same kind as NEWSARCHIVE_DEDUP_THRESHOLD's (newsarchive/variables.py)
_threshold = cli_args.arg(BY_NAME["NEWSARCHIVE_DEDUP_THRESHOLD"].kind, "a near-duplicate threshold")


def cmd_extract(args: argparse.Namespace) -> int:
    from newsarchive.cli.extract_files import extract_files

    return extract_files(args.paths, url=args.url, outlet_id=args.outlet, outlets_path=args.outlets)


def cmd_dedup(args: argparse.Namespace) -> int:
    from newsarchive.cli.dedup_file import dedup_file

    if args.input != Path("-") and not args.input.is_file():
        raise NewsArchiveError(
            f"dedup input {args.input} does not exist; give a JSON Lines file (or - for stdin)"
        )
    return dedup_file(args.input, threshold=args.threshold)
