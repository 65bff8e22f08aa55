"""The live records a task's tries write (ops/live/ in the archive): one codec that reads them as
hostile, and how a record goes from one try to the next."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from archive import layout
from archive.store import open_store
from newsarchive.ops import live_state
from newsarchive.ops.live_state import DamagedLiveState, LiveState, transition

T0 = datetime(2026, 12, 6, 3, 0, 0, tzinfo=UTC)


def _retrying() -> LiveState:
    return transition(
        None,
        subject="zamanalwsl",
        day="2026-12-06",
        run_id="scheduled__2026-12-06T03:00:00+00:00",
        stage="crawl",
        state="retrying",
        when=T0,
        try_number=1,
        max_tries=3,
        reason="http_500",
        message="outlet zamanalwsl: every discovery URL failed (3x http_500)",
        next_try_at=T0 + timedelta(minutes=2),
        ended=("crawl", T0 - timedelta(seconds=4)),
        counts={"discovered": 0, "fetched": 0},
        failed={"http_500": 3},
    )


def test_a_record_reads_back_as_written_and_lands_under_its_outlets_key(tmp_path):
    store = open_store(tmp_path / "archive")
    record = _retrying()
    live_state.write(store, record)
    assert store.exists(layout.live_outlet_key("zamanalwsl"))
    assert live_state.read(store, "zamanalwsl") == record
    assert record.durations == {"crawl": 4.0} and record.failing
    found, damaged = live_state.read_all(store)
    assert found == {"zamanalwsl": record} and damaged == []


@pytest.mark.parametrize(
    "change, named",
    [
        ({"version": 2}, "version 1"),
        ({"subject": "../../etc"}, "subject"),
        ({"stage": "rm -rf"}, "stage"),
        ({"state": "fine"}, "state"),
        ({"day": "2026-13-01"}, "day"),
        ({"run_id": "a b\n"}, "run_id"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"next_try_at": "2026-12-06T03:02:00"}, "next_try_at"),  # no offset: ambiguous
        ({"try_number": -1}, "try_number"),
        ({"try_number": True}, "try_number"),
        ({"reason": "<!channel>"}, "reason"),
        ({"message": "x" * 5000}, "message"),
        ({"counts": {"fetched": -3}}, "counts"),
        ({"counts": {"fetched": 1.5}}, "counts"),
        ({"failed": {"http_500": float("nan")}}, "failed"),
        ({"durations": [1, 2]}, "durations"),
    ],
)
def test_a_damaged_or_hostile_record_is_named_never_trusted(change, named):
    data = json.loads(_retrying().to_json())
    data.update(change)
    with pytest.raises(DamagedLiveState, match=named) as caught:
        LiveState.from_json(json.dumps(data).encode(), "ops/live/outlet=zamanalwsl.json")
    assert "ops/live/outlet=zamanalwsl.json" in str(caught.value)


def test_read_all_skips_and_names_what_it_cannot_trust(tmp_path):
    store = open_store(tmp_path / "archive")
    live_state.write(store, _retrying())
    store.put_bytes(layout.live_outlet_key("orient"), b"\x00not json", overwrite=True)
    store.put_bytes(layout.live_outlet_key("anapress"), _retrying().to_json(), overwrite=True)
    store.put_bytes(layout.LIVE_PREFIX + "notes.txt", b"ignored", overwrite=True)
    found, damaged = live_state.read_all(store)
    assert list(found) == ["zamanalwsl"]
    assert len(damaged) == 2
    assert any("outlet=orient.json: not JSON" in d for d in damaged)
    assert any("outlet=anapress.json: names zamanalwsl" in d for d in damaged)
    assert not any("notes.txt" in d for d in damaged)


def test_durations_and_counts_carry_within_a_run_and_start_afresh_with_the_next():
    first = _retrying()
    later = T0 + timedelta(minutes=3)
    done = transition(
        first,
        subject="zamanalwsl",
        day=first.day,
        run_id=first.run_id,
        stage="extract",
        state="running",
        when=later,
        ended=("crawl", later - timedelta(seconds=10)),
    )
    assert done.durations == {"crawl": 10.0} and done.counts == first.counts
    assert done.reason == "" and done.next_try_at is None
    tomorrow = transition(
        done,
        subject="zamanalwsl",
        day="2026-12-07",
        run_id="scheduled__2026-12-07T03:00:00+00:00",
        stage="crawl",
        state="running",
        when=later + timedelta(days=1),
    )
    assert tomorrow.durations == {} and tomorrow.counts == {}
