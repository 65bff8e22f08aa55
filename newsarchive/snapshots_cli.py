"""`newsarchive snapshots list|show|verify` for archivists."""

from __future__ import annotations

import argparse
import json
import sys

from archive.readers import get_snapshot, load_articles, write_export
from archive.snapshot import list_snapshots, read_manifest, resolve_snapshot, verify_snapshot
from archive.store import open_store
from newsarchive.config import Settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.archive)
    if args.action == "list":
        for ref in list_snapshots(store, args.since, args.until):
            manifest = read_manifest(store, ref)
            print(f"{ref.day}  rev={ref.rev}  articles={manifest['counts']['archived']}  {ref.prefix}")
        return 0
    ref = resolve_snapshot(store, args.day.isoformat(), args.rev)
    if args.action == "get":
        files = get_snapshot(store, ref, args.dest, args.outlet)
        print(f"snapshot {ref.label}: {len(files)} files in {args.dest}, every SHA-256 checked")
        return 0
    if args.action == "show":
        print(json.dumps(read_manifest(store, ref), ensure_ascii=False, indent=1))
        return 0
    problems = verify_snapshot(store, ref)
    for problem in problems:
        print(f"FAILED {problem}", file=sys.stderr)
    files = len(read_manifest(store, ref)["files"])
    print(f"snapshot {ref.label}: {files} files, {len(problems)} problems")
    return 1 if problems else 0


def export(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.archive)
    table = load_articles(store, args.since, args.until, outlet=args.outlet, lang=args.lang,
                          include_duplicates=args.include_duplicates)
    write_export(table, args.format, args.out)
    print(f"{table.num_rows} articles written to {args.out} ({args.format})")
    return 0
