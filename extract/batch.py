"""Extraction of many pages with a time limit per page.

A hostile page (2 MB with 200,000 attributes) keeps lxml and trafilatura busy for tens of seconds, and
a signal cannot interrupt a worker thread (the one-shot run extracts outlets in threads). So pages are
extracted in worker processes (`python -m extract.worker`, a fresh interpreter: safe to start from a
threaded parent, and unlike multiprocessing's spawn and forkserver it never imports the parent's
`__main__` again, be it Airflow or a test runner): a worker still busy past its page's deadline is
killed and replaced, and that page gets reason `timeout`; a worker that dies (a crash in a C library,
the kernel's OOM killer) costs only its page (`crashed`). Each worker's address space is limited
(RLIMIT_AS, `memory_mb`): a page that needs more gets reason `memory`, and the worker that came near its
limit is replaced by a fresh one after that page.

Results come back in input order and as a stream: at most `2 × workers` pages are read ahead of the
one the caller is waiting for, so memory stays bounded however many pages there are. Workers start
only when there is work for them, one at a time, and each builds its ArticleExtractor once. A worker
takes 0.5-1 s to start (Python, trafilatura, lxml) while a news page takes 20-50 ms, so a further worker
(up to `workers`) starts only when every started one is ready and the pool has already worked
GROW_AFTER_STARTUPS times as long as a start-up took: a day's few dozen pages of one outlet are done by
one worker before a second would be ready (two starting at once on a busy machine took twice as long
as one), while a long batch or a slow page still gets the parallel workers.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.errors import ExtractionError, NewsArchiveError
from extract.models import Article

if TYPE_CHECKING:  # the engine (trafilatura, lxml) is imported by the workers only
    from extract.engine import OutletContext

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0  # per page; NEWSARCHIVE_EXTRACT_TIMEOUT_S (newsarchive.config.Settings)
DEFAULT_MEMORY_MB = 1024  # address space per worker (RLIMIT_AS); NEWSARCHIVE_EXTRACT_MEMORY_MB
TIMEOUT = "timeout"
CRASHED = "crashed"
MEMORY = "memory"
RETRIED = (
    TIMEOUT,
    CRASHED,
    MEMORY,
)  # another try may succeed: counted, given up after MAX_ATTEMPTS
READ_AHEAD_PER_WORKER = 2
GROW_AFTER_STARTUPS = 2.0
_PROJECT = str(Path(__file__).resolve().parents[1])  # where `extract` is importable from
# a worker parses hostile pages: it gets no credentials (AWS_*, Airflow connections), only these
_ENV_KEPT = {"PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "TZ", "VIRTUAL_ENV"}


class WorkerStartError(NewsArchiveError, RuntimeError):
    """Worker processes die before they are ready: extraction cannot run on this machine."""

    reason = "worker_start"


@dataclass(frozen=True)
class Page:
    """One document to extract; `source` is the caller's label (a file name, a WARC record id)."""

    body: bytes | str
    url: str
    content_type: str | None = None
    source: str = ""


