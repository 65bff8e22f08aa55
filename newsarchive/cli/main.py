"""newsarchive: crawl news outlets, extract the story, deduplicate, keep dated verifiable snapshots.

Every stage runs from here through the same functions the DAG calls. `newsarchive COMMAND --help`
describes a command; the docs (docs/) have a guide per kind of user."""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import sys

from common.escape import terminal, visible
from newsarchive import __version__
from newsarchive.cli import args as cli_args
from newsarchive.errors import as_ours, exit_code_for
from newsarchive.variables import environment

logger = logging.getLogger("newsarchive")
# the command modules (newsarchive/cli/<name>.py), each with one `register(sub)`, in the order of --help
COMMAND_MODULES = (
    "pipeline",
    "files",
    "snapshots",
    "captures",
    "history",
    "replay",
    "query",
    "dataset",
    "search",
    "outlets",
    "reextract",
    "settings",
    "health",
)


def build_parser() -> argparse.ArgumentParser:
    parser = cli_args.OneLineParser(
        prog="newsarchive",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"newsarchive {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name in COMMAND_MODULES:
        importlib.import_module(f"newsarchive.cli.{name}").register(sub)
    return parser


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """The parser, built once per process (about 10 ms of argparse): `main` runs many times in one
    process in the tests and the docs' runner. Parsing leaves it as it was (an `append` default is
    copied, never appended to)."""
    return build_parser()


class VisibleFormatter(logging.Formatter):
    """The CLI's log lines as a terminal shows them: a message quoting a page, a URL or a damaged file
    (its bytes in an exception's text) carries no control character or bidi override
    (common.escape.visible), whichever logger wrote it."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record))


def log_handler() -> logging.Handler:
    """Where the CLI logs: standard error, through VisibleFormatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(VisibleFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    return handler


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, handlers=[log_handler()]
    )
    from newsarchive.run import scratch

    scratch.enter()
    try:
        if not getattr(
            args, "reports_settings_itself", False
        ):  # `health`: a wrong setting is UNKNOWN (3)
            environment()  # every NEWSARCHIVE_* variable checked before anything runs (variables.py)
        cli_args.check_range(args)
        return int(args.func(args))
    except (Exception, KeyboardInterrupt) as caught:
        exc = as_ours(caught, _written(args))  # a full disk, memory run out: one line too
        code = exit_code_for(exc)  # newsarchive/errors.py: the one mapping of errors to exit codes
        if code is None:
            raise caught
        if isinstance(exc, BrokenPipeError):
            os.dup2(
                os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno()
            )  # no second error at exit
        elif isinstance(exc, KeyboardInterrupt):
            print("newsarchive: interrupted", file=sys.stderr)
        else:
            print(
                f"newsarchive: error: {terminal('; '.join(str(exc).splitlines()))}", file=sys.stderr
            )
        return code


def _written(args: argparse.Namespace) -> list[str | None]:
    """Where a command writes: its output, its destination, the archive."""
    return [
        getattr(args, "out", None),
        getattr(args, "dest", None),
        getattr(args, "archive", None) or os.environ.get("NEWSARCHIVE_ARCHIVE"),
    ]


if __name__ == "__main__":
    sys.exit(main())
