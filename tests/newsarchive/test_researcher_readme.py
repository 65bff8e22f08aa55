"""The researchers' guide (docs/researchers.md), its recipes run verbatim: every code block of it, on the demo archive after a
rerun of its day (and the bucket recipe on SeaweedFS), each recipe returning exactly what `export` returns."""

from __future__ import annotations

import csv
import json
import shlex
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from archive.current_table import refresh_day
from archive.readers import load_articles
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.test_current_table import row
from tests.docs.blocks import blocks

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "researchers.md"
pytestmark = pytest.mark.slow  # the demo: a pipeline run over the replica, twice


def section_blocks(covered_by: str = "") -> list[tuple[str, str]]:
    """(language, body) of every block before the guide's *Searching the text*, read as
    tests/docs/blocks.py reads every page: those run here (no marker), or those a marker says the test
    `covered_by` runs."""
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    end = lines.index("## Searching the text") + 1
    return [
        (b.lang, b.body)
        for b in blocks(GUIDE)
        if b.line < end
        and (
            b.marker is None
            if not covered_by
            else b.marker is not None and b.marker.text.endswith(covered_by)
        )
    ]


def commands(blocks: list[tuple[str, str]]) -> list[list[str]]:
    return [
        shlex.split(line)[1:]
        for lang, body in blocks
        if lang == "bash"
        for line in body.splitlines()
        if line.startswith("newsarchive ")
    ]


def ids_of(value) -> set[str]:
    """The ids of a recipe's result: a DuckDB relation, a pyarrow Table, a pandas or polars DataFrame,
    a Hugging Face Dataset."""
    if isinstance(value, duckdb.DuckDBPyRelation):
        return {r[0] for r in value.select("id").fetchall()}
    if hasattr(value, "column_names") and hasattr(value, "column"):
        return set(value.column("id").to_pylist())
    return set(value["id"])


def test_every_recipe_runs_verbatim_and_returns_what_export_returns(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # datasets' cache: never the user's
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    blocks = section_blocks()
    cmds = commands(blocks)
    assert cmds[0] == ["demo", "--date", "2026-11-21"]
    assert main(cmds[0]) == 0
    assert (
        main(["demo", "--date", "2026-11-21", "--outlet", "orient"]) == 0
    )  # a rerun of the day: rev 2
    for argv in cmds[1:]:
        if argv[0] == "export":
            assert main(argv) == 0, argv
    capsys.readouterr()
    exported = [
        json.loads(line) for line in Path("november.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    expected = {r["id"] for r in exported}
    assert len(expected) > 50 and all(r["duplicate_of"] is None for r in exported)
    assert {r["snapshot_rev"] for r in exported} == {2}

    results = []
    for lang, body in blocks:
        if lang == "sql":
            results.append(("duckdb", duckdb.sql(body)))
        elif lang == "python":
            namespace: dict = {}
            exec(compile(body, "docs/researchers.md", "exec"), namespace)  # noqa: S102 - the recipe, verbatim
            found = [namespace[k] for k in ("df", "table", "frame", "rows") if k in namespace]
            results.append((body.splitlines()[0], found[0]))
    assert len(results) == 6  # DuckDB, pandas, pyarrow, polars, datasets, the Python API
    for name, result in results:
        assert ids_of(result) == expected, name

    # the table after the rerun: the old rev gone, duplicates flagged, the same rows as export
    table = duckdb.sql(
        "SELECT snapshot_rev, is_duplicate, duplicate_of IS NOT NULL AS dup "
        "FROM 'var/demo/archive/current/articles/*.parquet'"
    ).fetchall()
    assert (
        {r[0] for r in table} == {2}
        and all(r[1] == r[2] for r in table)
        and any(r[1] for r in table)
    )
    assert main(["table", "check", "--archive", "var/demo/archive"]) == 0
    assert "0 problems" in capsys.readouterr().out

    counts = Counter(r["outlet"] for r in exported)
    per_day = Counter((r["snapshot_date"], r["outlet"]) for r in exported)
    for argv in cmds[1:]:
        if argv[0] != "query":
            continue
        assert main(argv) == 0, argv
        out = capsys.readouterr().out
        if "--output" not in argv:  # the table on stdout
            lines = [line.split() for line in out.splitlines()[1:-1]]
            assert {outlet: int(n) for outlet, n in lines} == dict(counts)
    with open("articles_per_day.csv", encoding="utf-8") as fh:
        chart = list(csv.DictReader(fh))
    assert {(r["day"], r["outlet"]): int(r["articles"]) for r in chart} == dict(per_day)

    csl = json.loads(Path("november.json").read_text(encoding="utf-8"))
    assert {item["id"] for item in csl} == expected
    assert all("replay http://127.0.0.1:8090/all/2026" in item["note"] for item in csl)
    bib = Path("november.bib").read_text(encoding="utf-8")
    assert bib.count("@article{") == len(expected) and bib.count("langid = {arabic}") > 0
    with open("november.csv", encoding="utf-8") as fh:
        assert {r["id"] for r in csv.DictReader(fh)} == expected


def test_the_bucket_recipes_on_seaweedfs(s3_server, tmp_path, capsys):
    """DuckDB (s3fs registered), polars and pyarrow/pandas read the table from the bucket offline, each
    returning exactly what `export` returns; so does `newsarchive query`."""
    s3_server.create_bucket("news-archive")
    store = open_store("s3://news-archive/prod")
    day = date(2026, 11, 21)
    publish_snapshot(
        store, day, [row(1), row(2, outlet="anapress"), row(3, duplicate_of=f"{1:016x}")], {}
    )
    publish_snapshot(
        store,
        day,
        [
            row(1, carried_from="2026-11-21 rev 1"),
            row(4, outlet="euronews"),
            row(3, duplicate_of=f"{1:016x}", carried_from="2026-11-21 rev 1"),
        ],
        {},
    )
    refresh_day(store, day.isoformat())
    expected = set(load_articles(store, day, day).column("id").to_pylist())
    assert expected == {f"{1:016x}", f"{4:016x}"}
    recipes = [
        body
        for lang, body in section_blocks(covered_by="test_the_bucket_recipes_on_seaweedfs")
        if lang == "python"
    ]
    assert len(recipes) == 3  # DuckDB, polars, pyarrow and pandas
    for body in recipes:
        namespace: dict = {}
        exec(compile(body, "docs/researchers.md", "exec"), namespace)  # noqa: S102 - the recipe, verbatim
        found = [namespace[k] for k in ("articles", "frame", "table", "df") if k in namespace]
        assert found and all(ids_of(result) == expected for result in found), body
    published = namespace["table"].schema.field("published").type
    assert str(published) == "timestamp[us, tz=UTC]"
    assert (
        main(
            [
                "query",
                "SELECT id FROM articles",
                "--archive",
                "s3://news-archive/prod",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert set(capsys.readouterr().out.split()[1:]) == {f'"{i}"' for i in expected}
    assert main(["dataset", "card", "--archive", "s3://news-archive/prod"]) == 0  # on S3 too
    assert main(["dataset", "card", "--check", "--archive", "s3://news-archive/prod"]) == 0
    assert "s3://news-archive/prod" in store.get_bytes("README.md").decode()