class _Worker:
    def __init__(self, context: OutletContext, memory_mb: int):
        ours, theirs = socket.socketpair()
        env = {
            k: v for k, v in os.environ.items() if k in _ENV_KEPT or k.startswith(("LC_", "PYTHON"))
        }
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PROJECT, os.environ.get("PYTHONPATH")]))
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "extract.worker", str(theirs.fileno()), str(memory_mb)],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=False,
            )
        self.conn = Connection(ours.detach())
        self.conn.send_bytes(pickle.dumps(context))
        self.started = time.monotonic()
        self.ready = False
        self.job: int | None = None
        self.sent = self.deadline = 0.0

    def send(self, seq: int, page: Page, timeout_s: float) -> bool:
        try:
            self.conn.send((page.body, page.url, page.content_type))
        except OSError:  # it died meanwhile; its EOF is seen next
            return False
        self.sent = time.monotonic()
        self.job, self.deadline = seq, self.sent + timeout_s
        return True

    def stop(self, *, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                kill = True
        if not kill:
            try:
                self.process.wait(1.0)
            except subprocess.TimeoutExpired:
                kill = True
        if kill:
            self.process.kill()
        self.process.wait()
        self.conn.close()


def extract_pages(
    context: OutletContext,
    pages: Iterable[Page],
    *,
    workers: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> Iterator[tuple[Page, Article | ExtractionError]]:
    """(page, Article or ExtractionError) for each page, in input order; a page still being extracted
    after `timeout_s` seconds gets ExtractionError reason `timeout`, one whose worker died `crashed`, one
    that needed more than `memory_mb` MiB of address space (each worker's RLIMIT_AS) `memory`.
    `workers` defaults to the number of CPUs."""
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, not {timeout_s}")
    if memory_mb <= 0:
        raise ValueError(f"memory_mb must be positive, not {memory_mb}")
    size = max(1, workers or os.cpu_count() or 1)
    pool: list[_Worker] = []
    results: dict[int, list[Any]] = {}  # seq -> [page, result or None]
    waiting: deque[int] = deque()  # read, not yet sent to a worker
    source = iter(pages)
    exhausted = False
    read = emitted = 0
    failed_starts = 0
    startup_s = 0.0  # the longest start-up of a worker seen in this pool
    done_s = 0.0  # seconds workers spent on pages that are done

    def finish(seq: int, result: Article | ExtractionError) -> None:
        results[seq][1] = result

    def worked_s(now: float) -> float:
        return done_s + sum(now - w.sent for w in pool if w.job is not None)

    def may_grow() -> bool:
        return bool(waiting) and len(pool) < size and all(w.ready for w in pool)

    def replace(worker: _Worker, *, kill: bool) -> None:
        worker.stop(kill=kill)
        pool.remove(worker)

    try:
        while True:
            while not exhausted and read - emitted < size * READ_AHEAD_PER_WORKER:
                try:
                    page = next(source)
                except StopIteration:
                    exhausted = True
                    break
                results[read] = [page, None]
                waiting.append(read)
                read += 1
            idle = [w for w in pool if w.job is None]
            if waiting and (
                not pool
                or (
                    may_grow()
                    and not idle
                    and worked_s(time.monotonic()) >= GROW_AFTER_STARTUPS * startup_s
                )
            ):
                worker = _Worker(context, memory_mb)
                pool.append(worker)
                idle.append(worker)
            for worker in idle:
                if worker.ready and waiting:
                    seq = waiting[0]
                    if worker.send(seq, results[seq][0], timeout_s):
                        waiting.popleft()
            while emitted in results and results[emitted][1] is not None:
                page, result = results.pop(emitted)
                emitted += 1
                yield page, result
            if emitted == read:  # nothing in flight: read more, or the input is done
                if exhausted:
                    return
                continue
            busy = [w for w in pool if w.job is not None]
            now = time.monotonic()
            wait_s = max(0.0, min(w.deadline for w in busy) - now) if busy else None
            if (
                busy and may_grow()
            ):  # wake up when the pool has worked long enough to start another worker
                grow_s = max(0.0, (GROW_AFTER_STARTUPS * startup_s - worked_s(now)) / len(busy))
                wait_s = grow_s if wait_s is None else min(wait_s, grow_s)
            ready = set(wait([w.conn for w in pool], wait_s))
            now = time.monotonic()
            for worker in list(pool):
                if worker.conn in ready:
                    try:
                        message = worker.conn.recv()
                    except (EOFError, OSError):
                        message = None
                    if message is None:  # the process died
                        if not worker.ready:
                            failed_starts += 1
                            if failed_starts >= 3:
                                raise WorkerStartError(
                                    f"extraction workers die on start (exit code "
                                    f"{worker.process.poll()}; is the limit of {memory_mb} MiB per "
                                    "worker, NEWSARCHIVE_EXTRACT_MEMORY_MB, too low?)"
                                )
                        elif worker.job is not None:
                            finish(
                                worker.job,
                                ExtractionError(
                                    CRASHED,
                                    f"the extraction worker died (exit code {worker.process.poll()})",
                                ),
                            )
                            done_s += now - worker.sent
                        replace(worker, kill=True)
                        continue
                    if message[0] == "ready":
                        worker.ready = True
                        failed_starts = 0
                        startup_s = max(startup_s, now - worker.started)
                    elif worker.job is not None:
                        finish(
                            worker.job,
                            message[1]
                            if message[0] == "ok"
                            else ExtractionError(message[1], message[2]),
                        )
                        done_s += now - worker.sent
                        worker.job = None
                        if message[-1] is True:  # near its memory limit: a fresh one goes on
                            replace(worker, kill=False)
                            continue
                if worker.job is not None and now >= worker.deadline:
                    page = results[worker.job][0]
                    logger.info(
                        "extraction of %s took over %ss; worker killed",
                        page.source or page.url,
                        timeout_s,
                    )
                    finish(
                        worker.job,
                        ExtractionError(
                            TIMEOUT,
                            f"extraction took over {timeout_s:g} s (the limit "
                            "per page, NEWSARCHIVE_EXTRACT_TIMEOUT_S)",
                        ),
                    )
                    done_s += now - worker.sent
                    replace(worker, kill=True)
    finally:
        for worker in pool:
            worker.stop(kill=worker.job is not None)
