"""What every command module of the CLI shares: the one way to register a command (`Subcommands`,
`archive_options`, `date_range`, `settings_of`), validators for arguments (argparse `type=` functions)
and a parser that reports a bad argument in one line. Each message names the value and says what to
give instead.

A command module (newsarchive/cli/<group>.py) has one function `register(sub: Subcommands)` that adds its
parsers and sets `func` on each: a handler `(args) -> int` (the exit code). Handlers import what they
need when they run, so `newsarchive --help` imports none of it."""

from __future__ import annotations

import argparse
import os
import re
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from common.errors import NewsArchiveError
from common.langtag import language_tag
from extract.sanitize import MAX_URL_CHARS
from newsarchive.config import MAX_ARTICLES, shown

if TYPE_CHECKING:
    from newsarchive.config import Settings

Subcommands = argparse._SubParsersAction  # what `register` adds its commands to
FIRST_DAY = date(1990, 1, 1)  # before the web had news sites to archive
MAX_PER_OUTLET = 10_000  # replica articles per outlet
MAX_REV = 1_000_000
_OUTLET_ID = re.compile(r"[a-z][a-z0-9_]{1,31}")


class OneLineParser(argparse.ArgumentParser):
    """argparse's errors in one line (`newsarchive run: error: argument --date: ...`), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def last_day() -> date:
    """Tomorrow in UTC: a run dated ahead of that would mark today's pages as seen in the future."""
    return datetime.now(UTC).date() + timedelta(days=1)


def day(value: str) -> date:
    """YYYY-MM-DD from 1990-01-01 to tomorrow (UTC)."""
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 10:
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is not a date; use YYYY-MM-DD, e.g. 2026-11-21"
        )
    if not FIRST_DAY <= parsed <= last_day():
        raise argparse.ArgumentTypeError(
            f"{value} is out of range; give a date from {FIRST_DAY} to {last_day()} (tomorrow, UTC)"
        )
    return parsed


def range_day(value: str) -> date:
    """YYYY-MM-DD, any day (a range to read: days without a snapshot have nothing)."""
    try:
        parsed = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is not a date; use YYYY-MM-DD, e.g. 2026-11-21"
        )
    return parsed


def whole(low: int, high: int, what: str):
    """A type for whole numbers from `low` to `high`."""

    def parse(value: str) -> int:
        text = value.strip()
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None
        if number is None or not low <= number <= high:
            raise argparse.ArgumentTypeError(
                f"{shown(value)} is not {what}; give a whole number from {low} to {high}"
            )
        return number

    parse.__name__ = what
    return parse


max_articles = whole(1, MAX_ARTICLES, "a page cap")
per_outlet = whole(1, MAX_PER_OUTLET, "a number of articles per outlet")
port = whole(0, 65535, "a TCP port")
rev = whole(1, MAX_REV, "a snapshot rev")
retention_days = whole(1, 36500, "a retention period in days")


def days_ago(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 <= number <= 36500:  # NaN fails too
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is not an age; give days, from 0 to 36500 (0.5: 12 hours)"
        )
    return number


def page_url(value: str) -> str:
    """An absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{shown(value)} is not a valid URL ({exc})") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(value) > MAX_URL_CHARS
        or not value.isprintable()
        or " " in value
    ):
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is not an absolute http(s) URL; give e.g. https://example.com/a/1"
        )
    return value


def input_file(value: str) -> Path:
    """A file to read (or - for stdin): a directory, FIFO or device is refused by its type (a missing
    file is left to the command, which says so)."""
    if value == "-":
        return Path(value)
    try:
        mode = os.stat(value).st_mode
    except FileNotFoundError:
        return Path(value)
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"{shown(value)} cannot be read ({exc.strerror}); check the path"
        ) from None
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a FIFO or a device?)"
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is {kind}; give a JSON Lines file (or - for stdin)"
        )
    return Path(value)


def dest_dir(value: str) -> Path:
    """A directory to write into: existing or not yet, but not a file."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{shown(value)} exists and is not a directory; give a directory to download into"
        )
    return path


def out_file(value: str) -> Path:
    """A file to write (new, or replaced), not a directory."""
    path = Path(value)
    if path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is a directory; give a file name, e.g. {value.rstrip('/')}/articles.jsonl"
        )
    return path


def outlet_id(value: str) -> str:
    if not _OUTLET_ID.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is not an outlet id (lowercase letters, digits or _, 2-32 characters); see outlets.toml"
        )
    return value


def language(value: str) -> str:
    tag = language_tag(value)
    if tag is None:
        raise argparse.ArgumentTypeError(
            f"{shown(value)} is not a BCP 47 language tag; give e.g. ar or ar-EG"
        )
    return tag


def text(what: str):
    """A type for one line of printable text (no control characters)."""

    def parse(value: str) -> str:
        if not value.isprintable() or len(value) > 4096:
            raise argparse.ArgumentTypeError(
                f"{shown(value)} is not a valid {what}: it has control characters or is too long"
            )
        return value

    parse.__name__ = what
    return parse


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
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since and until and since > until:
        raise UsageError(
            f"--since {since} is after --until {until}; give a range that runs forward"
        )


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings of a command: the environment, with --archive and --outlets if given."""
    from newsarchive.config import Settings

    return Settings.from_env(
        archive=getattr(args, "archive", None), outlets_path=getattr(args, "outlets", None)
    )
