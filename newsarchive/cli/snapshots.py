"""`newsarchive snapshots list|show|verify|get|index|timestamp`, `export`, `gc` and `repair` for archivists
and ops."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

from archive import layout
from common.errors import NewsArchiveError
from common.escape import json_text, terminal
from common.files import atomic_output
from common.resources import exhausted
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, date_range, settings_of
from newsarchive.config import Settings

if TYPE_CHECKING:
    from archive.records import Manifest
    from archive.seal import SealReport
    from archive.snapshot import SnapshotRef
    from archive.store import Store

EXPORT_FORMATS = ["jsonl", "parquet", "txt", "csl-json", "bibtex"]


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "snapshots", help="list, show, verify, get (files or WACZ) and index snapshots"
    )
    archive_options(p)
    ssub = p.add_subparsers(dest="action", required=True)
    s = ssub.add_parser("list", help="complete snapshots with their counts and gaps")
    archive_options(s, nested=True)
    date_range(s)
    helps = {
        "show": "a readable summary of a snapshot, or its manifest with --json",
        "verify": "fixity and consistency of every file and row, the manifest's signature and timestamp; "
        "exit 1 naming every problem",
        "get": "download a snapshot (or one outlet), every SHA-256 checked; --format wacz: one WACZ per outlet",
        "index": "a sidecar CDXJ index for a snapshot published before indexes existed",
        "timestamp": "an RFC 3161 timestamp (NEWSARCHIVE_TSA_URL) for a snapshot published without one, "
        "as a create-only sidecar",
    }
    for name, help_text in helps.items():
        s = ssub.add_parser(name, help=help_text)
        archive_options(s, nested=True)
        s.add_argument("day", type=cli_args.day)
        s.add_argument("--rev", type=cli_args.rev)
        if name == "show":
            s.add_argument("--json", action="store_true", help="the raw manifest")
        if name == "get":
            s.add_argument(
                "--dest", type=cli_args.dest_dir, required=True, help="directory to download into"
            )
            s.add_argument(
                "--outlet", type=cli_args.outlet_id, help="only this outlet's articles and WARC"
            )
            s.add_argument(
                "--format",
                choices=["files", "wacz"],
                default="files",
                help="files: the snapshot's own files; wacz: one WACZ per outlet",
            )
    p.set_defaults(func=snapshots)

    p = sub.add_parser(
        "export", help=f"articles of a date range for research ({', '.join(EXPORT_FORMATS)})"
    )
    archive_options(p)
    date_range(p, required=True)
    p.add_argument("--outlet", type=cli_args.outlet_id)
    p.add_argument("--lang", type=cli_args.language)
    p.add_argument("--include-duplicates", action="store_true")
    p.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="jsonl",
        help="csl-json, bibtex: one citation per article (newsarchive/research/citations.py)",
    )
    p.add_argument("--out", type=cli_args.out_file, required=True)
    p.set_defaults(func=export)

    p = sub.add_parser(
        "gc", help="finish or remove what dead runs left (staging, incomplete revs, uploads)"
    )
    archive_options(p)
    p.add_argument(
        "--older-than",
        type=cli_args.days_ago,
        default=2.0,
        metavar="DAYS",
        help="only what was last written this many days ago or earlier (default 2)",
    )
    p.set_defaults(func=gc)

    p = sub.add_parser("repair", help="rebuild damaged state from the archive")
    archive_options(p)
    rsub = p.add_subparsers(dest="what", required=True)
    r = rsub.add_parser(
        "crawl-state", help="rebuild an outlet's crawl state from its archived articles"
    )
    archive_options(r, nested=True)
    r.add_argument("outlet", type=cli_args.outlet_id)
    p.set_defaults(func=repair)


def snapshots(args: argparse.Namespace) -> int:
    from archive.readers import get_snapshot
    from archive.snapshot import (
        DamagedObject,
        list_snapshots,
        load_manifest,
        read_manifest,
        resolve_snapshot,
    )
    from archive.store import open_store
    from archive.verify import verify

    store = open_store(settings_of(args).archive, create=False)
    if args.action == "list":
        refs = list_snapshots(store, args.since, args.until)
        if not refs:
            print(
                f"no complete snapshots in {store.url}"
                + (" for that range" if args.since or args.until else "")
            )
        for ref in refs:
            try:
                m = load_manifest(store, ref)
                gaps = [o for o, c in m.outlets.items() if c.status == "gap"]
                print(
                    f"{ref.day}  rev={ref.rev}  articles={m.archived}  new={m.new}  carried={m.carried}"
                    f"  {ref.prefix}" + (f"  gaps: {', '.join(gaps)}" if gaps else "")
                )
            except DamagedObject as exc:
                print(f"{ref.day}  rev={ref.rev}  DAMAGED: {exc}")
        return 0
    ref = resolve_snapshot(store, args.day.isoformat(), args.rev)
    if args.action == "get":
        if args.dest.exists() and not args.dest.is_dir():
            raise NewsArchiveError(
                f"--dest {args.dest} is a file; give a directory (it is created if missing)"
            )
        if args.format == "wacz":
            return _get_wacz(store, ref, args)
        try:
            files = get_snapshot(store, ref, args.dest, args.outlet)
        except LookupError as exc:
            raise NewsArchiveError(str(exc).strip("'\"")) from None
        print(f"snapshot {ref.label}: {len(files)} files in {args.dest}, every SHA-256 checked")
        return 0
    if args.action == "index":
        from archive.capture_index import index_snapshot

        key, lines = index_snapshot(store, ref)
        print(
            f"snapshot {ref.label}: sidecar CDXJ index of {lines} captures written to {store.url}/{key}"
        )
        return 0
    if args.action == "timestamp":
        return _timestamp(store, ref, settings_of(args))
    if args.action == "show":
        if args.json:
            print(json_text(read_manifest(store, ref), indent=1))
        else:
            _show(load_manifest(store, ref))
        return 0
    anchors = settings_of(args).tsa_anchors()
    report = verify(store, ref, anchors=anchors)
    report.problems += _sidecar_problems(store, ref)
    report.problems += _table_problems(store, ref)
    for problem in report.problems:
        print(f"FAILED {problem}", file=sys.stderr)
    retention = ", ".join(f"{mode}: {n}" for mode, n in sorted(report.retention.items()))
    print(
        f"snapshot {ref.label}: {report.files} files, {report.rows} rows, {len(report.problems)} problems"
        + (f"; retention {retention}" if retention else "")
        + (f" (until {report.retained_until} at the earliest)" if report.retained_until else "")
    )
    if report.seal is not None:
        for line in _seal_lines(report.seal, ref):
            print(line)
    return 1 if report.problems else 0


def _seal_lines(seal: SealReport, ref: SnapshotRef) -> list[str]:
    """Who signed the manifest and when it was timestamped, or why not."""
    lines = []
    if seal.signer:
        lines.append(f"signed by {seal.signer}")
    if seal.timestamp:
        stamp = seal.timestamp
        lines.append(
            f"timestamped {stamp.describe()}"
            + (
                f", added after publish ({seal.timestamp_key})"
                if seal.timestamp_key and not seal.timestamp_key.startswith(ref.prefix)
                else ""
            )
            + (
                "; TSA chain checked against NEWSARCHIVE_TSA_CA"
                if stamp.chain_checked
                else "; TSA chain not checked: set NEWSARCHIVE_TSA_CA to the TSA's root certificate"
            )
        )
    if seal.pending:
        lines.append(
            f"timestamp pending: {seal.pending}; `newsarchive snapshots timestamp {ref.day} --rev {ref.rev}` adds it"
        )
    if not seal.sealed and not seal.pending and not seal.problems:
        lines.append(
            "unsigned: no signature and no timestamp (NEWSARCHIVE_SIGNING_KEY and NEWSARCHIVE_TSA_URL seal new snapshots)"
        )
    elif seal.sealed:
        lines += [f"{note}" for note in seal.notes]
    return lines


def _timestamp(store: Store, ref: SnapshotRef, settings: Settings) -> int:
    from archive.seal import timestamp_later
    from archive.snapshot import read_manifest_bytes
    from archive.timestamp import TsaClient

    if not settings.tsa_url:
        raise cli_args.UsageError(
            "NEWSARCHIVE_TSA_URL is not set; give the URL of the RFC 3161 time-stamping authority to ask"
        )
    tsa = TsaClient(settings.tsa_url, "NEWSARCHIVE_TSA_URL", settings.tsa_anchors())
    key, made = timestamp_later(store, ref, read_manifest_bytes(store, ref), tsa)
    print(
        f"snapshot {ref.label}: "
        + (
            f"timestamp written to {store.url}/{key}"
            if made
            else f"already timestamped ({store.url}/{key})"
        )
    )
    return 0


def _sidecar_problems(store: Store, ref: SnapshotRef) -> list[str]:
    """A sidecar index (`snapshots index`) is checked like the snapshot's own files: its record, its
    binding to this manifest, its size and SHA-256."""
    from archive.capture_index import IndexMissing, index_source, read_index
    from archive.snapshot import DamagedObject

    try:
        source = index_source(store, ref)
        if source.sidecar:
            read_index(store, source)
    except IndexMissing:
        pass  # an older snapshot without an index: nothing to check
    except DamagedObject as exc:
        return [str(exc)]
    return []


def _table_problems(store: Store, ref: SnapshotRef) -> list[str]:
    """The day's file of the current-articles table, when this is the day's newest rev: vouched for by
    the table's record, and holding exactly this rev's rows (archive/current_table.py check_day)."""
    from archive.current_table import check_day
    from archive.snapshot import newest_revs

    day = date.fromisoformat(ref.day)
    if newest_revs(store, day, day) != [ref]:
        return []
    return check_day(store, ref.day)


def _get_wacz(store: Store, ref: SnapshotRef, args: argparse.Namespace) -> int:
    from archive.wacz_export import export_wacz

    seal = settings_of(args).sealer()  # with a key: signed per the WACZ signing spec
    try:
        written = export_wacz(store, ref, args.dest, args.outlet, seal=seal)
    except LookupError as exc:
        raise NewsArchiveError(str(exc).strip("'\"")) from None
    for w in written:
        print(
            f"{w.path}: {w.pages} articles, {w.captures} captures, {w.warcs} WARC(s), {w.size:,} bytes;"
            f" {w.signature}"
        )
    print(
        f"snapshot {ref.label}: {len(written)} WACZ files in {args.dest}, every source SHA-256 checked"
    )
    return 0


def _show(m: Manifest) -> None:
    print(f"snapshot {m.day} rev {m.rev}  (run {m.run_id}, {m.software}, created {m.created_at})")
    if m.base:
        print(f"carries forward from {m.base}: {m.carried} rows")
    print(f"articles {m.archived}  new {m.new}  duplicates {m.duplicates}  carried {m.carried}")
    print(
        f"{'outlet':<12} {'status':<8} {'fetched':>7} {'extracted':>9} {'new':>5} {'dupes':>5} {'carried':>7} "
        f"{'archived':>8}"
    )
    for outlet, c in m.outlets.items():
        print(
            f"{outlet:<12} {c.status:<8} {c.crawl.fetched if c.crawl else '-':>7} {c.extracted:>9} {c.new:>5} "
            f"{c.duplicates:>5} {c.carried:>7} {c.archived:>8}"
            + (terminal(f"  GAP {c.gap.stage} {c.gap.reason}: {c.gap.message}") if c.gap else "")
        )
    print(f"{len(m.files)} files, {sum(f.size for f in m.files):,} bytes")
    prefix = layout.snapshot_prefix(date.fromisoformat(m.day), m.rev)
    parquet = [f for f in m.files if f.key.endswith(".parquet")]
    if parquet:
        print(
            f"  {'articles/ (' + str(len(parquet)) + ' Parquet parts, ' + str(sum(f.rows or 0 for f in parquet)) + ' rows)':<52}"
            f" {sum(f.size for f in parquet):>14,}"
        )
    for f in m.files:
        if not f.key.endswith(".parquet"):
            print(f"  {f.key.removeprefix(prefix):<52} {f.size:>14,}")
    from newsarchive.run.quality import QualityFigures

    for problem in QualityFigures.of(m).problems:
        print(terminal(f"QUALITY {problem}"))


def export(args: argparse.Namespace) -> int:
    from archive.readers import load_articles, newest_revs, write_export
    from archive.store import open_store

    settings = settings_of(args)
    if args.out.is_dir():
        raise NewsArchiveError(f"--out {args.out} is a directory; give a file name")
    store = open_store(settings.archive, create=False)
    damaged: list[str] = []  # revs that cannot be read: named, the other days exported
    table = load_articles(
        store,
        args.since,
        args.until,
        outlet=args.outlet,
        lang=args.lang,
        include_duplicates=args.include_duplicates,
        damaged=damaged,
    )
    if damaged and len(damaged) == len(newest_revs(store, args.since, args.until)):
        raise NewsArchiveError("; ".join(damaged))  # nothing in the range can be read
    if args.outlet and table.num_rows == 0:
        known = sorted(
            {o for manifest in _readable_manifests(store, args) for o in manifest.outlets}
        )
        if args.outlet not in known:
            raise NewsArchiveError(
                f"--outlet {args.outlet}: no such outlet in the snapshots of that range; "
                f"they have {', '.join(known) or 'none'}"
            )
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(args.out) as partial:  # the file appears whole or not at all
            if args.format in ("csl-json", "bibtex"):
                from newsarchive.research.citations import write_citations

                write_citations(table.to_pylist(), args.format, partial, _outlet_names(settings))
            else:
                write_export(table, args.format, partial)
    except OSError as exc:
        raise exhausted(exc, [args.out]) or NewsArchiveError(
            f"cannot write --out {args.out} ({exc.strerror}); give a file you can write"
        ) from None
    print(f"{table.num_rows} articles written to {args.out} ({args.format})")
    for problem in damaged:
        print(f"newsarchive: skipped a damaged snapshot: {problem}", file=sys.stderr)
    return 1 if damaged else 0


def _readable_manifests(store: Store, args: argparse.Namespace) -> list[Manifest]:
    from archive.snapshot import DamagedObject, list_snapshots, load_manifest

    manifests = []
    for ref in list_snapshots(store, args.since, args.until):
        try:
            manifests.append(load_manifest(store, ref))
        except DamagedObject:
            continue  # named by load_articles already
    return manifests


def _outlet_names(settings: Settings) -> dict[str, str]:
    """Outlet ids to their registry names, for citations (ids only if the registry cannot be read)."""
    from outlets.registry import load_registry

    try:
        return {o.id: o.name for o in load_registry(settings.outlets_path).outlets}
    except (NewsArchiveError, OSError):
        return {}


def gc(args: argparse.Namespace) -> int:
    from newsarchive.run.gc import collect

    result = collect(settings_of(args), timedelta(days=args.older_than))
    for label, items in (
        ("finished run", result.finished_runs),
        ("removed staging", result.removed_staging),
        ("removed incomplete", result.removed_revs),
        ("aborted upload", result.aborted_uploads),
        ("kept", result.kept),
        ("live run left alone", result.live_runs),
    ):
        for item in items:
            print(f"{label}: {item}")
    print(result.summary())
    return 0


def repair(args: argparse.Namespace) -> int:
    from newsarchive.run.repair import repair_crawl_state
    from outlets.registry import load_registry

    settings = settings_of(args)
    load_registry(settings.outlets_path).get(args.outlet)
    seen = repair_crawl_state(settings, args.outlet)
    print(
        f"crawl state of {args.outlet} rebuilt from the archive: {seen} URLs seen; pending retries start afresh"
    )
    return 0
