"""The schema contract (archive/schema.py): one declared schema with a version, the rule every change to
it follows (additive: minor; rename or retype: major, with an upgrade so both stay readable), and an
archive written by the previous format (tests/archive/fixtures/schema-1.0, made by main's code with
fixtures/make_schema_1_0.py) read converted by every reader."""

from __future__ import annotations

import json
import shutil
import typing
from dataclasses import fields
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive import layout, schema
from archive.current_table import check, rebuild
from archive.readers import load_articles
from archive.records import ArchivedRow, rows_table
from archive.snapshot import publish_snapshot, read_articles, read_rows, resolve_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.test_current_table import row

FIXTURES = Path(__file__).parent / "fixtures"
DAY = date(2026, 11, 21)
PYTHON_TYPES = {
    "string": str,
    "double": float,
    "int32": int,
    "bool": bool,
    "date32[day]": date,
    "timestamp[us, tz=UTC]": datetime,
}


def old_archive(tmp_path: Path, version: str = "1.0") -> Path:
    target = tmp_path / f"archive-{version}"
    shutil.copytree(FIXTURES / f"schema-{version}", target)
    return target


# -- the contract and its rule ---------------------------------------------------------------------------
def test_the_declared_schema_is_the_newest_version_in_the_history():
    newest = schema.history()[-1]
    assert newest["version"] == schema.SCHEMA_VERSION, (
        "the declared columns changed: add a version to archive/schema_history.json "
        "(additive: minor + 1; rename or retype: major + 1 with an entry in schema.UPGRADES)"
    )
    assert newest["columns"] == schema.declared()
    assert (
        list(schema.TABLE_SCHEMA.names[: len(schema.ARTICLE_SCHEMA)]) == schema.ARTICLE_SCHEMA.names
    )


def test_every_version_follows_the_rule_and_every_major_stays_readable():
    versions = schema.history()
    assert versions[0]["version"] == "1.0"
    for old, new in zip(versions, versions[1:], strict=False):
        kind = schema.change_kind(old["columns"], new["columns"])
        assert kind != "none", f"{new['version']} changes nothing"
        assert new["version"] == schema.next_version(old["version"], kind), (
            f"{old['version']} -> {new['version']} is {kind}: it must be "
            f"{schema.next_version(old['version'], kind)}"
        )
        old_major, new_major = (schema.parse_version(v["version"])[0] for v in (old, new))
        if new_major != old_major:
            assert old_major in schema.UPGRADES, f"no upgrade from schema {old_major}.x"
            fixture = FIXTURES / f"schema-{old['version']}"
            assert fixture.is_dir(), f"no archive written in schema {old['version']} under test"


@pytest.mark.parametrize(
    ("new", "kind", "version"),
    [
        ({"a": "string", "b": "int32", "c": "string"}, "additive", "2.4"),
        ({"a": "string", "c": "int32"}, "breaking", "3.0"),  # b renamed c
        ({"a": "string", "b": "int64"}, "breaking", "3.0"),  # b retyped
        ({"a": "string"}, "breaking", "3.0"),  # b removed
        ({"a": "string", "b": "int32"}, "none", "2.3"),
    ],
)
def test_the_rule_tells_an_additive_change_from_a_breaking_one(new, kind, version):
    old = {"a": "string", "b": "int32"}
    assert schema.change_kind(old, new) == kind
    assert schema.next_version("2.3", kind) == version


def test_the_archived_row_has_exactly_the_declared_columns_with_their_types():
    hints = typing.get_type_hints(ArchivedRow)
    assert {f.name for f in fields(ArchivedRow)} == set(schema.ARTICLE_SCHEMA.names)
    for column in schema.COLUMNS:
        if column.table_only:
            continue
        wanted = PYTHON_TYPES[str(column.type)]
        assert wanted in typing.get_args(hints[column.name]) or hints[column.name] is wanted, column


def test_every_column_has_a_meaning_and_an_example_of_its_type():
    for column in schema.COLUMNS:
        assert column.meaning and column.example, column.name
        value = pa.array([column.example]).cast(column.type)  # the example is a value of the type
        assert value.null_count == 0, column.name
    text = schema.dictionary_markdown()
    assert all(f"`{c.name}`" in text for c in schema.COLUMNS)
    assert f"Schema version {schema.SCHEMA_VERSION}" in text


