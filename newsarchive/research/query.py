"""DuckDB over the current-articles table (archive/current_table.py): views `articles` (the latest
version of each story, no duplicates), `article_versions` (every version of every story: new, edited,
gone) and `articles_all` (every row, duplicates and same-version recaptures flagged), on a local or an
S3 archive.

The table reaches DuckDB as Arrow data, never as files it could name: every day file is checked by this
process against the table's record (archive/table_read.py: SHA-256, size) and the views are a pyarrow
dataset this process reads for DuckDB, each fragment tagged with its day so a filter on `snapshot_date`
skips the other days unread. A local file is read where it lies, pinned by its identity; when the result
has been read whole, `Sandbox.confirm()` refuses it if a file was written to meanwhile. A file the
record does not vouch for is named and left out. User SQL runs in the locked sandbox
(research/sandbox.py), which has no filesystem to see.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from archive import layout
from archive.schema import (
    CURRENT,
    SCHEMA_VERSION,
    TABLE_SCHEMA,
    SchemaError,
    conform,
    parse_version,
)
from archive.snapshot import newest_revs
from archive.stat_cache import StatCache
from archive.store import Store
from archive.table_read import TableRead, changed_since, read_table_days
from newsarchive.research.sandbox import Limits, QueryError, Sandbox

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger(__name__)
__all__ = ["QueryError", "Limits", "connect", "run_query", "table_keys"]
MAX_PROBLEMS_SHOWN = 5
# every version of every story (archive/stories.py); a row of a table file written before stories
# existed (story_id null) counts as a version of its own when it is not a duplicate
ARTICLE_VERSIONS = (
    "SELECT * FROM articles_all WHERE change IS NOT NULL OR (story_id IS NULL AND NOT is_duplicate)"
)
# the latest version with text of each story whose first version is not a duplicate of another
# story's: anti-joins on the small story columns, so a filter on the outer rows (a day, an outlet)
# still reads only their days' texts
LATEST_VERSIONS = """SELECT * FROM article_versions a WHERE a.gone IS NULL AND (a.story_id IS NULL OR (
  NOT EXISTS (SELECT 1 FROM articles_all b WHERE b.story_id = a.story_id AND b.version > a.version
              AND b.change IN ('new', 'edited'))
  AND NOT EXISTS (SELECT 1 FROM articles_all c WHERE c.story_id = a.story_id AND c.change = 'new'
                  AND c.is_duplicate)))"""
READ_AHEAD = 1  # record batches pyarrow decodes ahead of DuckDB


def table_keys(store: Store) -> list[str]:
    """The day files of the table, oldest day first."""
    return sorted(
        info.key
        for info in store.list(layout.CURRENT_TABLE_PREFIX)
        if layout.current_table_day(info.key)
    )


def _warn_if_behind(newest: dict[str, str], read: TableRead, warn: Callable[[str], None]) -> None:
    """One line if the table is not the newest complete rev of every day (a publisher that died between
    its snapshot and the table, a table never built): the snapshots are right, the table is behind."""
    have = {d.day: d.entry.source for d in read.days}
    left_out = {layout.current_table_day(p.key) for p in read.problems}
    behind = sorted(
        day for day, label in newest.items() if have.get(day) != label and day not in left_out
    )
    if behind and len(behind) < len(newest):
        shown = ", ".join(behind[:5]) + (f" and {len(behind) - 5} more" if len(behind) > 5 else "")
        warn(
            f"the current-articles table is behind the snapshots for {len(behind)} day(s) ({shown}); "
            "`newsarchive table rebuild` brings it up to date"
        )


class _Lean(ds.FileSystemDataset):  # type: ignore[misc]  # pyarrow has no types: its classes are Any
    """The table's dataset, scanned with little read-ahead: DuckDB's memory limit does not see what
    pyarrow buffers ahead of it (with pyarrow's defaults a scan of every text peaked at 677 MiB, with
    these at 479 MiB, and ran faster on 2 cores)."""

    def scanner(  # pyarrow's own signature: columns by name (or expressions), a filter expression
        self,
        columns: list[str] | dict[str, ds.Expression] | None = None,
        filter: ds.Expression | None = None,  # noqa: A002 (pyarrow's own name)
        **_: Any,
    ) -> ds.Scanner:
        return super().scanner(
            columns=columns,
            filter=filter,
            batch_readahead=READ_AHEAD,
            fragment_readahead=1,
        )


def _dataset(read: TableRead) -> ds.Dataset | pa.Table:
    """The checked day files as one dataset (a file of an older minor version has its missing columns
    null); each fragment is tagged with its day, which its record guarantees every row has. A file of an
    older major version (archive/schema.py) is converted in memory as it is read."""
    if not read.days:
        return TABLE_SCHEMA.empty_table()
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    fmt, local = ds.ParquetFileFormat(), pafs.LocalFileSystem()
    current = [d for d in read.days if parse_version(d.entry.schema)[0] == CURRENT[0]]
    lean = _Lean(
        [
            fmt.make_fragment(
                day.source(),
                filesystem=local if day.path is not None else None,
                partition_expression=pc.field("snapshot_date")
                == pa.scalar(date.fromisoformat(day.day), pa.date32()),
            )
            for day in current
        ],
        TABLE_SCHEMA,
        fmt,
        local,
    )
    older = [d for d in read.days if parse_version(d.entry.schema)[0] != CURRENT[0]]
    if not older:
        return lean
    tables = []
    for day in older:
        try:
            tables.append(conform(pq.read_table(day.source()), table_columns=True))
        except SchemaError as exc:
            raise QueryError(f"{day.key}: {exc}") from None
    converted = ds.InMemoryDataset(tables, TABLE_SCHEMA)
    return ds.dataset([lean, converted]) if current else converted


def _old_schema(read: TableRead, warn: Callable[[str], None]) -> None:
    """One line if day files of the table are in an older schema version (read converted)."""
    old = [d for d in read.days if d.entry.schema != SCHEMA_VERSION]
    if old:
        versions = ", ".join(sorted({d.entry.schema for d in old}))
        warn(
            f"{len(old)} day file(s) of the table are in schema {versions} (read converted); "
            f"`newsarchive table rebuild` writes them in schema {SCHEMA_VERSION}"
        )


def _report(read: TableRead, warn: Callable[[str], None]) -> None:
    for problem in read.problems[:MAX_PROBLEMS_SHOWN]:
        warn(str(problem))
    if len(read.problems) > MAX_PROBLEMS_SHOWN:
        warn(
            f"and {len(read.problems) - MAX_PROBLEMS_SHOWN} more problems with the table; "
            "`newsarchive table check` lists them all"
        )


def verified_cache() -> StatCache:
    """The user's cache of day files verified before ($XDG_CACHE_HOME/newsarchive/table-verified.json)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return StatCache(base / "newsarchive" / "table-verified.json")


