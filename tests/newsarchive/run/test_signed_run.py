"""`newsarchive run` with a signing key and a TSA configured, over the replica: the published snapshot is
signed and timestamped, and a run while the TSA is down still publishes, its token added later by
`snapshots timestamp` (the run lifecycle's publish, as the DAG's publish task calls it)."""

import json

import pytest

from archive import layout
from archive.snapshot import list_snapshots
from archive.store import open_store
from newsarchive.cli.main import main
from tests.conftest import RUN_DAY
from tests.tsa import LocalTSA, write_key

pytestmark = pytest.mark.slow  # pipeline runs


def test_a_run_publishes_a_signed_timestamped_snapshot_and_survives_a_tsa_outage(
    replica, tmp_path, monkeypatch, capsys
):
    archive = str(tmp_path / "archive")
    key = write_key(tmp_path / "signing.pem", "ed25519")
    with LocalTSA() as tsa:
        monkeypatch.setenv("NEWSARCHIVE_HOST_MAP", json.dumps(replica.host_map))
        monkeypatch.setenv("NEWSARCHIVE_SIGNING_KEY", str(key))
        monkeypatch.setenv("NEWSARCHIVE_TSA_URL", tsa.url)
        monkeypatch.setenv("NEWSARCHIVE_TSA_CA", str(tsa.ca_pem))
        run = ["run", "--archive", archive, "--date", RUN_DAY.isoformat(), "--outlet", "orient"]
        assert main([*run, "--max-articles", "3"]) in (0, 1)  # 1: a quality note on a tiny run
        capsys.readouterr()
        assert main(["snapshots", "verify", RUN_DAY.isoformat(), "--archive", archive]) == 0
        out = capsys.readouterr().out
        assert "0 problems" in out and "signed by ed25519 key SHA256:" in out
        assert "by CN=Test TSA" in out and "TSA chain checked" in out

        tsa.down = (
            True  # the TSA is out while the day is run again: the snapshot is published anyway
        )
        assert main([*run, "--max-articles", "5"]) in (0, 1)
        tsa.down = False
        store = open_store(archive)
        ref = list_snapshots(store)[-1]
        assert ref.rev == 2 and store.exists(ref.prefix + layout.TIMESTAMP_PENDING)
        capsys.readouterr()
        assert main(["snapshots", "verify", RUN_DAY.isoformat(), "--archive", archive]) == 0
        assert "timestamp pending: NEWSARCHIVE_TSA_URL=" in capsys.readouterr().out
        assert main(["snapshots", "timestamp", RUN_DAY.isoformat(), "--archive", archive]) == 0
        assert main(["snapshots", "verify", RUN_DAY.isoformat(), "--archive", archive]) == 0
        out = capsys.readouterr().out
        assert "added after publish (timestamps/date=2026-11-21/rev=2/manifest.tsr)" in out
