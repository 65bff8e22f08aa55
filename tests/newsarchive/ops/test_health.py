"""`newsarchive health` as a Nagios-style monitor runs it, and the status behind it (newsarchive/ops/
status.py): each outlet's latest run of any date and its state, today's snapshot, the canary, the deadline."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import UTC, date, datetime, time, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from archive.records import Gap, Manifest, OutletCounts
from archive.snapshot import SnapshotRef, publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from newsarchive.ops import live_state
from newsarchive.ops.live_state import transition
from newsarchive.ops.status import compute
from outlets.registry import load_registry
from tests.archive.test_snapshot import _article, write_warc

OUTLETS = load_registry(None).active_ids
NOW = datetime(2026, 12, 6, 5, 30, tzinfo=UTC)


def _manifest(day: str, run_id: str, created: str, **gaps: Gap) -> tuple[SnapshotRef, Manifest]:
    outlets = {
        o: OutletCounts(status="gap", gap=gaps[o]) if o in gaps else OutletCounts(archived=3, new=3)
        for o in OUTLETS
    }
    manifest = Manifest(day, 1, created, run_id, "newsarchive", "", outlets, [])
    return SnapshotRef(day, 1), manifest


def _record(outlet: str, state: str, when: datetime, **kw) -> live_state.LiveState:
    return transition(
        None,
        subject=outlet,
        day=kw.pop("day", when.date().isoformat()),
        run_id=kw.pop("run_id", "manual__today"),
        stage=kw.pop("stage", "crawl"),
        state=state,
        when=when,
        **kw,
    )


def test_a_failed_try_shows_at_once_with_its_cause_and_next_try():
    manifests = [_manifest("2026-12-05", "scheduled__5", "2026-12-05T03:04:00+00:00")]
    live = {
        "zamanalwsl": _record(
            "zamanalwsl",
            "retrying",
            NOW - timedelta(seconds=20),
            try_number=1,
            max_tries=3,
            reason="http_500",
            message="outlet zamanalwsl: every discovery URL failed (3x http_500)",
            next_try_at=NOW + timedelta(seconds=100),
        ),
        "orient": _record("orient", "running", NOW - timedelta(seconds=5), stage="extract"),
    }
    status = compute(manifests, live, OUTLETS, now=NOW, stale_days=2)
    z = status.outlet("zamanalwsl")
    assert (z.state, z.stage, z.reason, z.day) == ("retrying", "crawl", "http_500", "2026-12-06")
    assert z.next_try_at == "2026-12-06T05:31:40+00:00" and z.last_complete_day == "2026-12-05"
    assert z.describe() == "crawl http_500, retrying: try 1 of 3, next try 05:31:40Z"
    assert status.outlet("orient").state == "running"
    assert {o.outlet for o in status.outlets if o.state == "ok"} == set(OUTLETS) - {
        "zamanalwsl",
        "orient",
    }
    assert status.today.state == "missing" and status.canary.passed is True


def test_the_latest_run_of_any_date_wins_not_the_newest_date():
    """A rerun of an older day that failed is the outlet's latest run: the page must not say ok."""
    newer_day = _manifest("2026-12-05", "scheduled__5", "2026-12-05T03:04:00+00:00")
    older_day_rerun = _manifest(
        "2026-12-03",
        "manual__rerun",
        "2026-12-05T09:00:00+00:00",
        zamanalwsl=Gap("crawl", "http_500", "every discovery URL failed"),
    )
    status = compute([older_day_rerun, newer_day], {}, OUTLETS, now=NOW, stale_days=2)
    z = status.outlet("zamanalwsl")
    assert (z.state, z.day, z.run_id, z.reason) == (
        "failed",
        "2026-12-03",
        "manual__rerun",
        "http_500",
    )
    assert z.last_complete_day == "2026-12-05" and not z.stale


