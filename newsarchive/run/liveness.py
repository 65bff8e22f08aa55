"""Whether a run is alive, so `newsarchive gc` never removes the staging of a run still working on it.

A process working on a run beats a heartbeat into the run's own staging (`archive.layout.heartbeat_key`:
its host, pid and process start, the time of the beat) every HEARTBEAT_S while it works. A run is alive
while
- its heartbeat's process is running (same host: the pid with the same start time), or
- its heartbeat is younger than LEASE and its process cannot be asked (another host), or outlives its
  tasks (an Airflow task's: the run goes on in the next task, maybe after a retry's delay), or
- it holds the claim of a rev it is publishing whose publisher is not gone (archive.snapshot.owner_gone).
A `newsarchive run` beats for the whole run (its process is the run: once it is gone the run is dead);
each Airflow task beats while it runs, with the lease covering the time between its tasks.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from archive import layout
from archive.store import Store, StoreError, open_store
from common import decode
from common.errors import DamagedObject, ObjectNotFound
from newsarchive.config import Settings
from newsarchive.run.runs import RunRef
from newsarchive.run.scratch import start_time

if TYPE_CHECKING:
    from newsarchive.run.pipeline import RunResult

logger = logging.getLogger(__name__)
HEARTBEAT_S = 30.0
LEASE = timedelta(hours=1)  # longer than the DAG's longest retry delay (30 min)


@dataclass(frozen=True)
class Heartbeat:
    host: str
    pid: int
    start: str  # the process's start time (/proc), so a reused pid is told apart
    beat_at: str  # ISO 8601, UTC
    process_bound: bool  # True: the run lives exactly as long as this process (`newsarchive run`)

    def to_bytes(self) -> bytes:
        return json.dumps(self.__dict__).encode()

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Heartbeat:
        """The heartbeat's one decoder; DamagedObject naming it."""
        try:
            f = decode.Fields(decode.json_value(data))
            beat = cls(
                host=f.get("host", lambda v, w: decode.text(v, w, limit=255)),
                pid=f.get("pid", lambda v, w: decode.whole(v, w, low=1, high=2**31 - 1)),
                start=f.get("start", lambda v, w: decode.text(v, w, limit=32)),
                beat_at=f.get("beat_at", decode.moment),
                process_bound=f.get("process_bound", _flag),
            )
            if datetime.fromisoformat(beat.beat_at).tzinfo is None:
                raise decode.Malformed("beat_at", "has no UTC offset")
            return beat
        except decode.Malformed as exc:
            raise DamagedObject(
                f"{where} is damaged ({exc}); it only tells whether its run is alive: `newsarchive gc` "
                "treats the run by the age of its staging"
            ) from None

    def alive(self, now: datetime) -> bool:
        if self.host == socket.gethostname() and (self.process_bound or self._running()):
            return self._running()
        return now - datetime.fromisoformat(self.beat_at) < LEASE

    def _running(self) -> bool:
        return start_time(self.pid) == self.start


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise decode.Malformed(where, "expected true or false")
    return value


def _beat(store: Store, run: RunRef, process_bound: bool) -> None:
    beat = Heartbeat(
        host=socket.gethostname(),
        pid=os.getpid(),
        start=start_time(os.getpid()) or "",
        beat_at=datetime.now(UTC).isoformat(timespec="seconds"),
        process_bound=process_bound,
    )
    try:
        store.put_bytes(layout.heartbeat_key(run.staging), beat.to_bytes(), overwrite=True)
    except StoreError as exc:  # a missed beat costs nothing but gc's certainty
        logger.warning("run %s: heartbeat not written (%s)", run.run_id, exc)


@contextmanager
def beating(store: Store, run: RunRef, *, process_bound: bool) -> Iterator[None]:
    """Beat the run's heartbeat while the block runs. Afterwards the last beat stays (a task's run goes
    on), unless the run's staging is gone meanwhile (published and cleaned up): then it goes too."""
    stop = threading.Event()

    def beat_until_stopped() -> None:
        while not stop.wait(HEARTBEAT_S):
            _beat(store, run, process_bound)

    _beat(store, run, process_bound)
    thread = threading.Thread(target=beat_until_stopped, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)  # a beat stuck on a store that is down never holds the run up
        try:
            if [info.key for info in store.list(run.staging)] == [
                layout.heartbeat_key(run.staging)
            ]:
                store.delete_prefix(run.staging)
        except StoreError as exc:
            logger.warning("run %s: heartbeat left for gc (%s)", run.run_id, exc)


def task_beating(settings: Settings, run: RunRef) -> contextlib.AbstractContextManager[None]:
    """An Airflow task's heartbeat: the run goes on after the task (LEASE covers the time between)."""
    return beating(open_store(settings.archive), run, process_bound=False)


def run_while_beating(
    settings: Settings, day: date, outlet_ids: list[str] | None = None, **kwargs: Any
) -> RunResult:
    """`newsarchive run` (and `demo`, `outlets capture`): the whole run under one heartbeat, bound to this
    process (the run is this process: once it is gone, gc may take its staging)."""
    from newsarchive.run.lifecycle import preflight
    from newsarchive.run.pipeline import run_pipeline

    store = preflight(settings)  # what would stop it publishing, named before anything is crawled
    run = RunRef.new_cli(day)
    with beating(store, run, process_bound=True):
        return run_pipeline(settings, day, outlet_ids, run, **kwargs)


def alive_because(store: Store, staging: str, keys: set[str], now: datetime) -> str | None:
    """Why the run of this staging prefix is alive (its heartbeat), or None."""
    key = layout.heartbeat_key(staging)
    if key not in keys:
        return None
    try:
        beat = Heartbeat.from_bytes(store.get_bytes(key), f"{store.url}/{key}")
    except ObjectNotFound:
        return None
    except DamagedObject as exc:
        logger.warning("%s", exc)
        return None
    if not beat.alive(now):
        return None
    return f"its process {beat.pid} on {beat.host} beat at {beat.beat_at}"
