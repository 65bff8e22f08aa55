"""DuckDB over the current-articles table (archive/current_table.py): views `articles` (current, no
duplicates) and `articles_all` (duplicates flagged), on a local or an S3 archive.

DuckDB's own extensions are never installed or loaded: a local table is read by DuckDB's built-in Parquet
reader, a bucket through pyarrow's S3 filesystem (the `httpfs` extension cannot be had offline for this
DuckDB version). Once the views exist the connection is locked down: no file outside the table, no
extension, no configuration change, so a query can read the table and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from archive import layout
from archive.current_table import SOURCE_KEY, TABLE_SCHEMA, read_day_file
from archive.snapshot import newest_revs
from archive.store import LocalStore, Store
from common.errors import DamagedObject, NewsArchiveError

if TYPE_CHECKING:
    import pyarrow.fs as pafs

logger = logging.getLogger(__name__)
MEMORY_LIMIT = "1GB"


class QueryError(NewsArchiveError, ValueError):
    """The SQL did not parse or run; the message is DuckDB's first line."""

    reason = "bad_query"


def table_keys(store: Store) -> list[str]:
    """The day files of the table, oldest day first."""
    return sorted(
        info.key
        for info in store.list(layout.CURRENT_TABLE_PREFIX)
        if layout.current_table_day(info.key)
    )


def _sql_list(items: list[str]) -> str:
    return "[" + ", ".join("'" + item.replace("'", "''") + "'" for item in items) + "]"


def _s3_fs(store: Store) -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem configured as the store's boto3 client is (credentials, endpoint, region)."""
    import boto3  # only for a bucket
    import pyarrow.fs as pafs

    client = store.client  # type: ignore[attr-defined]
    creds = boto3.session.Session().get_credentials()
    frozen = creds.get_frozen_credentials() if creds else None
    scheme, _, host = client.meta.endpoint_url.partition("://")
    return pafs.S3FileSystem(
        access_key=frozen.access_key if frozen else None,
        secret_key=frozen.secret_key if frozen else None,
        session_token=frozen.token if frozen else None,
        region=client.meta.region_name or "us-east-1",
        endpoint_override=host if "amazonaws.com" not in host else None,
        scheme=scheme or "https",
        anonymous=frozen is None,
    )


def _schema(
    path: str, warn: Callable[[str], None], fs: pafs.FileSystem | None = None
) -> pa.Schema | None:
    """A day file's schema, through the day file's one decoder (archive/current_table.py); a damaged
    file is named and left out (None): it costs only its day."""
    try:
        return read_day_file(
            path, PurePosixPath(path).name.removesuffix(".parquet"), filesystem=fs
        ).schema
    except DamagedObject as exc:
        warn(str(exc))
        return None


def _warn_if_behind(
    store: Store, sources: dict[str, str], damaged: set[str | None], warn: Callable[[str], None]
) -> None:
    """One line if the table is not the newest complete rev of every day (a publisher that died between
    its snapshot and the table, a table never built): the snapshots are right, the table is behind."""
    newest = {ref.day: ref.label for ref in newest_revs(store)}
    have = {layout.current_table_day(key): source for key, source in sources.items()}
    behind = sorted(
        day for day, label in newest.items() if have.get(day) != label and day not in damaged
    )
    if behind and len(behind) < len(newest):
        shown = ", ".join(behind[:5]) + (f" and {len(behind) - 5} more" if len(behind) > 5 else "")
        warn(
            f"the current-articles table is behind the snapshots for {len(behind)} day(s) ({shown}); "
            "`newsarchive table rebuild` brings it up to date"
        )


def connect(
    store: Store, warn: Callable[[str], None] = logger.warning
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the views `articles_all` and `articles`, locked down. A table
    file whose footer does not read is left out, and a table behind the snapshots named, through `warn`."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    keys = table_keys(store)
    local = isinstance(store, LocalStore)
    fs = None if local else _s3_fs(store)
    paths = {
        key: str(store.root / key) if local else f"{store.bucket}/{store.prefix}{key}"  # type: ignore[attr-defined]
        for key in keys
    }
    with ThreadPoolExecutor(
        max_workers=1 if local else 16
    ) as pool:  # a footer is two ranged GETs on S3
        schemas = dict(
            zip(keys, pool.map(lambda key: _schema(paths[key], warn, fs), keys), strict=True)
        )
    damaged = {layout.current_table_day(key) for key, schema in schemas.items() if schema is None}
    keys = [key for key, schema in schemas.items() if schema is not None]
    same_schema = all(schemas[key].remove_metadata() == TABLE_SCHEMA for key in keys)  # type: ignore[union-attr]
    _warn_if_behind(
        store,
        {
            key: (schemas[key].metadata or {}).get(SOURCE_KEY, b"").decode()  # type: ignore[union-attr]
            for key in keys
        },
        damaged,
        warn,
    )
    allowed: list[str] = []
    if not keys:
        con.register("articles_table", TABLE_SCHEMA.empty_table())
        con.execute("CREATE VIEW articles_all AS SELECT * FROM articles_table")
    elif local:
        allowed = [str(store.root / layout.CURRENT_TABLE_PREFIX)]  # type: ignore[attr-defined]
        con.execute(
            "CREATE VIEW articles_all AS SELECT * FROM read_parquet("
            f"{_sql_list([paths[k] for k in keys])}, hive_partitioning = false, "
            f"union_by_name = {str(not same_schema).lower()})"
        )
        # union_by_name (every footer read at bind time) only for files an older version wrote
    else:
        import pyarrow.dataset as ds  # imports pandas: only for a bucket

        con.register(
            "articles_table",
            ds.dataset(
                [paths[k] for k in keys], schema=TABLE_SCHEMA, format="parquet", filesystem=fs
            ),
        )  # an older file's missing columns are null
        con.execute("CREATE VIEW articles_all AS SELECT * FROM articles_table")
    con.execute("CREATE VIEW articles AS SELECT * FROM articles_all WHERE NOT is_duplicate")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    if allowed:
        con.execute(f"SET allowed_directories = {_sql_list(allowed)}")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyRelation | None:
    """The query's result (None for a statement that returns no rows); bad SQL is a QueryError."""
    if not sql.strip():
        raise QueryError("the query is empty; give SQL over the views articles and articles_all")
    try:
        return con.sql(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"query failed: {first}") from None
