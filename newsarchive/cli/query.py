"""`newsarchive query "SQL"` (DuckDB over the current-articles table), `newsarchive table rebuild|check`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from archive import layout
from common.escape import json_text, terminal
from newsarchive.cli import args as cli_args
from newsarchive.cli.args import Subcommands, archive_options, date_range, settings_of
from newsarchive.cli.csv_out import write_csv

if TYPE_CHECKING:  # DuckDB and pyarrow are imported when a subcommand runs, not when the CLI starts
    import duckdb
    import pyarrow as pa

FORMATS = ("table", "csv", "jsonl", "parquet")
_BATCH = 10_000
MAX_SQL = 1 << 20
MAX_TABLE_ROWS = 1_000  # the table format is for reading; the other formats have every row


def register(sub: Subcommands) -> None:
    p = sub.add_parser(
        "query",
        help="DuckDB SQL over the views articles (the latest version of each story, no duplicates), "
        "article_versions and articles_all",
    )
    archive_options(p)
    p.add_argument(
        "sql",
        help='SQL, e.g. "SELECT outlet, count(*) FROM articles GROUP BY outlet"; - reads it from stdin',
    )
    p.add_argument("--format", choices=FORMATS, default="table", help="default: a table on stdout")
    p.add_argument(
        "--output",
        type=cli_args.out_file,
        help="write to this file instead of stdout (needed for parquet)",
    )
    p.set_defaults(func=query)
    p = sub.add_parser("table", help="the current-articles table (current/articles/*.parquet)")
    archive_options(p)
    tsub = p.add_subparsers(dest="action", required=True)
    t = tsub.add_parser(
        "rebuild", help="write the table again from the snapshots (every part checked)"
    )
    archive_options(t, nested=True)
    date_range(t)
    t = tsub.add_parser(
        "check", help="compare the table with the snapshots; exit 1 naming every difference"
    )
    archive_options(t, nested=True)
    date_range(t)
    p.set_defaults(func=table)


def query(args: argparse.Namespace) -> int:
    import duckdb
    import pyarrow as pa

    from archive.store import open_store
    from newsarchive.research.query import (
        Limits,
        QueryError,
        connect,
        table_keys,
        verified_cache,
    )

    if args.format == "parquet" and args.output is None:
        raise QueryError("--format parquet needs --output FILE")
    sql = args.sql
    if sql == "-":
        sql = sys.stdin.read(MAX_SQL + 1)
        if len(sql) > MAX_SQL:
            raise QueryError(f"the SQL on stdin is longer than {MAX_SQL:,} characters")
    settings = settings_of(args)
    store = open_store(settings.archive, create=False)
    if not table_keys(store) and any(True for _ in store.list(f"{layout.SNAPSHOTS}/")):
        print(
            "newsarchive query: the archive has snapshots but no current-articles table yet; "
            "run `newsarchive table rebuild`",
            file=sys.stderr,
        )
    with connect(
        store,
        warn=lambda message: print(f"newsarchive query: {terminal(message)}", file=sys.stderr),
        limits=Limits.of(settings),
        cache=verified_cache(),
    ) as sandbox:
        relation = sandbox.run(sql)
        try:
            _output(relation, args, sandbox.confirm)
        except BrokenPipeError:
            raise
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:  # the output, not the query
                where = f"--output {args.output}" if args.output else "to stdout"
                raise QueryError(
                    f"cannot write {where} ({exc.strerror or exc}); give a file you can write"
                ) from None
            raise sandbox.explain(exc) from None
    return 0


def _output(
    relation: duckdb.DuckDBPyRelation, args: argparse.Namespace, confirm: Callable[[], None]
) -> None:
    """The query's rows in the format asked for, read from DuckDB as they are written. A file given with
    --output appears only once the result is whole and `confirm` trusts what it was read from."""
    import pyarrow.parquet as pq

    if args.format == "table":
        text = _table_text(relation)
        confirm()
        print(text)
        return
    reader = relation.to_arrow_reader(_BATCH)
    if args.output is None:
        _write(reader, args.format, sys.stdout)
        confirm()
        return
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_name(f".{args.output.name}.{os.getpid()}.partial")
    try:
        if args.format == "parquet":
            with pq.ParquetWriter(partial, reader.schema, compression="zstd") as writer:
                for batch in reader:
                    writer.write_batch(batch)
        else:
            with partial.open("w", encoding="utf-8", newline="") as fh:
                _write(reader, args.format, fh)
        confirm()
        os.replace(partial, args.output)
    finally:
        partial.unlink(missing_ok=True)


def _table_text(relation: duckdb.DuckDBPyRelation) -> str:
    """The terminal sink: every cell through common.escape.terminal (controls and bidi overrides shown,
    not obeyed; Arabic kept)."""
    rows = relation.limit(MAX_TABLE_ROWS + 1).fetchall()
    more = len(rows) > MAX_TABLE_ROWS
    rows = rows[:MAX_TABLE_ROWS]
    names = [terminal(n) for n in relation.columns]
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(
        f"(the first {MAX_TABLE_ROWS} rows; --format csv or jsonl gives them all)"
        if more
        else f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    )
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    text = terminal(str(value))
    return text if len(text) <= 60 else text[:59] + "…"


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _write(reader: pa.RecordBatchReader, fmt: str, out: IO[str]) -> None:
    if fmt == "csv":
        write_csv(reader, out)
        return
    for batch in reader:  # jsonl
        for row in batch.to_pylist():
            out.write(json_text(row, default=_json_default) + "\n")


def table(args: argparse.Namespace) -> int:
    from archive.current_table import check, rebuild
    from archive.store import open_store

    store = open_store(settings_of(args).archive, create=False)
    if args.action == "check":
        problems = check(store, args.since, args.until)
        for problem in problems:
            print(f"PROBLEM {problem}")
        print(
            f"current-articles table: {len(problems)} problems"
            + ("; `newsarchive table rebuild` writes it again" if problems else "")
        )
        return 1 if problems else 0
    refs = rebuild(store, args.since, args.until)
    for ref in refs:
        print(f"{ref.day}  from rev {ref.rev}")
    print(f"current-articles table: {len(refs)} days written")
    return 0
