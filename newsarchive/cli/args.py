"""What every command module of the CLI shares: the one way to register a command (`Subcommands`,
`archive_options`, `date_range`, `settings_of`), validators for arguments (argparse `type=` functions)
and a parser that reports a bad argument in one line. Each message names the value and says what to
give instead.

A command module (newsarchive/cli/<group>.py) has one function `register(sub: Subcommands)` that adds its
parsers and sets `func` on each: a handler `(args) -> int` (the exit code). Handlers import what they
need when they run, so `newsarchive --help` imports none of it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, TypeVar

from common.errors import NewsArchiveError
from common.values import (
    AnyDay,
    BadValue,
    Day,
    Duration,
    Kind,
    LanguageTag,
    OutletId,
    PathKind,
    Text,
    Url,
    Whole,
    day_range,
    shown,
)
from spiders.variables import MAX_ARTICLES

if TYPE_CHECKING:
    from newsarchive.config import Settings

T = TypeVar("T")
# what `register` adds its commands to (generic only in typeshed, so the alias is a string at run time)
Subcommands: TypeAlias = "argparse._SubParsersAction[OneLineParser]"
MAX_PER_OUTLET = 10_000  # replica articles per outlet
MAX_REV = 1_000_000


class OneLineParser(argparse.ArgumentParser):
    """argparse's errors in one line (`newsarchive run: error: argument --date: ...`), exit code 2, or
    the parser's `error_status` (`health`: 3, UNKNOWN in the Nagios plugin convention)."""

    error_status = 2

    def error(self, message: str) -> NoReturn:
        self.exit(self.error_status, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def arg(kind: Kind[T], what: str) -> Callable[[str], T]:
    """An argparse `type=` from a kind of value (common/values.py, shared with the settings and the
    registry): a wrong value is one line naming it, what it is not and what to give instead."""

    def parse(value: str) -> T:
        try:
            return kind.parse(value)
        except BadValue as exc:
            raise argparse.ArgumentTypeError(f"{shown(value)} is not {what}; give {exc}") from None

    parse.__name__ = what
    return parse


day = arg(Day(), "a date")  # YYYY-MM-DD from 1990-01-01 to tomorrow (UTC)
range_day = arg(AnyDay(), "a date")  # any YYYY-MM-DD: a range to read


def paths(kind: Callable[[str], Any]) -> Callable[[str], Path]:
    """A path type whose value is a Path."""

    def parse(value: str) -> Path:
        return Path(kind(value))

    parse.__name__ = getattr(kind, "__name__", "path")
    return parse


def whole(low: int, high: int, what: str) -> Callable[[str], int]:
    """A type for whole numbers from `low` to `high`."""
    return arg(Whole(low, high), what)


max_articles = whole(1, MAX_ARTICLES, "a page cap")
per_outlet = whole(1, MAX_PER_OUTLET, "a number of articles per outlet")
port = whole(0, 65535, "a TCP port")
rev = whole(1, MAX_REV, "a snapshot rev")
retention_days = whole(1, 36500, "a retention period in days")
days_ago = arg(Duration(0, 36500, "days"), "an age (0.5: 12 hours)")
page_url = arg(Url(), "an absolute http(s) URL")
outlet_id = arg(OutletId(), "an outlet id (see outlets.toml)")
language = arg(LanguageTag(undetermined=True), "a BCP 47 language tag")
dest_dir = paths(arg(PathKind("directory"), "a directory to download into"))
out_file = paths(arg(PathKind("output"), "a file to write"))
_input_file = arg(PathKind("file"), "a JSON Lines file (or - for stdin)")


def input_file(value: str) -> Path:
    """A file to read (or - for stdin): a directory, FIFO or device is refused by its type (a missing
    file is left to the command, which says so)."""
    return Path(value if value == "-" else _input_file(value))


def text(what: str) -> Callable[[str], str]:
    """A type for one line of printable text (no control characters)."""
    return arg(Text(), f"a valid {what}")


# -- registering a command -----------------------------------------------------------------------------
def archive_options(p: argparse.ArgumentParser, nested: bool = False) -> None:
    """--archive and --outlets. nested: also accepted after a sub-subcommand (`snapshots list --archive
    DIR`); SUPPRESS keeps a value given before it."""
    default = argparse.SUPPRESS if nested else None
    p.add_argument(
        "--archive",
        type=text("archive location"),
        default=default,
        help="archive location (directory or s3://bucket/prefix); default $NEWSARCHIVE_ARCHIVE or ./var/archive",
    )
    p.add_argument(
        "--outlets",
        type=text("registry path"),
        default=default,
        help="outlet registry file; default $NEWSARCHIVE_OUTLETS or ./outlets.toml",
    )


def date_range(
    p: argparse.ArgumentParser, *, required: bool = False, what: str = "snapshot day"
) -> None:
    """--since and --until, any days (checked in order once for every command, by `check_range`): a
    range selects what the archive has, so a day before it or after today is no error."""
    p.add_argument("--since", type=range_day, required=required, help=f"first {what} (YYYY-MM-DD)")
    p.add_argument("--until", type=range_day, required=required, help=f"last {what} (YYYY-MM-DD)")


class UsageError(NewsArchiveError):
    """Arguments that are each valid but do not go together."""

    reason = "usage"
    retryable = False


def check_range(args: argparse.Namespace) -> None:
    """A range that runs backwards is one line and exit 2, for every command that takes one."""
    since: date | None = getattr(args, "since", None)
    until: date | None = getattr(args, "until", None)
    try:
        day_range(since, until)
    except BadValue:
        raise UsageError(
            f"--since {since} is after --until {until}; give a range that runs forward"
        ) from None


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings of a command: the environment, with --archive and --outlets if given."""
    from newsarchive.config import Settings

    return Settings.from_env(
        archive=getattr(args, "archive", None), outlets_path=getattr(args, "outlets", None)
    )