def connect(
    store: Store,
    warn: Callable[[str], None] = logger.warning,
    limits: Limits | None = None,
    cache: StatCache | None = None,
) -> Sandbox:
    """The locked sandbox with the views `articles_all` and `articles` over the checked table. A file its
    record does not vouch for is named and left out, and a table behind the snapshots named, through
    `warn`. With a `cache`, a local day file unchanged since it was hashed is not hashed again. Close
    the sandbox (or use it as a context manager): that removes its spill."""
    with ThreadPoolExecutor(max_workers=1) as pool:  # listing the snapshots while the table is read
        revs = pool.submit(newest_revs, store)
        read = read_table_days(store, cache=cache, footers=False, in_memory=False)
        newest = {ref.day: ref.label for ref in revs.result()}
    _report(read, warn)
    _warn_if_behind(newest, read, warn)
    _old_schema(read, warn)

    def confirm() -> None:
        changed = changed_since(store, read)
        if changed:
            raise QueryError("; ".join(str(p) for p in changed))

    sandbox = Sandbox(limits or Limits(), confirm=confirm)
    try:
        sandbox.register("articles_table", _dataset(read))
        sandbox.setup("CREATE VIEW articles_all AS SELECT * FROM articles_table")
        sandbox.setup(f"CREATE VIEW article_versions AS {ARTICLE_VERSIONS}")
        sandbox.setup(f"CREATE VIEW articles AS {LATEST_VERSIONS}")
        sandbox.lock()
    except BaseException:
        sandbox.close()
        raise
    return sandbox


def run_query(sandbox: Sandbox, sql: str) -> duckdb.DuckDBPyRelation:
    """The relation of `sql` (admitted as one SELECT over the views); anything else is a QueryError."""
    return sandbox.run(sql)
