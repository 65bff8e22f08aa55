"""How the edges answer an error, in one place. Every error of ours derives from common.errors'
NewsArchiveError (with a `reason` code); the CLI turns an exception into an exit code here, and the DAG's
task bodies (newsarchive/airflow_glue/tasks.py) into a retry or a failure for good here."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from common.errors import NewsArchiveError
from common.resources import exhausted

EXIT_ERROR = 2  # an error of ours: one line on stderr, no traceback
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_BROKEN_PIPE = (
    141  # the reader went away (`newsarchive extract ... | head`): not an error of ours
)


def exit_code_for(exc: BaseException) -> int | None:
    """The CLI's exit code for `exc`; None for anything else (a bug: it goes on, with its traceback)."""
    if isinstance(exc, NewsArchiveError):
        return EXIT_ERROR
    if isinstance(exc, BrokenPipeError):
        return EXIT_BROKEN_PIPE
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return None


def fails_for_good(exc: BaseException) -> bool:
    """A task that raised `exc` fails without its retries: running it again cannot change the outcome."""
    return isinstance(exc, NewsArchiveError) and not exc.retryable


def as_ours(exc: BaseException, written: Iterable[str | Path | None] = ()) -> BaseException:
    """`exc`, or the error of ours it means: a disk or memory that ran out is ResourceExhausted naming the
    resource and the path (`written`: where the work wrote, most likely first)."""
    return exhausted(exc, written) or exc
