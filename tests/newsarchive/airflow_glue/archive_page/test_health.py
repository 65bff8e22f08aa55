"""The Archive page's data (newsarchive/airflow_glue/archive_page/health.py): collected from a local
archive's manifests, verified, a damaged manifest named."""

from __future__ import annotations

from datetime import date

from archive.snapshot import list_snapshots
from archive.store import open_store
from newsarchive.airflow_glue.archive_page.health import (
    collect,
)
from tests.archive.test_snapshot import _article, write_warc


def test_health_from_a_local_archive_verifies_and_names_a_damaged_manifest(tmp_path):
    from archive.snapshot import publish_snapshot

    store = open_store(tmp_path / "archive")
    for k, day in enumerate((date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22))):
        warc = write_warc(tmp_path / f"orient{k}.warc.gz", [1, 2])
        publish_snapshot(
            store, day, [_article(1), _article(2)], {"orient": warc}, run_id=f"scheduled__{day}"
        )
    damaged = list_snapshots(store)[0]
    (tmp_path / "archive" / damaged.prefix / "manifest.json").write_bytes(b"{}")
    health = collect(store)
    assert health.days[-1] == "2026-11-22" and len(health.days) == 30
    assert [p.day for p in health.outlets[0].points] == ["2026-11-21", "2026-11-22"]
    assert [s.verify for s in health.snapshots] == ["ok", "ok"] and health.snapshots[
        0
    ].run_id == "scheduled__2026-11-22"
    assert health.snapshots[0].articles == 2 and health.snapshots[0].size > 0
    assert len(health.damaged) == 1 and "2026-11-20" in health.damaged[0]
    assert health.outlets[0].last is not None and health.outlets[0].last.archived == 2
