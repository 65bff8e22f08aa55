"""The articles' schema contract: every column of the snapshots' Parquet parts and of the current-articles
table, declared once here with its type, meaning and an example, under one version.

- `SCHEMA_VERSION` ("major.minor") is written into every Parquet file newsarchive makes (key-value
  metadata `newsarchive.schema`), the dataset card and the Croissant file; a file without it is 1.0.
- The rule (enforced by tests/archive/test_schema.py against `schema_history.json`, which records every
  version's columns): adding columns bumps the minor version; renaming, retyping or removing one bumps
  the major version, and `UPGRADES` then converts a file of the old major on read, so both stay readable.
- `conform` is the one way a Parquet table of any version becomes this version's: upgraded, columns a
  file lacks as nulls, the declared order and types. A file of a newer major is refused in one line.
- `dictionary_markdown` is the data dictionary (docs/archive-format.md and the bucket's README.md).

Timestamps are UTC instants (`timestamp[us, tz=UTC]`); a page that gives only a day leaves `published`
(or `modified`) null and keeps the day, as the page wrote it in the outlet's own calendar, in
`published_date` (`modified_date`): no time of day is invented, and a day is never shifted by a zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from common.errors import NewsArchiveError
from common.escape import markdown

SCHEMA_VERSION = "2.1"
VERSION_KEY = b"newsarchive.schema"
HISTORY = Path(__file__).with_name("schema_history.json")
INSTANT = pa.timestamp("us", tz="UTC")


class SchemaError(NewsArchiveError, ValueError):
    """A Parquet file of a schema this version cannot read (a newer major, a version it cannot parse)."""

    reason = "bad_schema"
    retryable = False


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    meaning: str
    example: str
    table_only: bool = False  # in the current-articles table, not in a snapshot's parts


COLUMNS: tuple[Column, ...] = (
    Column("id", pa.string(), "the article's id: SHA-256 of URL, canonical URL and text, first 16 hex digits", "6516c141b6454cc7"),
    Column("url", pa.string(), "the URL the page was fetched from", "https://www.enabbaladi.net/archives/215637"),
    Column("canonical_url", pa.string(), "the page's canonical URL (its link rel=canonical, checked), else its URL", "https://www.enabbaladi.net/archives/215637"),
    Column("outlet", pa.string(), "the outlet's id in outlets.toml", "enabbaladi"),
    Column("title", pa.string(), "the headline", "عودة الباعة إلى سوق المدينة"),
    Column("author", pa.string(), "the byline as the page gives it (null: none)", "سلام السعدي"),
    Column("published", INSTANT, "when the page says it was published, in UTC (null: the page gives only a day, or no date)", "2026-11-20 22:30:00+00"),
    Column("published_date", pa.date32(), "the day of publication as the page writes it, in the outlet's own calendar (null: no date)", "2026-11-21"),
    Column("date_source", pa.string(), "where the publication date was read: jsonld, meta, time, text, url, trafilatura", "jsonld"),
    Column("modified", INSTANT, "when the page says it was last changed, in UTC (null: only a day, or none)", "2026-11-21 07:00:00+00"),
    Column("modified_date", pa.date32(), "the day of the last change as the page writes it (null: none)", "2026-11-21"),
    Column("language", pa.string(), "the text's language, a BCP 47 tag (und: not known)", "ar"),
    Column("text", pa.string(), "the article's clean text, paragraphs separated by newlines", "قال ناشطون ..."),
    Column("duplicate_of", pa.string(), "the id of the article this one duplicates (null: not a duplicate)", "0c8f2b6d9e4a1f37"),
    Column("revision_of", pa.string(), "the id of an earlier version of the same page this one revises", "0c8f2b6d9e4a1f37"),
    Column("reason", pa.string(), "why it is a duplicate or a revision: canonical_url, exact_content, near_duplicate, revision", "near_duplicate"),
    Column("similarity", pa.float64(), "the estimated Jaccard similarity of word 3-shingles to duplicate_of", "0.91"),
    Column("capture_id", pa.string(), "the WARC-Record-ID of the page's capture", "<urn:uuid:4f1c0c4e-2b1d-4b8e-9a51-3c2f0e6d7a10>"),
    Column("fetched_at", INSTANT, "when the page was fetched, in UTC", "2026-11-21 03:38:48+00"),
    Column("carried_from", pa.string(), "for a row carried from an earlier rev: the rev whose WARC holds its capture", "2026-11-21 rev 1"),
    Column("via", pa.string(), "the feed, sitemap or section page the crawl found it on", "https://www.enabbaladi.net/feed/"),
    Column("discovered_at", INSTANT, "when the crawl first listed it, in UTC", "2026-11-21 03:30:02+00"),
    Column("extractor", pa.string(), "what made the row: package version and a hash of the rules and options", "newsarchive 0.1.0 trafilatura 2.3.1 rules 1f3e2a9c"),
    Column("gone", pa.string(), "the page is gone: http_404, http_410, redirect (to the home page or a section), soft_404 (the outlet's not-found page); its row has no text, its capture is the evidence (null: the page was there)", "http_404"),
    Column("snapshot_date", pa.date32(), "the snapshot's day (the day the run archived)", "2026-11-21", True),
    Column("snapshot_rev", pa.int32(), "the snapshot's rev: the day's newest complete one", "2", True),
    Column("is_duplicate", pa.bool_(), "duplicate_of is set: the current articles are NOT is_duplicate", "false", True),
    Column("story_id", pa.string(), "the story's stable id: the same across its versions, slug changes and deletion (archive/stories.py)", "3b9f0c6e2d4a8f11", True),
    Column("version", pa.int32(), "the story's version this capture shows: 1 the first, +1 at each change of title, text, author or publication date, or deletion (null: a deletion of a page never archived)", "2", True),
    Column("change", pa.string(), "what this capture is in its story: new, edited, gone (null: the same version captured again)", "edited", True),
    Column("version_sha", pa.string(), "SHA-256 of the title, text, author and publication day, first 16 hex digits: captures of one story with the same value show the same version", "a41c0e97b2d35f60", True),
)  # fmt: skip

ARTICLE_SCHEMA = pa.schema([pa.field(c.name, c.type) for c in COLUMNS if not c.table_only])
TABLE_SCHEMA = pa.schema([pa.field(c.name, c.type) for c in COLUMNS])
TIMESTAMPS = tuple(c.name for c in COLUMNS if c.type == INSTANT)
DAY_OF = {"published": "published_date", "modified": "modified_date"}


# -- versions -------------------------------------------------------------------------------------------
def parse_version(text: str) -> tuple[int, int]:
    major, dot, minor = text.partition(".")
    if not (dot and major.isdigit() and minor.isdigit() and len(text) <= 12):
        raise SchemaError(f"schema version {text[:20]!r} is not MAJOR.MINOR")
    return int(major), int(minor)


CURRENT = parse_version(SCHEMA_VERSION)


def version_of(schema: pa.Schema) -> tuple[int, int]:
    """The schema version a Parquet file was written with (1.0: written before versions were recorded)."""
    value = (schema.metadata or {}).get(VERSION_KEY)
    if value is None:
        return (1, 0)
    return parse_version(value.decode("ascii", "replace"))


def stamped(table: pa.Table, extra: dict[bytes, bytes] | None = None) -> pa.Table:
    """The table with this schema version (and `extra`) in its key-value metadata."""
    return table.replace_schema_metadata(
        {**(table.schema.metadata or {}), VERSION_KEY: SCHEMA_VERSION.encode(), **(extra or {})}
    )


def history() -> list[dict[str, Any]]:
    """Every released version with its columns (name -> Arrow type), oldest first."""
    data: list[dict[str, Any]] = json.loads(HISTORY.read_text(encoding="utf-8"))["versions"]
    return data


def declared() -> dict[str, str]:
    """This version's columns as the history records them (name -> Arrow type)."""
    return {c.name: str(c.type) for c in COLUMNS}


