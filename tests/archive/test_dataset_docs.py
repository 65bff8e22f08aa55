"""archive/dataset_docs.py: `newsarchive dataset card --check` names a card or Croissant file that is
missing, damaged or behind the manifests, and writing them again repairs it."""

from __future__ import annotations

from datetime import date

from archive import layout
from archive.dataset_docs import check, write_dataset_docs
from archive.snapshot import publish_snapshot
from newsarchive.cli.main import main
from tests.archive import test_dataset_card
from tests.archive.test_current_table import row

store = test_dataset_card.store  # the fixture: an archive with manifests, a gap day among them
INFO = test_dataset_card.INFO


def test_check_names_a_missing_damaged_or_stale_card(store, capsys):
    assert check(store, INFO) == [f"{layout.DATASET_CARD}: missing", f"{layout.CROISSANT}: missing"]
    write_dataset_docs(store, INFO)
    assert check(store, INFO) == []
    store.put_bytes(layout.CROISSANT, b'{"conformsTo": "x"}', overwrite=True)
    store.put_bytes(layout.DATASET_CARD, b"\xff\xfe", overwrite=True)
    assert [p.split(":")[0] for p in check(store, INFO)] == [layout.DATASET_CARD, layout.CROISSANT]
    publish_snapshot(store, date(2026, 11, 23), [row(9)], {})  # a publish without the hook
    write_dataset_docs(store, INFO)
    publish_snapshot(store, date(2026, 11, 24), [row(9)], {})
    assert check(store, INFO) == [
        f"{layout.DATASET_CARD}: not what the snapshots' manifests give now",
        f"{layout.CROISSANT}: not what the snapshots' manifests give now",
    ]
    assert main(["dataset", "card", "--check", "--archive", store.url]) == 1
    assert "`newsarchive dataset card` writes them again" in capsys.readouterr().out
    assert main(["dataset", "card", "--archive", store.url]) == 0
    assert main(["dataset", "card", "--check", "--archive", store.url]) == 0
