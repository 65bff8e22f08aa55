"""`newsarchive reextract`: archived days extracted again from their WARCs, a diff report per day and
outlet printed (and stored beside each new rev), one derived rev published per day that changed."""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import UTC, datetime

from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, date_range, settings_of


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "reextract", help="extract archived days again from their WARCs (no request to any outlet)"
    )
    archive_options(p)
    date_range(p, required=True, what="day")
    p.add_argument(
        "--outlet",
        action="append",
        type=cli_args.outlet_id,
        help="outlet id (repeatable); default all",
    )
    p.add_argument(
        "--only-stale",
        action="store_true",
        help="only rows made by another extractor (version, options or outlet rules) than the current one",
    )
    p.add_argument("--dry-run", action="store_true", help="print the diff report; publish nothing")
    p.add_argument(
        "--reason",
        type=cli_args.text("reason"),
        default="",
        help="why (recorded in each new rev's manifest), e.g. 'orient: prune .most-read'",
    )
    p.set_defaults(func=reextract)


def reextract(args: argparse.Namespace) -> int:
    from common.errors import NewsArchiveError
    from newsarchive.reextract.day import (
        ReextractError,
        ReextractRequest,
        archived_days,
        reextract_day,
    )
    from outlets.registry import load_registry

    settings = settings_of(args)
    load_registry(settings.outlets_path).select(
        args.outlet
    )  # an unknown outlet is named before any work
    request = ReextractRequest(tuple(args.outlet or ()), args.only_stale, args.dry_run, args.reason)
    days = archived_days(settings, args.since, args.until)
    if not days:
        raise ReextractError(
            f"no snapshot from {args.since} to {args.until} in {settings.archive}; "
            "see `newsarchive snapshots list`"
        )
    run_id = f"reextract__{datetime.now(UTC):%Y%m%dT%H%M%S}__{secrets.token_hex(3)}"
    failed = 0
    for day in days:
        try:
            result = reextract_day(settings, day, request, run_id)
        except NewsArchiveError as exc:  # one day's failure costs only that day
            failed += 1
            print(f"FAILED {day}: {'; '.join(str(exc).splitlines())}", file=sys.stderr)
            continue
        for report in result.reports:
            print(report.render())
        for problem in result.problems:
            print(f"PROBLEM {day}: {problem}", file=sys.stderr)
        print(result.headline())
        sys.stdout.flush()
        failed += bool(result.problems)
    return 1 if failed else 0
