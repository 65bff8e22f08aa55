"""archive/croissant.py: the dataset's Croissant file names the current-articles table and every column
of the schema."""

from __future__ import annotations

from archive import croissant, layout
from archive.dataset_docs import write_dataset_docs
from archive.schema import COLUMNS, SCHEMA_VERSION
from tests.archive import test_dataset_card

store = test_dataset_card.store  # the fixture: an archive with manifests, a gap day among them
INFO = test_dataset_card.INFO


def test_croissant_names_the_table_and_every_column(store):
    write_dataset_docs(store, INFO)
    document = croissant.decode(store.get_bytes(layout.CROISSANT))
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert document["distribution"][0]["includes"] == "current/articles/*.parquet"
    fields = document["recordSet"][0]["field"]
    assert [f["name"] for f in fields] == [c.name for c in COLUMNS]
    kinds = {f["name"]: f["dataType"] for f in fields}
    assert kinds["published"] == "sc:DateTime" and kinds["published_date"] == "sc:Date"
    assert kinds["snapshot_rev"] == "sc:Integer" and kinds["is_duplicate"] == "sc:Boolean"
    assert document["temporalCoverage"] == "2026-11-17/2026-11-22"
    assert document["inLanguage"] == ["ar", "en"] and document["version"] == f"{SCHEMA_VERSION}.0"
