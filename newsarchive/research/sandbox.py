"""The DuckDB connection user SQL runs in (`newsarchive query`): it reads the views over the checked table
and nothing else, writes nothing anywhere, and runs in bounded time, memory and spill.

By construction:
- the table reaches DuckDB as Arrow data this process read and checked (research/query.py): no view
  names a file, and DuckDB is never given a path to read;
- before any user SQL the connection is locked: no external access (files, network, extensions,
  secrets), no configuration change (`lock_configuration`), and the limits (`memory_limit`,
  `max_temp_directory_size`, `max_execution_time`) set at run time, where DuckDB 2.0.0 applies them
  (it ignores a spill limit given at start-up), then read back;
- with external access off, DuckDB still lets SQL into its spill directory (turning external access off
  adds temp_directory to allowed_directories). So user SQL is admitted only as one SELECT whose every
  source is a view, a CTE of its own or a generator (range, unnest, ...), checked on DuckDB's own parse
  tree (json_serialize_sql) before it runs: COPY, ATTACH, SET, PRAGMA, read_text(), glob(), query(),
  a path in FROM never reach the binder;
- the spill directory is the connection's own (`newsarchive-query-spill-<pid>-<start>-<n>`), removed
  when the connection closes; one a killed process left is removed by the next connection.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from common.errors import NewsArchiveError
from newsarchive.config import Settings
from newsarchive.run import scratch

SPILL_PREFIX = "newsarchive-query-spill-"
VIEWS = ("articles", "article_versions", "articles_all")
GENERATORS = frozenset({"range", "generate_series", "unnest", "json_each", "json_tree"})
_TABLE_REFS = frozenset(
    {"BASE_TABLE", "TABLE_FUNCTION", "JOIN", "SUBQUERY", "EXPRESSION_LIST", "EMPTY", "PIVOT"}
    | {"SHOW_REF"}
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_KEYWORD = re.compile(r"[A-Za-z]{1,20}")
_OUR_SCHEMA = {(c, sch) for c in ("", "memory") for sch in ("", "main")}  # where the views are
_serial = itertools.count()
TIMEOUT_VAR, MEMORY_VAR, SPILL_VAR = (
    "NEWSARCHIVE_QUERY_TIMEOUT_S",
    "NEWSARCHIVE_QUERY_MEMORY_MIB",
    "NEWSARCHIVE_QUERY_SPILL_MIB",
)
ONLY = (
    "newsarchive query runs one SELECT over the views articles, article_versions and articles_all"
)


class QueryError(NewsArchiveError, ValueError):
    """The SQL was refused, did not parse or did not run; one line saying why and what to do."""

    reason = "bad_query"


@dataclass(frozen=True)
class Limits:
    """What one query may use (config.Settings: query_timeout_s, query_memory_mib, query_spill_mib)."""

    timeout_s: int = Settings.query_timeout_s
    memory_mib: int = Settings.query_memory_mib
    spill_mib: int = Settings.query_spill_mib

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.query_timeout_s, settings.query_memory_mib, settings.query_spill_mib)


def _refuse(what: str) -> QueryError:
    return QueryError(
        f"{what}: {ONLY}; it reads nothing else and writes nothing but its output (--format, --output)"
    )


def _nodes(tree: Any) -> list[dict[str, Any]]:
    """Every object in a parse tree (iteratively: a deep tree cannot exhaust the stack)."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def check_sources(tree: Any) -> None:
    """A QueryError unless every source the parse tree reads is a view, a CTE or a generator."""
    nodes = _nodes(tree)
    ctes = set()
    for node in nodes:
        for entry in (node.get("cte_map") or {}).get("map", []) if "cte_map" in node else []:
            name = entry.get("key") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
                raise _refuse(f"a CTE named {str(name)[:40]!r} (give it a plain name)")
            ctes.add(name.lower())
    readable = {*VIEWS, *ctes}
    for node in nodes:
        if "sample" not in node or "class" in node or "modifiers" in node:
            continue  # an expression or a query node, not a source
        kind = node.get("type")
        if kind not in _TABLE_REFS:
            raise _refuse(f"{str(kind)[:40]} is not a source it reads")
        if kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            where = (node.get("catalog_name") or "", node.get("schema_name") or "")
            if name.lower() not in readable or where not in _OUR_SCHEMA:
                shown = ".".join(p for p in (*where, name) if p)
                raise _refuse(f"{shown[:80]!r} is not one of its views")
        elif kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name", ""))
            if name.lower() not in GENERATORS or function.get("schema") or function.get("catalog"):
                raise _refuse(f"{name[:40]}() is not available")
        elif kind == "SHOW_REF" and node.get("table_name"):
            raise _refuse(f"SHOW {str(node['table_name'])[:40]} is not available")


