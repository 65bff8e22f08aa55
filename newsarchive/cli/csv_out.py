"""The CSV sink: every CSV newsarchive writes (`query --format csv`, `stats --format csv`) goes through here,
every text cell and header through common.escape.csv_cell (a formula prefix neutralised the OWASP way,
controls and bidi overrides shown). Numbers, dates and booleans are written as values, times with a zone
as ISO 8601 UTC (2026-11-21T03:38:48Z); nested and binary values as their JSON text, escaped like any
other text."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from common.escape import CSV_RISKY, csv_cell, json_text

if TYPE_CHECKING:
    import pyarrow as pa


def _json_default(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _text_column(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """A column as CSV writes it: text escaped (checked in bulk, changed value by value where needed)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        risky = pc.match_substring_regex(column, CSV_RISKY)
        if not pc.any(risky).as_py():
            return column
        return pa.array(
            [
                csv_cell(v) if flag else v
                for v, flag in zip(column.to_pylist(), risky.to_pylist(), strict=True)
            ],
            pa.string(),
        )
    if (
        pa.types.is_nested(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    ):
        return pa.array(
            [
                None if v is None else csv_cell(json_text(v, default=_json_default))
                for v in column.to_pylist()
            ],
            pa.string(),
        )
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        return _iso_instants(column)
    return column  # numbers, booleans, dates and times: values a spreadsheet reads as values


def _iso_instants(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A timestamp column with a zone as ISO 8601 UTC text (2026-11-21T03:38:48Z; fractional seconds
    only when a value has them), which spreadsheets and pandas read as times."""
    import pyarrow as pa
    import pyarrow.compute as pc

    utc = column.cast(pa.timestamp(column.type.unit, tz="UTC"))
    try:
        whole = utc.cast(pa.timestamp("s", tz="UTC"))  # refused when a value has a fraction
    except pa.ArrowInvalid:
        whole = utc
    return pc.strftime(whole, format="%Y-%m-%dT%H:%M:%SZ")


def write_csv(reader: pa.RecordBatchReader, out: IO[str]) -> None:
    """Every batch of `reader` as CSV on `out` (the header once, also when there are no rows)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [csv_cell(name) for name in reader.schema.names]
    header = True
    for batch in reader:
        table = pa.Table.from_batches([batch], reader.schema)
        table = pa.table([_text_column(c) for c in table.columns], names=names)
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=header))
        out.write(sink.getvalue().to_pybytes().decode("utf-8"))
        header = False
    if header:  # no rows: the header alone
        empty = pa.table(
            [_text_column(c) for c in reader.schema.empty_table().columns], names=names
        )
        sink = pa.BufferOutputStream()
        pacsv.write_csv(empty, sink)
        out.write(sink.getvalue().to_pybytes().decode("utf-8"))


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[str]) -> None:
    """Rows of Python values as CSV (None as an empty cell; text escaped, numbers as they are)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow(
            ["" if v is None else csv_cell(v) if isinstance(v, str) else v for v in row]
        )
