"""One extraction worker process (started by extract/batch.py as `python -m extract.worker FD`).

Reads the OutletContext, then (body, url, content_type) jobs from the socket FD, and answers each
with ("ok", Article) or ("error", reason, detail); None or the parent's end closing stops it."""

from __future__ import annotations

import ctypes
import logging
import pickle
import signal
import sys
from multiprocessing.connection import Connection

from common.errors import ExtractionError
from extract.batch import CRASHED
from extract.engine import ArticleExtractor
from extract.language import load_factory

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: killed when the parent dies, even in the middle of a page."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed socket stops us after the page
        pass


def serve(conn: Connection) -> None:
    extractor = ArticleExtractor(pickle.loads(conn.recv_bytes()))
    load_factory()  # langdetect's profiles, before we say we are ready
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        body, url, content_type = job
        try:
            reply: tuple[str, ...] | tuple[str, object] = (
                "ok",
                extractor.extract(body, url, content_type),
            )
        except ExtractionError as exc:
            reply = ("error", exc.reason, exc.detail)
        except Exception as exc:  # noqa: BLE001 - the worker boundary: one page's failure, reported as its reason
            reply = (
                "error",
                CRASHED,
                f"the extractor failed on this page: {type(exc).__name__}: {exc}"[:500],
            )
        conn.send(reply)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    _die_with_parent()
    logging.basicConfig(
        level=logging.ERROR, format="%(levelname)s %(name)s (extract worker): %(message)s"
    )
    serve(Connection(int(sys.argv[1])))


if __name__ == "__main__":
    main()
