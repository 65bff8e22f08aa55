"""bench/synthetic_archive.py writes a real archive: snapshots that verify, the day counts asked for,
duplicates flagged, a rerun day's rev 2 carrying rev 1 forward, and the same archive for the same seed."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from archive.readers import load_articles
from archive.snapshot import list_snapshots
from archive.store import open_store
from archive.verify import verify_snapshot

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from synthetic_archive import SEEDS, generate  # noqa: E402

pytestmark = pytest.mark.skipif(
    not any(SEEDS.glob("*.txt")),
    reason=f"the synthetic archive is made of the user's seed texts, and {SEEDS} has none",
)


def test_a_small_synthetic_archive_verifies_and_has_what_was_asked(tmp_path):
    store = open_store(tmp_path / "a")
    refs = generate(store, date(2026, 7, 1), 3, 40, reruns=1, duplicates=0.2)
    assert [r.label for r in refs] == [
        "2026-07-01 rev 1",
        "2026-07-02 rev 1",
        "2026-07-03 rev 1",
        "2026-07-01 rev 2",
    ]
    assert all(verify_snapshot(store, ref) == [] for ref in list_snapshots(store))
    everything = load_articles(store, include_duplicates=True)
    assert everything.num_rows == 3 * 40 + 4  # the rerun adds a tenth
    duplicates = everything.filter(everything.column("duplicate_of").is_valid())
    assert 0 < duplicates.num_rows < 40
    assert (
        set(everything.column("language").to_pylist()) == {"ar"}
        and min(map(len, everything.column("text").to_pylist())) > 100
    )
    again = load_articles(generate_into(tmp_path / "b"), include_duplicates=True)
    assert sorted(again.column("id").to_pylist()) == sorted(everything.column("id").to_pylist())


def generate_into(path: Path):
    store = open_store(path)
    generate(store, date(2026, 7, 1), 3, 40, reruns=1, duplicates=0.2, warc=False)
    return store
