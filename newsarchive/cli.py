"""The `newsarchive` command: every stage runs from here through the same functions the DAG calls."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

from common.errors import ConfigError, NewsArchiveError
from dedup import THRESHOLD, check_threshold
from newsarchive import __version__, cli_args
from newsarchive.config import Settings
from newsarchive.errors import exit_code_for

logger = logging.getLogger("newsarchive")
parse_day = cli_args.day  # the old name, for code that imports it


def _threshold(value: str) -> float:
    try:
        return check_threshold(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(archive=getattr(args, "archive", None), outlets_path=getattr(args, "outlets", None))


def cmd_run(args: argparse.Namespace) -> int:
    from newsarchive.pipeline import run_pipeline

    settings = _settings(args)
    if args.max_articles:
        settings = settings.with_(max_articles=args.max_articles)
    if args.refetch:
        settings = settings.with_(refetch=True)
    if args.retention_days is not None:
        settings = settings.with_(retention_days=args.retention_days)
    result = run_pipeline(settings, args.date, args.outlet)
    _print_summary(result)
    return 1 if result["failures"] or result["counts"]["quality"]["problems"] else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from newsarchive.pipeline import run_pipeline
    from replica.server import ReplicaServer

    settings = _settings(args)
    if args.archive is None and not settings.archive.startswith("s3://") and settings.archive == "./var/archive":
        settings = settings.with_(archive="./var/demo/archive")
    with ReplicaServer(per_outlet=args.per_outlet) as server:
        print(f"replica of {len(server.replica.catalog.articles)} outlets on 127.0.0.1:{server.port}")
        settings = settings.with_(host_map=server.host_map, max_articles=max(settings.max_articles, args.per_outlet))
        result = run_pipeline(settings, args.date, args.outlet)
    _print_summary(result)
    return 1 if result["failures"] else 0


def _print_summary(result: dict) -> None:
    print(f"{'outlet':<12} {'discovered':>10} {'fetched':>8} {'failed':>7} {'extracted':>9} {'dupes':>6} {'archived':>8}")
    for outlet, c in result["counts"]["outlets"].items():
        failed = sum(c.get("failed", {}).values()) + sum(c.get("extract_failed", {}).values())
        print(f"{outlet:<12} {c.get('discovered', 0):>10} {c.get('fetched', 0):>8} {failed:>7} "
              f"{c.get('extracted', 0):>9} {c.get('duplicates', 0):>6} {c.get('archived', 0):>8}"
              + (f"  GAP: {c['gap']}" if "gap" in c else ""))
    print(f"snapshot {result['snapshot']} published: {Path(result['store']) / result['prefix']}"
          if not result["store"].startswith("s3://") else f"snapshot {result['snapshot']}: {result['store']}/{result['prefix']}")
    for outlet, message in result.get("failures", {}).items():
        print(f"FAILED {outlet}: {message.splitlines()[0]}", file=sys.stderr)
    for problem in result["counts"]["quality"]["problems"]:
        print(f"QUALITY {problem}", file=sys.stderr)


def cmd_extract(args: argparse.Namespace) -> int:
    from newsarchive.extract_files import extract_files

    return extract_files(args.paths, url=args.url, outlet_id=args.outlet, outlets_path=args.outlets)


def cmd_dedup(args: argparse.Namespace) -> int:
    from newsarchive.dedup_file import dedup_file

    if args.input != Path("-") and not args.input.is_file():
        raise NewsArchiveError(f"dedup input {args.input} does not exist; give a JSON Lines file (or - for stdin)")
    return dedup_file(args.input, threshold=args.threshold)


def cmd_snapshots(args: argparse.Namespace) -> int:
    from newsarchive import snapshots_cli

    return snapshots_cli.run(args, _settings(args))


def cmd_captures(args: argparse.Namespace) -> int:
    from newsarchive import captures_cli

    return captures_cli.run(args, _settings(args))


def cmd_replay(args: argparse.Namespace) -> int:
    from newsarchive import replay_cli

    return replay_cli.run(args, _settings(args))


def cmd_export(args: argparse.Namespace) -> int:
    from newsarchive import snapshots_cli

    return snapshots_cli.export(args, _settings(args))


def cmd_gc(args: argparse.Namespace) -> int:
    from newsarchive import snapshots_cli

    return snapshots_cli.gc(args, _settings(args))


def cmd_repair(args: argparse.Namespace) -> int:
    from newsarchive import snapshots_cli

    return snapshots_cli.repair(args, _settings(args))


def cmd_reextract(args: argparse.Namespace) -> int:
    from newsarchive import reextract_cli

    return reextract_cli.run(args, _settings(args))


def cmd_replica(args: argparse.Namespace) -> int:
    import time

    from replica.faults import MODES as FAULT_MODES
    from replica.server import ReplicaServer

    with ReplicaServer(per_outlet=args.per_outlet, port=args.port, living=args.living, day=args.day) as server:
        for spec in args.fault:
            outlet, _, rest = spec.partition(":")
            mode, _, path = rest.partition(":")
            if outlet not in server.replica.catalog.articles:
                raise ConfigError(f"--fault {spec}: unknown outlet {outlet!r}; "
                                  f"choose one of {sorted(server.replica.catalog.articles)}")
            try:
                server.replica.faults.set(outlet, mode, [path] if path else None)
            except ValueError as exc:
                raise ConfigError(f"--fault {spec}: {exc}") from None
            print(f"fault: {outlet} {path or '(every path)'}: {mode} - {FAULT_MODES[mode]}")
        print(f"replica serving on 127.0.0.1:{server.port}; host map for NEWSARCHIVE_HOST_MAP:")
        print(json.dumps(server.host_map))
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def build_parser() -> argparse.ArgumentParser:
    parser = cli_args.OneLineParser(prog="newsarchive", description=__doc__)
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, nested: bool = False) -> None:
        # nested: also accepted after a sub-subcommand (`snapshots list --archive DIR`); SUPPRESS keeps a
        # value given before it
        default = argparse.SUPPRESS if nested else None
        p.add_argument("--archive", type=cli_args.text("archive location"), default=default,
                       help="archive location (directory or s3://bucket/prefix); default $NEWSARCHIVE_ARCHIVE or ./var/archive")
        p.add_argument("--outlets", type=cli_args.text("registry path"), default=default,
                       help="outlet registry file; default $NEWSARCHIVE_OUTLETS or ./outlets.toml")

    p = sub.add_parser("run", help="one pipeline run without Airflow")
    common(p)
    p.add_argument("--date", type=cli_args.day, default=date.today(),
                   help="the run's date (YYYY-MM-DD, from 1990-01-01 to tomorrow UTC)")
    p.add_argument("--outlet", action="append", type=cli_args.outlet_id, help="outlet id (repeatable); default all")
    p.add_argument("--max-articles", type=cli_args.max_articles, help="page cap per outlet (1 or more)")
    p.add_argument("--refetch", action="store_true",
                   help="ignore the archive's crawl state: request every discovered article again (a recapture)")
    p.add_argument("--retention-days", type=cli_args.retention_days, metavar="N",
                   help="S3 Object Lock: keep published objects locked for N days (bucket with Object Lock)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="serve the outlet replica on loopback and run the pipeline on it")
    common(p)
    p.add_argument("--date", type=cli_args.day, default=date.today())
    p.add_argument("--outlet", action="append", type=cli_args.outlet_id)
    p.add_argument("--per-outlet", type=cli_args.per_outlet, default=20,
                   help=f"replica articles per outlet (1-{cli_args.MAX_PER_OUTLET})")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("extract", help="extract articles from saved pages (.html, .html.gz) as JSON Lines")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--url", type=cli_args.page_url, help="the page's URL (for relative links and the canonical URL)")
    p.add_argument("--outlet", type=cli_args.outlet_id, help="apply this outlet's cleanup rules and time zone")
    p.add_argument("--outlets", type=cli_args.text("registry path"), help="outlet registry file")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("dedup", help="deduplicate your own JSON Lines corpus (id, url, text per line)")
    p.add_argument("input", type=cli_args.input_file, help="JSON Lines with id and text (url, outlet, title, published optional); - for stdin")
    p.add_argument("--threshold", type=_threshold, default=THRESHOLD,
                   help=f"near-duplicate similarity threshold (estimated Jaccard of word 3-shingles); default {THRESHOLD}")
    p.set_defaults(func=cmd_dedup)

    p = sub.add_parser("snapshots", help="list, show, verify snapshots")
    common(p)
    ssub = p.add_subparsers(dest="action", required=True)
    s = ssub.add_parser("list")
    common(s, nested=True)
    s.add_argument("--since", type=cli_args.day)
    s.add_argument("--until", type=cli_args.day)
    for name in ("show", "verify", "get", "index"):
        s = ssub.add_parser(name)
        common(s, nested=True)
        s.add_argument("day", type=cli_args.day)
        s.add_argument("--rev", type=cli_args.rev)
        if name == "show":
            s.add_argument("--json", action="store_true", help="the raw manifest")
        if name == "get":
            s.add_argument("--dest", type=cli_args.dest_dir, required=True, help="directory to download into")
            s.add_argument("--outlet", type=cli_args.outlet_id, help="only this outlet's articles and WARC")
            s.add_argument("--format", choices=["files", "wacz"], default="files",
                           help="files: the snapshot's own files; wacz: one WACZ per outlet")
    p.set_defaults(func=cmd_snapshots)

    from newsarchive import captures_cli

    captures_cli.add_parser(sub, common, cli_args)
    sub.choices["captures"].set_defaults(func=cmd_captures)
    from newsarchive import replay_cli

    replay_cli.add_parser(sub, common, cli_args)
    sub.choices["replay"].set_defaults(func=cmd_replay)

    p = sub.add_parser("export", help="articles of a date range for research (jsonl, parquet, txt)")
    common(p)
    p.add_argument("--since", type=cli_args.day, required=True)
    p.add_argument("--until", type=cli_args.day, required=True)
    p.add_argument("--outlet", type=cli_args.outlet_id)
    p.add_argument("--lang", type=cli_args.language)
    p.add_argument("--include-duplicates", action="store_true")
    p.add_argument("--format", choices=["jsonl", "parquet", "txt", "csl-json", "bibtex"], default="jsonl",
                   help="csl-json, bibtex: one citation per article (newsarchive/citations.py)")
    p.add_argument("--out", type=cli_args.out_file, required=True)
    p.set_defaults(func=cmd_export)

    from newsarchive import query_cli  # query, table rebuild

    query_cli.add_parsers(sub, common, cli_args.day, cli_args.out_file)

    p = sub.add_parser("gc", help="finish or remove what dead runs left (staging, incomplete revs, uploads)")
    common(p)
    p.add_argument("--older-than", type=cli_args.days_ago, default=2.0, metavar="DAYS",
                   help="only what was last written this many days ago or earlier (default 2)")
    p.set_defaults(func=cmd_gc)

    p = sub.add_parser("repair", help="rebuild damaged state from the archive")
    common(p)
    rsub = p.add_subparsers(dest="what", required=True)
    r = rsub.add_parser("crawl-state", help="rebuild an outlet's crawl state from its archived articles")
    common(r, nested=True)
    r.add_argument("outlet", type=cli_args.outlet_id)
    p.set_defaults(func=cmd_repair)

    from newsarchive import search_cli

    search_cli.add_parsers(sub, common, _settings)  # search, stats, search-index

    from newsarchive import outlets_cli  # `newsarchive outlets list|check|capture`

    outlets_cli.add_parser(sub, common)

    p = sub.add_parser("reextract", help="extract archived days again from their WARCs (no request to any outlet)")
    common(p)
    from newsarchive import reextract_cli

    reextract_cli.add_arguments(p)
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("replica", help="serve the local replica of the outlets until interrupted",
                       formatter_class=_FaultModesHelp)
    p.add_argument("--port", type=cli_args.port, default=0, help="0-65535; 0 picks a free port")
    p.add_argument("--per-outlet", type=cli_args.per_outlet, default=20)
    p.add_argument("--fault", action="append", default=[], metavar="OUTLET:MODE[:PATH]",
                   help="serve a fault (repeatable); modes: {fault_modes}")
    p.add_argument("--living", action="store_true",
                   help="play days: each day new articles, revisions, syndication (the crawl's day, else --day)")
    p.add_argument("--day", type=cli_args.day, default=None, help="the living replica's day without a crawl's "
                   "X-Replica-Day (YYYY-MM-DD; default: today, UTC)")
    p.set_defaults(func=cmd_replica)
    return parser


class _FaultModesHelp(argparse.HelpFormatter):
    """`replica --help` lists the fault modes; the replica (test and demo infrastructure, replica/) is
    imported only then, never when the CLI starts."""

    def _expand_help(self, action: argparse.Action) -> str:
        text = super()._expand_help(action)
        if "{fault_modes}" in text:
            from replica.faults import MODES

            text = text.replace("{fault_modes}", ", ".join(MODES))
        return text


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from newsarchive import scratch

    scratch.enter()
    try:
        return args.func(args)
    except (Exception, KeyboardInterrupt) as exc:
        code = exit_code_for(exc)  # newsarchive/errors.py: the one mapping of errors to exit codes
        if code is None:
            raise
        if isinstance(exc, BrokenPipeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        elif isinstance(exc, KeyboardInterrupt):
            print("newsarchive: interrupted", file=sys.stderr)
        else:
            print(f"newsarchive: error: {'; '.join(str(exc).splitlines())}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
