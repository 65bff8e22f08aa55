"""`newsarchive health`: the archive's state for a monitor, as a Nagios plugin (newsarchive/ops/health.py).

One line `NEWSARCHIVE <STATE> - <summary> | <perfdata>` (or `--format json`, `--format prometheus`) and the
exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, whatever the format. Anything that keeps the check from
reading the archive (a bad argument or setting, an archive that cannot be read) is UNKNOWN: one line, exit 3.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import time

from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, settings_of
from newsarchive.variables import MAX_DAYS

FORMATS = ("text", "json", "prometheus")


def _deadline(value: str) -> time | None:
    from common.values import BadValue, TimeOfDay, shown

    try:
        return TimeOfDay().parse(value)
    except BadValue as exc:
        raise argparse.ArgumentTypeError(f"{shown(value)}: give {exc}") from None


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "health",
        help="the archive's state for a monitor: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.error_status = 3  # a bad argument is UNKNOWN to a Nagios-style monitor, not CRITICAL
    archive_options(p)
    p.add_argument(
        "--format", choices=FORMATS, default="text", help="text (default), json, prometheus"
    )
    p.add_argument(
        "--stale-days",
        type=cli_args.whole(1, MAX_DAYS, "a number of days"),
        default=None,
        help="an outlet without a complete snapshot in this many days is stale "
        "(default $NEWSARCHIVE_STALE_DAYS or 2)",
    )
    p.add_argument(
        "--deadline",
        type=_deadline,
        default=None,
        metavar="HH:MM",
        help="UTC time by which today's snapshot must be complete (default $NEWSARCHIVE_DEADLINE; off)",
    )
    p.set_defaults(func=cmd_health, reports_settings_itself=True)


def cmd_health(args: argparse.Namespace) -> int:
    from archive.store import open_store
    from common.errors import NewsArchiveError
    from newsarchive.ops.health import unknown, verdict
    from newsarchive.ops.metrics import Point, points, prometheus_text
    from newsarchive.ops.status import read_status
    from outlets.registry import load_registry

    status = manifests = live = None
    try:
        settings = settings_of(args)
        changes = {"stale_days": args.stale_days, "deadline": args.deadline}
        settings = settings.with_(**{k: v for k, v in changes.items() if v is not None})
        active = load_registry(settings.outlets_path).active_ids
        store = open_store(settings.archive, create=False)
        from datetime import UTC, datetime

        status, manifests, live = read_status(
            store,
            active,
            now=datetime.now(UTC),
            stale_days=settings.stale_days,
            deadline=settings.deadline,
        )
        report = verdict(status)
    except (NewsArchiveError, OSError) as exc:
        report = unknown(f"cannot read the archive: {'; '.join(str(exc).splitlines())}")
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    elif args.format == "prometheus":
        pts = (
            points(status, manifests or [], live or {})
            if status is not None
            else [Point("newsarchive_health_state", report.code)]
        )
        sys.stdout.write(prometheus_text(pts))
    else:
        print(report.line())
    return report.code
