"""`newsarchive dataset card|schema` (newsarchive/cli/dataset.py), in process as the shell calls it: the
data dictionary of the schema; the card and Croissant file written from the manifests, `--check` exit 1
naming each problem until they are written again."""

from __future__ import annotations

from archive import layout
from archive.schema import COLUMNS, SCHEMA_VERSION
from archive.store import open_store
from newsarchive.cli.main import main
from tests.archive.test_stories import DAY, capture, publish_days


def test_schema_is_the_data_dictionary(capsys):
    assert main(["dataset", "schema"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Schema version {SCHEMA_VERSION}.")
    assert all(f"`{column.name}`" in out for column in COLUMNS)


def test_card_writes_what_check_then_finds_right(tmp_path, capsys):
    archive = str(tmp_path / "archive")
    store = open_store(archive)
    publish_days(store, [[capture(1, DAY)]])
    for key in (layout.DATASET_CARD, layout.CROISSANT):
        if store.exists(key):
            store.delete(key)
    assert main(["dataset", "card", "--check", "--archive", archive]) == 1
    out = capsys.readouterr().out
    assert f"PROBLEM {layout.DATASET_CARD}: missing" in out
    assert out.rstrip().endswith("2 problems; `newsarchive dataset card` writes them again")
    assert main(["dataset", "--archive", archive, "card"]) == 0
    written = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0] for line in written] == [
        f"{store.url}/{layout.DATASET_CARD}",
        f"{store.url}/{layout.CROISSANT}",
    ]
    assert main(["dataset", "card", "--check", "--archive", archive]) == 0
    assert capsys.readouterr().out == "dataset card and Croissant file: 0 problems\n"
