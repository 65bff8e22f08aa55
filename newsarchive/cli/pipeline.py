"""`newsarchive run`, `demo` and `replica`: a whole run without Airflow, the same on the local replica, and
the replica served alone."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import ConfigError
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, settings_of

if TYPE_CHECKING:
    from newsarchive.run.pipeline import RunResult


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "run", help="one pipeline run without Airflow (crawl, extract, dedup, publish)"
    )
    archive_options(p)
    p.add_argument(
        "--date",
        type=cli_args.day,
        default=None,
        help="the run's date (YYYY-MM-DD, from 1990-01-01 to tomorrow; default today, UTC)",
    )
    p.add_argument(
        "--outlet",
        action="append",
        type=cli_args.outlet_id,
        help="outlet id (repeatable); default all",
    )
    p.add_argument(
        "--max-articles", type=cli_args.max_articles, help="page cap per outlet (1 or more)"
    )
    p.add_argument(
        "--refetch",
        action="store_true",
        help="ignore the archive's crawl state: request every discovered article again (a recapture)",
    )
    p.add_argument(
        "--retention-days",
        type=cli_args.retention_days,
        metavar="N",
        help="S3 Object Lock: keep published objects locked for N days (bucket with Object Lock)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "demo", help="serve the outlet replica on loopback and run the pipeline on it"
    )
    archive_options(p)
    p.add_argument(
        "--date", type=cli_args.day, default=None, help="the run's date (default today, UTC)"
    )
    p.add_argument("--outlet", action="append", type=cli_args.outlet_id)
    p.add_argument(
        "--per-outlet",
        type=cli_args.per_outlet,
        default=20,
        help=f"replica articles per outlet (1-{cli_args.MAX_PER_OUTLET})",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "replica",
        help="serve the local replica of the outlets until interrupted",
        formatter_class=_FaultModesHelp,
    )
    p.add_argument("--port", type=cli_args.port, default=0, help="0-65535; 0 picks a free port")
    p.add_argument("--per-outlet", type=cli_args.per_outlet, default=20)
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="OUTLET:MODE[:PATH][,...]",
        help="serve a fault (repeatable, or comma separated); change them while it runs with "
        "PUT/DELETE http://127.0.0.1:PORT/_replica/faults (make fault, make heal); modes: {fault_modes}",
    )
    p.add_argument(
        "--living",
        action="store_true",
        help="play days: each day new articles, revisions, syndication (the crawl's day, else --day)",
    )
    p.add_argument(
        "--day",
        type=cli_args.day,
        default=None,
        help="the living replica's day without a crawl's "
        "X-Replica-Day (YYYY-MM-DD; default: today, UTC)",
    )
    p.set_defaults(func=cmd_replica)


def _today() -> date:
    """The default run date: today in UTC, as the DAG's logical dates are."""
    return datetime.now(UTC).date()


def cmd_run(args: argparse.Namespace) -> int:
    from newsarchive.run.liveness import run_while_beating

    settings = settings_of(args)
    if args.max_articles:
        settings = settings.with_(max_articles=args.max_articles)
    if args.refetch:
        settings = settings.with_(refetch=True)
    if args.retention_days is not None:
        settings = settings.with_(retention_days=args.retention_days)
    result = run_while_beating(settings, args.date or _today(), args.outlet)
    _print_summary(result)
    return 1 if result.failures or result.quality.problems else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from newsarchive.run.liveness import run_while_beating
    from replica.server import ReplicaServer

    settings = settings_of(args)
    if (
        args.archive is None
        and not settings.archive.startswith("s3://")
        and settings.archive == "./var/archive"
    ):
        settings = settings.with_(archive="./var/demo/archive")
    with ReplicaServer(per_outlet=args.per_outlet) as server:
        print(
            f"replica of {len(server.replica.catalog.articles)} outlets on 127.0.0.1:{server.port}"
        )
        settings = settings.with_(
            host_map=server.host_map, max_articles=max(settings.max_articles, args.per_outlet)
        )
        result = run_while_beating(settings, args.date or _today(), args.outlet)
    _print_summary(result)
    return 1 if result.failures else 0


def _print_summary(result: RunResult) -> None:
    print(
        f"{'outlet':<12} {'discovered':>10} {'fetched':>8} {'failed':>7} {'extracted':>9} {'dupes':>6} {'archived':>8}"
    )
    for outlet, c in result.manifest.outlets.items():
        crawl = c.crawl
        failed = sum(crawl.failed.values() if crawl else ()) + sum(c.extract_failed.values())
        print(
            f"{outlet:<12} {crawl.discovered if crawl else 0:>10} {crawl.fetched if crawl else 0:>8} "
            f"{failed:>7} {c.extracted:>9} {c.duplicates:>6} {c.archived:>8}"
            + (f"  GAP: {c.gap.message}" if c.gap else "")
        )
    store, prefix = result.published.store, result.published.ref.prefix
    print(
        f"snapshot {result.snapshot} published: {Path(store) / prefix}"
        if not store.startswith("s3://")
        else f"snapshot {result.snapshot}: {store}/{prefix}"
    )
    for outlet, message in result.failures.items():
        print(f"FAILED {outlet}: {message.splitlines()[0]}", file=sys.stderr)
    for problem in result.quality.problems:
        print(f"QUALITY {problem}", file=sys.stderr)


def cmd_replica(args: argparse.Namespace) -> int:
    import time

    from replica.faults import FaultSpecError, describe, parse_specs
    from replica.server import ReplicaServer

    with ReplicaServer(
        per_outlet=args.per_outlet, port=args.port, living=args.living, day=args.day
    ) as server:
        try:
            specs = parse_specs(",".join(args.fault), sorted(server.replica.catalog.articles))
        except FaultSpecError as exc:
            raise ConfigError(f"--fault: {exc}") from None
        server.replica.faults.replace(specs)
        for spec in specs:
            print(describe(*spec))
        print(f"replica serving on 127.0.0.1:{server.port}; host map for NEWSARCHIVE_HOST_MAP:")
        print(json.dumps(server.host_map))
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


class _FaultModesHelp(argparse.HelpFormatter):
    """`replica --help` lists the fault modes; the replica (test and demo infrastructure, replica/) is
    imported only then, never when the CLI starts."""

    def _expand_help(self, action: argparse.Action) -> str:
        text = super()._expand_help(action)
        if "{fault_modes}" in text:
            from replica.faults import MODES

            text = text.replace("{fault_modes}", ", ".join(MODES))
        return text
