"""The archive's key space (archive/layout.py): every key a builder makes is read back by its parser as
what it was built from, and a key of one kind is never taken for another (gc and every reader rely on it)."""

from __future__ import annotations

from datetime import date

import pytest

from archive import layout
from archive.snapshot import SnapshotRef

DAY = date(2026, 11, 21)


def test_a_snapshot_key_is_read_back_as_its_day_and_rev():
    prefix = layout.snapshot_prefix(DAY, 12)
    keys = [
        layout.articles_key(prefix, "orient", "ar"),
        layout.warc_key(prefix, "orient"),
        layout.dedup_index_key(prefix),
        layout.cdxj_index_key(prefix),
        layout.reextract_report_key(prefix, "orient"),
        prefix + layout.MANIFEST,
        prefix + layout.SUCCESS,
    ]
    assert all(k.startswith(layout.day_prefix(DAY)) for k in keys)
    assert {layout.parse_snapshot_key(k) for k in keys} == {("2026-11-21", 12)}
    assert layout.parse_snapshot_key("snapshots/date=2026-11-21/rev=x/manifest.json") is None


def test_a_run_id_becomes_a_safe_key_segment_and_distinct_ids_stay_distinct():
    airflow = "scheduled__2026-11-21T03:00:00+00:00"
    key = layout.run_key(airflow)
    assert set(key) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert key != layout.run_key(airflow.replace("+", "-"))  # replaced characters never collide
    assert (
        layout.run_key("cli__2026-11-21__x") == "cli__2026-11-21__x"
    )  # a safe id is kept as it is
    hostile = "../../snapshots/date=2026-11-21/rev=1/" + "x" * 200
    staging = layout.staging_prefix(DAY, hostile)
    assert staging.count("/") == 3 and ".." not in staging.split("/")
    assert layout.parse_staging_key(layout.staged_key(staging, "crawl", "orient.warc.gz")) == (
        "2026-11-21",
        layout.run_key(hostile),
    )


def test_derived_data_keys_are_told_apart_from_everything_else():
    ref = SnapshotRef("2026-11-21", 3)
    segment, pointer = layout.search_segment_key(ref), layout.search_pointer_key(ref)
    assert (
        layout.parse_search_key(segment)
        == layout.parse_search_key(pointer)
        == (
            layout.SEARCH_FORMAT,
            "2026-11-21",
            3,
        )
    )
    assert [layout.parse_search_key(k) for k in layout.old_search_pointer_keys(ref)] == [
        (n, "2026-11-21", 3) for n in range(1, layout.SEARCH_FORMAT)
    ]
    assert layout.current_table_day(layout.current_table_key("2026-11-21")) == "2026-11-21"
    assert layout.sidecar_prefix(ref) == "indexes/date=2026-11-21/rev=3/"
    assert layout.crawl_state_key("orient") == "state/crawl/orient.json.gz"
    for key in (segment, layout.crawl_state_key("orient"), layout.sidecar_prefix(ref)):
        assert layout.parse_snapshot_key(key) is None and layout.parse_staging_key(key) is None


@pytest.mark.parametrize(
    "key",
    [
        "current/articles/2026-11-21.json",
        "current/articles/2026-13-01.parquet",
        "current/articles/x/2026-11-21.parquet",
        "current/2026-11-21.parquet",
        "snapshots/date=2026-11-21/rev=1/articles/outlet=o/lang=ar/part-0000.parquet",
    ],
)
def test_only_a_day_file_of_the_table_is_a_table_day(key):
    assert layout.current_table_day(key) is None