def change_kind(old: dict[str, str], new: dict[str, str]) -> str:
    """What a change of columns (name -> type) is: "none", "additive" (columns added, every old one kept
    with its type) or "breaking" (a column removed, renamed or retyped)."""
    if old == new:
        return "none"
    kept = all(new.get(name) == kind for name, kind in old.items())
    return "additive" if kept else "breaking"


def next_version(version: str, kind: str) -> str:
    """The version a change of `kind` must have after `version`: additive -> minor + 1; breaking -> the
    next major, .0 (and an entry in UPGRADES for the old major)."""
    major, minor = parse_version(version)
    if kind == "additive":
        return f"{major}.{minor + 1}"
    if kind == "breaking":
        return f"{major + 1}.0"
    return version


# -- values ------------------------------------------------------------------------------------------
def instant_and_day(value: Any) -> tuple[datetime | None, date | None]:
    """An ISO 8601 date-time (with its offset) or plain date as (the UTC instant, the day as written).
    A plain date has no instant; a date-time without an offset is taken as UTC. Raises ValueError."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC), aware.date()
    if isinstance(value, date):
        return None, value
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError(f"{str(value)[:40]!r} is not an ISO 8601 date or date-time")
    text = value.strip()
    if len(text) == 10:
        return None, date.fromisoformat(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC), parsed.date()


def _instants(column: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """A string column of ISO 8601 values as (UTC instants, days as written): in bulk, or value by value
    (anything unparseable null) when a value is not what this version wrote."""
    strings = column.combine_chunks().cast(pa.string())
    try:
        timed = pc.greater(pc.utf8_length(strings), 10)
        instants = pc.if_else(timed, strings, pa.scalar(None, pa.string())).cast(INSTANT)
        days = pc.utf8_slice_codeunits(strings, 0, 10).cast(pa.date32())
        return instants, days
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pairs = []
        for value in strings.to_pylist():
            try:
                pairs.append(instant_and_day(value))
            except ValueError:
                pairs.append((None, None))
        return (
            pa.array([p[0] for p in pairs], INSTANT),
            pa.array([p[1] for p in pairs], pa.date32()),
        )


def _upgrade_1(table: pa.Table) -> pa.Table:
    """1.x -> 2.0: ISO 8601 strings of published, modified, fetched_at, discovered_at as UTC instants;
    the day as the page wrote it into published_date and modified_date."""
    for name in TIMESTAMPS:
        if name not in table.column_names or table.schema.field(name).type == INSTANT:
            continue
        instants, days = _instants(table.column(name))
        table = table.set_column(table.column_names.index(name), name, instants)
        if name in DAY_OF and DAY_OF[name] not in table.column_names:
            table = table.append_column(DAY_OF[name], days)
    return table


UPGRADES: dict[int, Callable[[pa.Table], pa.Table]] = {1: _upgrade_1}  # old major -> the next one's


def conform(table: pa.Table, *, table_columns: bool = False) -> pa.Table:
    """A Parquet table of any readable version as this version's (the article columns, or with
    `table_columns` the current table's): upgraded major by major, missing columns null, extra ones
    dropped, the declared order and types. Its metadata is kept, stamped with this version."""
    target = TABLE_SCHEMA if table_columns else ARTICLE_SCHEMA
    major, _ = version_of(table.schema)
    if major > CURRENT[0]:
        raise SchemaError(
            f"written with schema {major}.x, newer than this newsarchive's {SCHEMA_VERSION}; "
            "upgrade newsarchive to read it"
        )
    metadata = table.schema.metadata
    while major < CURRENT[0]:
        table = UPGRADES[major](table)
        major += 1
    columns = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in target
    ]
    return stamped(pa.table(columns, schema=target).replace_schema_metadata(metadata))


# -- the data dictionary -------------------------------------------------------------------------------
def duckdb_type(kind: pa.DataType) -> str:
    """The column's type as DuckDB (and so `newsarchive query`) shows it."""
    names = {
        INSTANT: "TIMESTAMP WITH TIME ZONE",
        pa.date32(): "DATE",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        pa.string(): "VARCHAR",
    }
    if pa.types.is_list(kind):
        return duckdb_type(kind.value_type) + "[]"
    return names[kind]


def dictionary_markdown() -> str:
    """The data dictionary: one row per column (name, Parquet/Arrow type, DuckDB type, meaning, example)."""
    lines = [
        f"Schema version {SCHEMA_VERSION}. Columns marked (table) are in the current-articles table "
        "only; the others are in the snapshots' Parquet parts too.",
        "",
        "| column | Arrow type | DuckDB type | meaning | example |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in COLUMNS:
        name = f"`{c.name}`" + (" (table)" if c.table_only else "")
        lines.append(
            f"| {name} | `{c.type}` | {duckdb_type(c.type)} | {markdown(c.meaning)} | {markdown(c.example)} |"
        )
    return "\n".join(lines) + "\n"