def test_stale_lost_and_a_live_record_older_than_the_snapshot():
    manifests = [_manifest("2026-12-02", "scheduled__2", "2026-12-02T03:04:00+00:00")]
    live = {
        # a try that said "running" five hours ago: its task died or Airflow was stopped
        "orient": _record("orient", "running", NOW - timedelta(hours=5), day="2026-12-06"),
        # older than the snapshot that followed it: the snapshot wins
        "anapress": _record(
            "anapress", "retrying", datetime(2026, 12, 2, 3, 1, tzinfo=UTC), reason="dns"
        ),
    }
    status = compute(manifests, live, OUTLETS, now=NOW, stale_days=2)
    orient = status.outlet("orient")
    assert (orient.state, orient.reason) == ("failed", "lost") and "no word" in orient.message
    assert status.outlet("anapress").state == "stale"  # its run published; nothing since 2 Dec
    assert {o.outlet for o in status.stale} == set(OUTLETS)


def test_the_deadline_is_missed_only_past_it_and_while_today_is_not_complete():
    today = _manifest("2026-12-06", "scheduled__6", "2026-12-06T03:04:00+00:00")
    gap = _manifest(
        "2026-12-06", "scheduled__6", "2026-12-06T03:04:00+00:00", orient=Gap("crawl", "dns", "x")
    )
    at = time(5, 0)
    assert (
        compute([today], {}, OUTLETS, now=NOW, stale_days=2, deadline=at).deadline_missed is False
    )
    missed = compute([gap], {}, OUTLETS, now=NOW, stale_days=2, deadline=at)
    assert missed.deadline_missed and missed.today.gaps == ("orient",)
    early = compute([gap], {}, OUTLETS, now=NOW, stale_days=2, deadline=time(6, 0))
    assert not early.deadline_missed and early.deadline == "2026-12-06T06:00:00+00:00"


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


def test_a_damaged_record_warns_and_what_keeps_the_check_from_reading_is_unknown(
    tmp_path, monkeypatch
):
    today = datetime.now(UTC).date()
    store = _archive(tmp_path, [today])
    store.put_bytes("ops/live/outlet=orient.json", b"{", overwrite=True)
    code, out = _health("--archive", str(tmp_path / "archive"))
    assert code == 1 and out.startswith("NEWSARCHIVE WARNING - damaged: live state")
    code, out = _health("--archive", str(tmp_path / "nowhere"))
    assert code == 3 and out.startswith("NEWSARCHIVE UNKNOWN - cannot read the archive: archive")
    assert out.count("\n") == 1
    monkeypatch.setenv("NEWSARCHIVE_STALE_DAYS", "0")
    code, out = _health("--archive", str(tmp_path / "archive"))
    assert code == 3 and "NEWSARCHIVE_STALE_DAYS='0'" in out
    monkeypatch.delenv("NEWSARCHIVE_STALE_DAYS")
    code, out = _health("--archive", str(tmp_path / "empty-but-there"))
    assert code == 3


@pytest.mark.parametrize(
    "args", [["--stale-days", "0"], ["--deadline", "25:00"], ["--format", "xml"]]
)
def test_a_bad_argument_is_unknown_in_one_line(args, capsys):
    with pytest.raises(SystemExit) as done:
        main(["health", *args])
    err = capsys.readouterr().err
    assert done.value.code == 3 and err.count("\n") == 1 and "newsarchive health: error:" in err


def test_an_archive_nothing_has_run_on_is_unknown(tmp_path):
    (tmp_path / "archive").mkdir()
    code, out = _health("--archive", str(tmp_path / "archive"))
    assert code == 3 and "no run has written to this archive yet" in out


def test_a_new_archive_has_no_stale_outlet_until_it_is_older_than_stale_days():
    young = [_manifest("2026-12-06", "scheduled__6", "2026-12-06T03:04:00+00:00")]
    status = compute(young, {}, OUTLETS, now=NOW, stale_days=2)
    assert not status.stale
    old = compute(young, {}, OUTLETS, now=NOW, stale_days=2, first_day="2026-11-01")
    assert not old.stale  # each outlet is complete today
    nothing_yet = compute([], {}, OUTLETS, now=NOW, stale_days=2, first_day="2026-11-01")
    assert {o.outlet for o in nothing_yet.stale} == set(OUTLETS)