class Sandbox:
    """One locked in-memory DuckDB connection and its spill directory (close() removes it)."""

    def __init__(
        self, limits: Limits | None = None, confirm: Callable[[], None] | None = None
    ) -> None:
        self.limits = limits = limits or Limits()
        self._confirm = confirm
        root = Path(tempfile.gettempdir())
        scratch.sweep(root, SPILL_PREFIX)  # what a killed query left
        self.spill = root / f"{SPILL_PREFIX}{scratch.owner_tag()}-{next(_serial)}"
        self.spill.mkdir(mode=0o700)
        self.locked = False
        try:
            self.con = duckdb.connect(
                ":memory:",
                config={
                    "autoinstall_known_extensions": False,
                    "autoload_known_extensions": False,
                    "allow_community_extensions": False,
                    "python_enable_replacements": False,
                    "temp_directory": str(self.spill),
                },
            )
        except BaseException:
            shutil.rmtree(self.spill, ignore_errors=True)
            raise

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register(self, name: str, data: Any) -> None:
        """An Arrow object under `name` (before lock(): afterwards nothing is added)."""
        if self.locked:
            raise RuntimeError("the sandbox is locked")
        self.con.register(name, data)

    def setup(self, sql: str) -> None:
        """Our own SQL (the views), before lock()."""
        if self.locked:
            raise RuntimeError("the sandbox is locked")
        self.con.execute(sql)

    def lock(self) -> None:
        limits = self.limits
        for statement in (
            f"SET memory_limit = '{int(limits.memory_mib)}MiB'",
            f"SET max_temp_directory_size = '{int(limits.spill_mib)}MiB'",
            f"SET max_execution_time = {int(limits.timeout_s) * 1000}",
            "SET enable_external_access = false",
            "SET lock_configuration = true",
        ):
            self.con.execute(statement)
        got = self.con.execute(
            "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'),"
            " current_setting('max_execution_time')"
        ).fetchall()[0]
        if got != (False, True, int(limits.timeout_s) * 1000):  # never run unlocked
            raise RuntimeError(f"the DuckDB connection did not lock: {got}")
        self.locked = True

    def admit(self, sql: str) -> None:
        """A QueryError unless `sql` is one SELECT reading only the views (nothing runs)."""
        if not sql.strip():
            raise QueryError(
                "the query is empty; give SQL over the views articles, article_versions and articles_all"
            )
        try:
            statements = self.con.extract_statements(sql)
        except duckdb.Error as exc:
            raise self.explain(exc) from None
        if len(statements) != 1:
            raise _refuse(f"{len(statements)} statements were given")
        if statements[0].type.name != "SELECT":
            word = _KEYWORD.match(statements[0].query.lstrip())
            kind = word.group(0).upper() if word else statements[0].type.name
            if kind in ("PIVOT", "UNPIVOT"):  # without IN (...) DuckDB runs it as two statements
                raise _refuse(
                    f"{kind} without its values is refused; name them: {kind} articles ON outlet IN ('a', 'b') USING count(*)"
                )
            raise _refuse(f"{kind} statements are refused")
        try:
            raw = self.con.execute("SELECT json_serialize_sql($1)", [sql]).fetchall()[0][0]
            tree = json.loads(raw)
        except duckdb.Error as exc:
            raise self.explain(exc) from None
        except RecursionError:
            raise QueryError("the query is nested too deeply to be checked; simplify it") from None
        if tree.get("error"):
            raise _refuse(str(tree.get("error_message", "it is not a plain SELECT"))[:120])
        check_sources(tree)

    def run(self, sql: str) -> duckdb.DuckDBPyRelation:
        """The relation of an admitted SELECT (it runs as it is read: read it inside explain())."""
        if not self.locked:
            raise RuntimeError("lock() the sandbox before running user SQL")
        self.admit(sql)
        try:
            relation = self.con.sql(sql)
        except duckdb.Error as exc:
            raise self.explain(exc) from None
        if relation is None:  # a SELECT always has a result; anything else was not admitted
            raise _refuse("the statement returns no rows")
        return relation

    def explain(self, exc: BaseException) -> QueryError:
        """One line for an error DuckDB (or Arrow reading its result) raised while the query ran."""
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        limits = self.limits
        if isinstance(exc, duckdb.InterruptException) or "maximum execution time" in text:
            return QueryError(
                f"the query ran longer than its time limit of {limits.timeout_s} s ({TIMEOUT_VAR}); "
                "narrow it (a WHERE on snapshot_date, fewer joins, a LIMIT) or raise the limit"
            )
        if isinstance(exc, duckdb.OutOfMemoryException) or first.startswith("Out of Memory"):
            return QueryError(
                f"the query needs more than {limits.memory_mib} MiB of memory and "
                f"{limits.spill_mib} MiB of spill on disk ({MEMORY_VAR}, {SPILL_VAR}); narrow it "
                "or raise the limits"
            )
        return QueryError(f"query failed: {first}")

    def confirm(self) -> None:
        """Called once the result was read whole: a QueryError if what it was read from cannot be
        trusted (the `confirm` given: research/query.py checks that no table file was written to)."""
        if self._confirm is not None:
            self._confirm()

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.spill, ignore_errors=True)


def spill_dirs(root: Path | None = None) -> list[Path]:
    """The spill directories in the temp directory (tests and ops look)."""
    return sorted(Path(root or tempfile.gettempdir()).glob(SPILL_PREFIX + "*"))
