"""extract/timing.py: a StageClock adds each stage's CPU seconds over the pages it timed; NO_CLOCK
keeps nothing."""

from __future__ import annotations

from extract.timing import NO_CLOCK, StageClock


def _burn() -> None:
    sum(i * i for i in range(200_000))


def test_each_stage_gets_the_cpu_time_since_the_last_lap_over_every_page():
    clock = StageClock()
    for _ in range(2):
        clock.start()
        _burn()
        clock.lap("parse")
        clock.lap("metadata")  # nothing ran since the last lap
    assert clock.pages == 2 and set(clock.seconds) == {"parse", "metadata"}
    assert clock.seconds["parse"] > 0 and clock.seconds["metadata"] < clock.seconds["parse"]


def test_no_clock_keeps_nothing():
    NO_CLOCK.start()
    _burn()
    NO_CLOCK.lap("parse")
    assert NO_CLOCK.pages == 0 and dict(NO_CLOCK.seconds) == {}
