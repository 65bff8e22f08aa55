"""`newsarchive health` as a Nagios-style monitor runs it (newsarchive/ops/health.py): OK, CRITICAL from the
first failed try, WARNING for a damaged record, UNKNOWN before any run, in every format (the status behind
it: test_status.py; the command's options and what keeps it from reading: tests/newsarchive/cli)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import UTC, date, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from newsarchive.ops import live_state
from outlets.registry import load_registry
from tests.archive.test_snapshot import _article, write_warc
from tests.newsarchive.ops.test_status import _record

OUTLETS = load_registry(None).active_ids
NOW = datetime(2026, 12, 6, 5, 30, tzinfo=UTC)


# -- the command, as a monitor calls it ------------------------------------------------------------
def _archive(tmp_path, days: list[date]):
    store = open_store(tmp_path / "archive")
    for k, day in enumerate(days):
        rows = [_article(10 * k + i, outlet=o) for i, o in enumerate(OUTLETS)]
        warcs = {
            o: write_warc(tmp_path / f"{o}{k}.warc.gz", [10 * k + i]) for i, o in enumerate(OUTLETS)
        }
        publish_snapshot(store, day, rows, warcs, run_id=f"scheduled__{day}")
    return store


def _health(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            code = main(["health", *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue()


def test_health_is_ok_then_critical_from_the_first_failed_try_in_every_format(tmp_path):
    today = datetime.now(UTC).date()
    store = _archive(tmp_path, [today - timedelta(days=1), today])
    archive = str(tmp_path / "archive")
    code, out = _health("--archive", archive)
    assert code == 0, out
    assert out.startswith(f"NEWSARCHIVE OK - 5 outlets ok; today {today}: complete ({today} rev 1)")
    assert out.count("\n") == 1 and "| outlets=5;;;0 failing=0;;0;0;5 " in out
    now = datetime.now(UTC)
    live_state.write(
        store,
        _record(
            "zamanalwsl",
            "retrying",
            now,
            try_number=1,
            max_tries=3,
            reason="http_500",
            message="outlet zamanalwsl: every discovery URL failed (3x http_500)",
            next_try_at=now + timedelta(minutes=2),
        ),
    )
    code, out = _health("--archive", archive)
    assert code == 2 and out.startswith(
        "NEWSARCHIVE CRITICAL - 1 outlet failing: zamanalwsl (crawl"
    )
    assert "http_500, retrying: try 1 of 3, next try" in out and "failing=1;;0;0;5" in out
    code, out = _health("--archive", archive, "--format", "json")
    data = json.loads(out)
    assert code == 2 and data["state"] == "CRITICAL" and data["perfdata"]["failing"] == 1
    z = next(o for o in data["status"]["outlets"] if o["outlet"] == "zamanalwsl")
    assert z["state"] == "retrying" and z["reason"] == "http_500" and z["next_try_at"]
    code, out = _health("--archive", archive, "--format", "prometheus")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    assert code == 2
    assert (
        samples[("newsarchive_outlet_state", (("outlet", "zamanalwsl"), ("state", "retrying")))]
        == 1
    )
    assert samples[("newsarchive_outlet_state", (("outlet", "orient"), ("state", "ok")))] == 1
    assert samples[("newsarchive_health_state", ())] == 2
    assert samples[("newsarchive_today_complete", ())] == 1


def test_a_damaged_record_warns(tmp_path):
    today = datetime.now(UTC).date()
    store = _archive(tmp_path, [today])
    store.put_bytes("ops/live/outlet=orient.json", b"{", overwrite=True)
    code, out = _health("--archive", str(tmp_path / "archive"))
    assert code == 1 and out.startswith("NEWSARCHIVE WARNING - damaged: live state")


def test_an_archive_nothing_has_run_on_is_unknown(tmp_path):
    (tmp_path / "archive").mkdir()
    code, out = _health("--archive", str(tmp_path / "archive"))
    assert code == 3 and "no run has written to this archive yet" in out


def test_an_archive_whose_runs_stopped_before_the_window_is_critical_not_unknown(tmp_path):
    """No snapshot in the last `stale_days` days and no live record (runs by `newsarchive run`): the
    outlets are stale. It once said UNKNOWN "no run has written to this archive yet"."""
    today = datetime.now(UTC).date()
    _archive(tmp_path, [today - timedelta(days=5)])
    code, out = _health("--archive", str(tmp_path / "archive"), "--stale-days", "2")
    assert code == 2 and out.startswith(
        "NEWSARCHIVE CRITICAL - stale (no complete snapshot in 2 days): anapress"
    )
    # last complete before the window read: not «never», which the archive does not show
    assert f"anapress (last complete: none since {today - timedelta(days=2)})" in out
