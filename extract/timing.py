"""Where extraction's time goes: an ArticleExtractor given a StageClock adds each stage's seconds to it
(bench/bench_extraction.py prints the split). Without one it uses NO_CLOCK, whose laps cost a call."""

from __future__ import annotations

import time
from collections import defaultdict


class StageClock:
    """CPU seconds per stage (the process's), summed over the pages extracted with it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.pages = 0
        self._last = 0.0

    def start(self) -> None:
        """A page begins: the next lap is measured from now."""
        self.pages += 1
        self._last = time.process_time()

    def lap(self, stage: str) -> None:
        """The time since the last lap (or the start) was spent in `stage`."""
        now = time.process_time()
        self.seconds[stage] += now - self._last
        self._last = now


class _NoClock(StageClock):
    def start(self) -> None:
        pass

    def lap(self, stage: str) -> None:
        pass


NO_CLOCK: StageClock = _NoClock()
