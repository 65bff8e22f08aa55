"""The status behind `newsarchive health` and the Archive page (newsarchive/ops/status.py): each outlet's
latest run of any date and its state, a failed try shown at once with its cause, stale and lost outlets,
the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from archive.records import Gap, Manifest, OutletCounts
from archive.snapshot import SnapshotRef
from newsarchive.ops import live_state
from newsarchive.ops.live_state import transition
from newsarchive.ops.status import compute
from outlets.registry import load_registry

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
    assert status.outlet("anapress").describe() == "stale (last complete snapshot: 2026-12-02)"
    # last complete before the days read: how far back none was found, not «never»
    older = compute([], {}, OUTLETS, now=NOW, stale_days=2, first_day="2026-11-01")
    assert older.outlet("anapress").describe() == (
        "stale (last complete snapshot: none since 2026-12-04)"
    )


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


def test_a_new_archive_has_no_stale_outlet_until_it_is_older_than_stale_days():
    young = [_manifest("2026-12-06", "scheduled__6", "2026-12-06T03:04:00+00:00")]
    status = compute(young, {}, OUTLETS, now=NOW, stale_days=2)
    assert not status.stale
    old = compute(young, {}, OUTLETS, now=NOW, stale_days=2, first_day="2026-11-01")
    assert not old.stale  # each outlet is complete today
    nothing_yet = compute([], {}, OUTLETS, now=NOW, stale_days=2, first_day="2026-11-01")
    assert {o.outlet for o in nothing_yet.stale} == set(OUTLETS)
