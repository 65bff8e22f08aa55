"""archive/table_schema.py: a current-articles day file's footer, read through its one decoder: built from
a rev of its own day, every column of the table's schema with its type and none other. A file that is
not so is a DamagedObject naming it and the repair."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive import layout
from archive.snapshot import SnapshotRef
from archive.store import open_store
from archive.table_schema import SOURCE_KEY, read_day_file, table_source_of
from common.errors import DamagedObject
from tests.archive.test_stories import DAY, capture, publish_days


@pytest.fixture
def day_file(tmp_path):
    store = open_store(str(tmp_path / "archive"))
    publish_days(
        store, [[capture(1, DAY), capture(2, DAY, url="https://www.orient-news.net/news/2")]]
    )
    local = tmp_path / "day.parquet"
    store.download(layout.current_table_key(DAY.isoformat()), local)
    return local


def _rewrite(path, table: pa.Table) -> None:
    pq.write_table(table, path)


def test_a_day_file_says_its_day_rev_and_rows(day_file):
    footer = read_day_file(day_file, DAY.isoformat())
    assert (footer.day, footer.source, footer.rows) == (
        DAY.isoformat(),
        SnapshotRef(DAY.isoformat(), 1),
        2,
    )
    assert table_source_of(footer.schema) == f"{DAY.isoformat()} rev 1"


def test_a_file_of_another_day_or_columns_is_damaged_and_names_the_repair(day_file, tmp_path):
    day = DAY.isoformat()
    with pytest.raises(DamagedObject) as caught:
        read_day_file(day_file, "2026-11-30", name="current/date=2026-11-30/articles.parquet")
    message = str(caught.value)
    assert message.startswith("current/date=2026-11-30/articles.parquet is damaged")
    assert "is not a rev of 2026-11-30" in message
    assert "`newsarchive table rebuild --since 2026-11-30 --until 2026-11-30`" in message
    table = pq.read_table(day_file)
    _rewrite(tmp_path / "extra.parquet", table.append_column("secret", pa.array(["x", "y"])))
    _rewrite(
        tmp_path / "retyped.parquet",
        table.set_column(
            table.schema.get_field_index("title"),
            pa.field("title", pa.large_string()),
            table["title"].cast(pa.large_string()),
        ).replace_schema_metadata(table.schema.metadata),
    )
    _rewrite(tmp_path / "unlabelled.parquet", table.replace_schema_metadata({}))
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not parquet")
    for name, said in (
        ("extra.parquet", "secret: is not a column of the table"),
        ("retyped.parquet", "title: is large_string"),
        ("unlabelled.parquet", f"{SOURCE_KEY.decode()}: '' is not a rev of {day}"),
        ("junk.parquet", "is damaged"),
    ):
        with pytest.raises(DamagedObject, match=said):
            read_day_file(tmp_path / name, day)
