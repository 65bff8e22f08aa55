"""How long each stage of a run took, in the run's own log: the code that does a stage's work times it
with `timed(stage, subject)` and logs one line, `TIMING <stage> <subject> <seconds> s`, on this module's
logger at INFO, whether the stage succeeds or fails. The same line comes from the one-shot run and from
every Airflow task's log, so `bench/bench_run.py` and an operator reading a task log see the same
figures. Publish's parts are stages named `publish.<part>`.

Stage and subject names are ours (never read from the web); `parse` reads a line back and answers None
for anything that is not one.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

logger = logging.getLogger(__name__)
_LINE = re.compile(
    r"TIMING (?P<stage>[a-z_.]{1,40}) (?P<subject>[a-z0-9_]{1,32}) (?P<s>\d+\.\d{3}) s"
)


@dataclass(frozen=True)
class StageTime:
    stage: str  # crawl, extract, dedup, publish, publish.<part>
    subject: str  # an outlet id, or "run" for a stage of the whole run
    seconds: float

    def line(self) -> str:
        return f"TIMING {self.stage} {self.subject} {self.seconds:.3f} s"

    @classmethod
    def parse(cls, line: str) -> StageTime | None:
        found = _LINE.search(line)
        if found is None:
            return None
        return cls(found["stage"], found["subject"], float(found["s"]))


@contextmanager
def timed(stage: str, subject: str = "run") -> Iterator[None]:
    """Log how long the block took (wall time), also when it raises."""
    started = time.perf_counter()
    try:
        yield
    finally:
        logger.info("%s", StageTime(stage, subject, time.perf_counter() - started).line())
