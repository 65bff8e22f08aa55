"""`newsarchive outlets list|check|capture`: the registry as ops see it.

- `list`: every outlet with its status (active, paused or retired: since when and why);
- `check [ID ...] [--json]`: each discovery URL fetched politely (newsarchive/ops/outlet_check.py), one row per
  URL; exit 1 if any URL is not usable;
- `capture ID`: one polite, complete capture of what a (paused or retired) outlet's site still serves:
  every feed, sitemap and section page followed without the daily caps and the crawl state, archived as a
  new rev of the day's snapshot.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from common.escape import terminal
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, settings_of
from newsarchive.config import Settings

if TYPE_CHECKING:
    from newsarchive.ops.outlet_check import UrlCheck
    from outlets.model import Registry

CAPTURE_MAX_ARTICLES = 1_000_000  # the most --max-articles takes: everything the site lists
CAPTURE_LIMITS = {
    "NEWSARCHIVE_MAX_SECTION_PAGES": "100000",
    "NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS": "100000",
}


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "outlets",
        help="the outlet registry: status, discovery URLs checked, a retired outlet's capture",
    )
    archive_options(p)
    osub = p.add_subparsers(dest="action", required=True)
    s = osub.add_parser("list", help="every outlet and its status (active, paused, retired)")
    archive_options(s, nested=True)
    s.add_argument("--json", action="store_true")
    s = osub.add_parser(
        "check",
        help="fetch each discovery URL politely (robots.txt first) and report what it lists",
    )
    archive_options(s, nested=True)
    s.add_argument(
        "ids",
        nargs="*",
        type=cli_args.outlet_id,
        metavar="ID",
        help="outlet ids; default every outlet",
    )
    s.add_argument("--json", action="store_true", help="one JSON object per URL, one per line")
    s = osub.add_parser(
        "capture", help="one complete, polite capture of a paused or retired outlet's site"
    )
    archive_options(s, nested=True)
    s.add_argument("id", type=cli_args.outlet_id, metavar="ID")
    s.add_argument(
        "--date", type=cli_args.day, default=None, help="the snapshot's date (default today, UTC)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from outlets.registry import load_registry

    settings = settings_of(args)
    registry = load_registry(settings.outlets_path)
    if args.action == "list":
        return _list(registry, args.json)
    if args.action == "check":
        from newsarchive.ops.outlet_check import Fetcher, check_outlet

        outlets = registry.select(args.ids)
        fetcher = Fetcher(user_agent=settings.user_agent, host_map=settings.host_map)
        rows = [row for outlet in outlets for row in check_outlet(outlet, fetcher)]
        _print_checks(rows, args.json)
        return 0 if all(r.ok for r in rows) else 1
    return _capture(settings, registry.get(args.id).id, args.date or datetime.now(UTC).date())


def _list(registry: Registry, as_json: bool) -> int:
    for o in registry.outlets:
        if as_json:
            print(
                json.dumps(
                    {
                        "id": o.id,
                        "name": o.name,
                        "status": o.status,
                        "status_since": o.status_since.isoformat() if o.status_since else None,
                        "status_reason": o.status_reason or None,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(
                f"{o.id:<12} {o.status:<8} {o.name}"
                + (f"  (since {o.status_since}: {o.status_reason})" if not o.active else "")
            )
    return 0


def _print_checks(rows: list[UrlCheck], as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row.to_dict(), ensure_ascii=False))
        return
    print(
        f"{'outlet':<11} {'status':>6} {'kind':<13} {'articles':>8} {'listed':>6}  {'newest':<25} url"
    )
    for r in rows:  # what a server answered (an error's text, a date) is shown, never obeyed
        print(
            terminal(
                f"{r.outlet:<11} {r.status if r.status is not None else '-':>6} {r.kind or '-':<13} "
                f"{r.articles:>8} {r.listed:>6}  {r.newest or '-':<25} {r.url}"
            )
            + (f"\n{'':<11} PROBLEM: {terminal(r.error)}" if r.error else "")
        )
    bad = [r for r in rows if not r.ok]
    print(
        f"{len(rows)} discovery URLs checked, {len(rows) - len(bad)} usable, {len(bad)} with a problem"
    )


def _capture(settings: Settings, outlet_id: str, day: date) -> int:
    from newsarchive.run.liveness import run_while_beating

    settings = settings.with_(
        refetch=True,
        max_articles=CAPTURE_MAX_ARTICLES,
        scrapy_settings={**CAPTURE_LIMITS, **settings.scrapy_settings},
    )
    result = run_while_beating(settings, day, [outlet_id], include_inactive=True)
    counts = result.manifest.outlets[outlet_id]
    fetched = counts.crawl.fetched if counts.crawl else 0
    print(
        f"capture of {outlet_id}: fetched {fetched}, archived {counts.archived} "
        f"in snapshot {result.snapshot}" + (f" (GAP: {counts.gap.message})" if counts.gap else "")
    )
    return 1 if result.failures else 0
