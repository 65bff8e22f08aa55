"""One extraction worker process (started by extract/batch.py as `python -m extract.worker FD`).

Reads the OutletContext, then (body, url, content_type) jobs from the socket FD, and answers each
with ("ok", Article, spent) or ("error", reason, detail, spent); None or the parent's end closing stops
it. Its address space is limited to MEMORY_MB (argv[2], RLIMIT_AS): a page that runs into the limit
(a MemoryError, or any failure once the process came within a tenth of it) is reason `memory`, and
`spent` asks the parent for a fresh worker (the high-water mark of this one is used up)."""

from __future__ import annotations

import ctypes
import logging
import pickle
import resource
import signal
import sys
from multiprocessing.connection import Connection

from common.errors import ExtractionError
from extract.batch import CRASHED, MEMORY
from extract.engine import ArticleExtractor
from extract.language import load_factory

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: killed when the parent dies, even in the middle of a page."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed socket stops us after the page
        pass


def _limit_memory(memory_mb: int) -> int:
    """RLIMIT_AS of this process (bytes), 0 where it cannot be set."""
    limit = memory_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):  # a hard limit lower already: that one holds
        return 0
    return limit


def _peak() -> int:
    """The process's peak address space (bytes), from /proc (0 elsewhere)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def serve(conn: Connection, limit: int = 0) -> None:
    extractor = ArticleExtractor(pickle.loads(conn.recv_bytes()))
    load_factory()  # langdetect's profiles, before we say we are ready
    conn.send(("ready",))
    over = f"the page needed more than {limit >> 20} MiB (the limit per worker, NEWSARCHIVE_EXTRACT_MEMORY_MB)"
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        body, url, content_type = job
        try:
            reply: tuple[object, ...] = ("ok", extractor.extract(body, url, content_type))
        except MemoryError:
            reply = ("error", MEMORY, over)
        except ExtractionError as exc:
            reply = ("error", exc.reason, exc.detail)
        except Exception as exc:  # noqa: BLE001 - the worker boundary: one page's failure, reported as its reason
            reply = (
                "error",
                CRASHED,
                f"the extractor failed on this page: {type(exc).__name__}: {exc}"[:500],
            )
        spent = bool(limit) and _peak() >= limit * 0.9
        if spent and reply[0] == "error":  # lxml reports a failed allocation as a parse error
            reply = ("error", MEMORY, over)
        conn.send((*reply, spent))


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    _die_with_parent()
    logging.basicConfig(
        level=logging.ERROR, format="%(levelname)s %(name)s (extract worker): %(message)s"
    )
    limit = _limit_memory(int(sys.argv[2])) if len(sys.argv) > 2 else 0
    serve(Connection(int(sys.argv[1])), limit)


if __name__ == "__main__":
    main()
