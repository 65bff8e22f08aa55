"""The current-articles table's day file: its schema, where it says which rev it was built from, and its
footer's one decoder (every reader of a day file takes its schema through `decode_day_footer`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from archive.records import ARTICLE_SCHEMA
from archive.snapshot import SnapshotRef
from common import decode
from common.errors import DamagedObject

SOURCE_KEY = b"newsarchive.snapshot"  # the file's key-value metadata: the rev it was built from
TABLE_SCHEMA = (
    ARTICLE_SCHEMA.append(pa.field("snapshot_date", pa.date32()))
    .append(pa.field("snapshot_rev", pa.int32()))
    .append(pa.field("is_duplicate", pa.bool_()))
)


def table_source_of(schema: pa.Schema) -> str | None:
    """The rev a table file was built from ("D rev N"), from its Parquet metadata."""
    value = (schema.metadata or {}).get(SOURCE_KEY)
    return value.decode(errors="replace") if value else None


@dataclass(frozen=True)
class DayFooter:
    """What a day file's footer says: its day, the rev it was built from, its rows and schema."""

    day: str
    source: SnapshotRef
    rows: int
    schema: pa.Schema


_CORE = ("id", "url", "outlet", "title", "text", "snapshot_date", "snapshot_rev", "is_duplicate")
_LABEL = re.compile(r"(\d{4}-\d{2}-\d{2}) rev ([1-9]\d{0,8})")


def decode_day_footer(metadata: pq.FileMetaData, day: str) -> DayFooter:
    """A day file's footer, checked: built from a rev of its own day, every column of the table's schema
    with its type (an older version's file may lack later columns), none other. decode.Malformed names
    what is wrong."""
    schema = metadata.schema.to_arrow_schema()
    label = (schema.metadata or {}).get(SOURCE_KEY, b"").decode("utf-8", "replace")
    match = _LABEL.fullmatch(label)
    if match is None or match.group(1) != day:
        raise decode.Malformed(SOURCE_KEY.decode(), f"{label[:60]!r} is not a rev of {day}")
    for column in schema:
        if column.name not in TABLE_SCHEMA.names:
            raise decode.Malformed(column.name[:60], "is not a column of the table")
        if column.type != TABLE_SCHEMA.field(column.name).type:
            raise decode.Malformed(
                column.name, f"is {column.type}, not {TABLE_SCHEMA.field(column.name).type}"
            )
    if missing := [name for name in _CORE if name not in schema.names]:
        raise decode.Malformed("", f"it lacks the columns {missing}")
    return DayFooter(day, SnapshotRef(day, int(match.group(2))), metadata.num_rows, schema)


def read_day_file(
    path: str | Path, day: str, *, name: str | None = None, filesystem: Any = None
) -> DayFooter:
    """A day file's footer through decode_day_footer; DamagedObject naming it (`name`, default its
    path) and the repair."""
    try:
        return decode_day_footer(pq.read_metadata(path, filesystem=filesystem), day)
    except (decode.Malformed, OSError, ValueError, pa.ArrowException) as exc:
        raise DamagedObject(
            f"{name or path} is damaged ({type(exc).__name__}: {str(exc)[:200]}); its day is left out; "
            f"`newsarchive table rebuild --since {day} --until {day}` writes it again"
        ) from None