# -- typed values ---------------------------------------------------------------------------------------
def test_parts_and_table_files_carry_the_version_a_reader_can_check(tmp_path):
    store = open_store(tmp_path / "archive")
    ref, manifest = publish_snapshot(store, DAY, [row(1), row(2)], {})
    rebuild(store)
    part = next(f.key for f in manifest.files if f.key.endswith(".parquet"))
    for key in (part, layout.current_table_key(DAY.isoformat())):
        file_schema = pq.read_schema(tmp_path / "archive" / key)
        assert file_schema.metadata[b"newsarchive.schema"] == schema.SCHEMA_VERSION.encode()
        assert file_schema.field("published").type == pa.timestamp("us", tz="UTC")
    assert read_articles(store, ref).schema.field("published_date").type == pa.date32()


def test_a_file_of_a_newer_major_is_refused_in_one_line_and_a_newer_minor_reads():
    table = rows_table([row(1)])
    newer_minor = table.append_column("story_id", pa.array(["s1"])).replace_schema_metadata(
        {b"newsarchive.schema": f"{schema.CURRENT[0]}.{schema.CURRENT[1] + 1}".encode()}
    )
    assert schema.conform(newer_minor).schema.names == schema.ARTICLE_SCHEMA.names
    newer_major = table.replace_schema_metadata(
        {b"newsarchive.schema": f"{schema.CURRENT[0] + 1}.0".encode()}
    )
    with pytest.raises(schema.SchemaError, match="upgrade newsarchive"):
        schema.conform(newer_major)


# -- the previous format, read converted -----------------------------------------------------------------
def test_parts_written_by_the_previous_format_read_typed(tmp_path):
    store = open_store(old_archive(tmp_path), create=False)
    ref = resolve_snapshot(store, DAY.isoformat())
    raw = pq.read_schema(tmp_path / "archive-1.0" / layout.articles_key(ref.prefix, "orient", "ar"))
    assert raw.field("published").type == pa.string()
    assert schema.version_of(raw) == (1, 0)
    table = read_articles(store, ref)
    assert table.schema.remove_metadata() == schema.ARTICLE_SCHEMA
    by_id = {r["id"]: r for r in table.to_pylist()}
    first, dated, anapress = by_id[f"{1:016x}"], by_id[f"{2:016x}"], by_id[f"{3:016x}"]
    assert first["published"] == datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    assert first["published_date"] == date(2026, 11, 21)
    assert first["modified"] == datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    assert first["discovered_at"] == datetime(2026, 11, 21, 2, 59, tzinfo=UTC)
    assert (dated["published"], dated["published_date"]) == (None, date(2026, 11, 20))
    assert (anapress["modified"], anapress["modified_date"]) == (None, date(2026, 11, 21))
    assert {r.id for r in read_rows(store, _manifest(store, ref))} == set(by_id)


def _manifest(store, ref):
    from archive.snapshot import load_manifest

    return load_manifest(store, ref)


def test_an_archive_of_the_previous_format_through_the_cli(tmp_path, capsys):
    archive = str(old_archive(tmp_path))
    args = ["--archive", archive]
    out = tmp_path / "out.jsonl"
    assert (
        main(["export", *args, "--since", "2026-11-21", "--until", "2026-11-21", "--out", str(out)])
        == 0
    )
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["id"]: r["published"] for r in exported} == {
        f"{1:016x}": "2026-11-20T22:30:00+00:00",
        f"{2:016x}": None,
        f"{3:016x}": "2026-11-20T23:15:00+00:00",
    }
    capsys.readouterr()
    sql = (
        "SELECT id, typeof(published), published_date FROM articles WHERE published_date "
        "= DATE '2026-11-20' ORDER BY id"
    )
    assert main(["query", sql, *args, "--format", "csv"]) == 0
    got = capsys.readouterr()
    assert got.out.splitlines()[1:] == [
        f'"{n:016x}","TIMESTAMP WITH TIME ZONE",2026-11-20' for n in (2, 3)
    ]
    assert "schema 1.0 (read converted); `newsarchive table rebuild`" in got.err
    assert main(["table", "check", *args]) == 1
    assert "in schema 1.0" in capsys.readouterr().out
    assert main(["table", "rebuild", *args]) == 0
    assert check(open_store(archive, create=False)) == []
    assert main(["snapshots", "verify", "2026-11-21", *args]) == 0
    assert len(load_articles(open_store(archive, create=False), DAY, DAY)) == 3


def test_the_docs_show_the_data_dictionary_as_it_is():
    page = Path(__file__).resolve().parents[2] / "docs" / "archive-format.md"
    assert schema.dictionary_markdown() in page.read_text(encoding="utf-8"), (
        "docs/archive-format.md: paste `newsarchive dataset schema` under The articles' schema"
    )
