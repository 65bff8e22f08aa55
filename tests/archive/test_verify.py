"""archive/verify.py: a published snapshot's fixity and consistency, as `snapshots verify` reports it.
A whole snapshot has no problem; a damaged manifest is the one problem; a missing or damaged file, a file
the manifest does not list, and a row whose capture is not where it points are each named once (the
WARC's own damage: tests/archive/test_warc_check.py; the seal's: tests/archive/test_seal.py)."""

from datetime import date

from archive import layout
from archive.store import open_store
from archive.verify import verify, verify_snapshot
from tests.archive.test_snapshot import _article, _capture_id, _publish


def test_a_whole_snapshot_has_no_problem_and_its_files_rows_and_retention_are_counted(
    tmp_path, warc
):
    store = open_store(tmp_path / "archive")
    ref, manifest = _publish(store, warc)
    report = verify(store, ref)
    assert report.problems == [] and verify_snapshot(store, ref) == []
    assert (report.files, report.rows) == (len(manifest.files), 4)
    assert report.retention == {"none": len(manifest.files)} and report.retained_until is None
    assert report.seal is not None and report.seal.problems == []
    assert verify(store, ref, retention=False).retention == {}


def test_a_damaged_manifest_is_the_one_problem(tmp_path, warc):
    store = open_store(tmp_path / "archive")
    ref, _ = _publish(store, warc)
    (tmp_path / "archive" / ref.prefix / layout.MANIFEST).write_bytes(b'{"snapshot": 1}')
    report = verify(store, ref)
    assert len(report.problems) == 1 and layout.MANIFEST in report.problems[0]
    assert report.files == 0 and report.seal is None


def test_a_missing_file_and_an_unlisted_one_are_named_once(tmp_path, warc):
    store = open_store(tmp_path / "archive")
    ref, manifest = _publish(store, warc)
    orient = layout.warc_key(ref.prefix, "orient")
    (tmp_path / "archive" / orient).unlink()  # rows 1, 2 and 4 point into it: named once
    store.put_bytes(ref.prefix + "notes.txt", b"left here")
    store.put_bytes(ref.prefix + "warc/" + layout.MANIFEST, b"not the manifest")
    assert sorted(verify_snapshot(store, ref)) == sorted(
        [
            f"{orient}: missing",
            f"{ref.prefix}notes.txt: in the snapshot's prefix but not in its manifest",
            f"{ref.prefix}warc/{layout.MANIFEST}: in the snapshot's prefix but not in its manifest",
        ]
    )


def test_a_row_whose_capture_is_not_where_it_points_is_named(tmp_path, warc):
    store = open_store(tmp_path / "archive")
    elsewhere = _article(5)  # its capture is in no WARC
    no_capture = {**_article(6), "capture_id": None}
    carried = {**_article(7), "carried_from": "2026-11-20 rev 1"}  # a rev that does not exist
    ref, _ = _publish(store, warc, articles=[_article(1), elsewhere, no_capture, carried])
    orient = layout.warc_key(ref.prefix, "orient")
    earlier = layout.warc_key(layout.snapshot_prefix(date(2026, 11, 20), 1), "orient")
    assert verify_snapshot(store, ref) == [
        f"row https://x/5: its capture {_capture_id(5)} is not in this snapshot's WARC {orient}",
        "row https://x/6: no capture_id",
        f"row https://x/7: 2026-11-20 rev 1's WARC {earlier} is missing",
    ]
