"""The publish hook (newsarchive/run/dataset_docs.py) on a pipeline run over the replica: the run leaves the
dataset card and Croissant file in the archive, `mlcroissant` validates the Croissant file and loads the
table's records from it, and `datasets.load_dataset("parquet", data_files=...)` on the current table
gives exactly the rows `newsarchive query` counts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from archive import layout
from newsarchive.cli.main import main

pytestmark = pytest.mark.slow  # a pipeline run


def _count(capsys, archive: str, sql: str) -> int:
    capsys.readouterr()
    assert main(["query", sql, "--archive", archive, "--format", "csv"]) == 0
    return int(capsys.readouterr().out.splitlines()[1])


@pytest.fixture
def archive(demo_run, monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # datasets' cache: never the user's
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    settings, _ = demo_run
    return Path(settings.archive)


def test_a_run_leaves_a_card_and_croissant_file_that_are_current(archive, capsys):
    assert (archive / layout.DATASET_CARD).is_file() and (archive / layout.CROISSANT).is_file()
    assert main(["dataset", "card", "--check", "--archive", str(archive)]) == 0
    card = (archive / layout.DATASET_CARD).read_text(encoding="utf-8")
    total = _count(capsys, str(archive), "SELECT count(*) FROM articles")
    assert f"Articles: {total:,} in all" in card
    for outlet in ("anapress", "enabbaladi", "euronews", "orient", "zamanalwsl"):
        assert f"\n| {outlet} | " in card


def test_mlcroissant_validates_the_file_and_loads_the_tables_rows(archive, capsys, caplog):
    import mlcroissant as mlc

    with caplog.at_level(logging.WARNING):
        dataset = mlc.Dataset(jsonld=str(archive / layout.CROISSANT))  # raises on an error
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    records = list(dataset.records(record_set="articles"))
    every = _count(capsys, str(archive), "SELECT count(*) FROM articles_all")
    assert len(records) == every > 50
    ids = {r["articles/id"].decode() for r in records}
    capsys.readouterr()
    assert (
        main(["query", "SELECT id FROM articles_all", "--archive", str(archive), "--format", "csv"])
        == 0
    )
    assert ids == {line.strip('"') for line in capsys.readouterr().out.splitlines()[1:]}


def test_datasets_loads_exactly_the_rows_query_counts(archive, capsys):
    from datasets import load_dataset

    files = str(archive / layout.CURRENT_TABLE_PREFIX / "*.parquet")
    table = load_dataset("parquet", data_files=files, split="train")
    assert table.num_rows == _count(capsys, str(archive), "SELECT count(*) FROM articles_all")
    current = table.filter(lambda row: not row["is_duplicate"])
    assert current.num_rows == _count(capsys, str(archive), "SELECT count(*) FROM articles")
    assert str(table.features["published"].dtype) == "timestamp[us, tz=UTC]"
    assert str(table.features["published_date"].dtype) == "date32"
