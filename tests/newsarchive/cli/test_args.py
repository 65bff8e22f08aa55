"""newsarchive/cli/args.py: the CLI's argument types and checks, shared by every command. A wrong value is
one line naming it, what it is not and what to give; a range that runs backwards is a usage error; the
archive options nest after a sub-subcommand; a command's settings are the environment's with its options.
(Every command with every bad input, through `main`: tests/newsarchive/test_bad_input.py.)"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pytest

from newsarchive.cli.args import (
    OneLineParser,
    UsageError,
    archive_options,
    check_range,
    date_range,
    input_file,
    port,
    settings_of,
    text,
)


def _parser() -> OneLineParser:
    parser = OneLineParser(prog="newsarchive")
    sub = parser.add_subparsers(dest="command", required=True)
    snapshots = sub.add_parser("snapshots")
    archive_options(snapshots)
    actions = snapshots.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list")
    archive_options(listing, nested=True)
    date_range(listing)
    listing.add_argument("--port", type=port, default=0)
    listing.add_argument("--title", type=text("title"))
    return parser


def _error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        _parser().parse_args(argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2 and len(err.strip().splitlines()) == 1, err
    return err


def test_a_wrong_value_is_one_line_naming_it_and_what_to_give(capsys):
    err = _error(capsys, ["snapshots", "list", "--port", "70000"])
    assert err.startswith(
        "newsarchive snapshots list: error: argument --port: '70000' is not a TCP port"
    )
    assert "give a whole number from 0 to 65535" in err and err.endswith(
        "(see newsarchive snapshots list --help)\n"
    )
    assert "is not a valid title" in _error(capsys, ["snapshots", "list", "--title", "two\nlines"])
    assert "is not a date" in _error(capsys, ["snapshots", "list", "--since", "2026-13-01"])


def test_the_archive_option_is_taken_before_or_after_the_sub_subcommand():
    before = _parser().parse_args(["snapshots", "--archive", "/a", "list"])
    after = _parser().parse_args(["snapshots", "list", "--archive", "/b"])
    neither = _parser().parse_args(["snapshots", "list"])
    assert (before.archive, after.archive, neither.archive) == ("/a", "/b", None)


def test_a_range_that_runs_backwards_is_a_usage_error_and_open_ends_are_any_day():
    args = _parser().parse_args(
        ["snapshots", "list", "--since", "2026-11-21", "--until", "2026-11-20"]
    )
    with pytest.raises(
        UsageError, match="--since 2026-11-21 is after --until 2026-11-20; give a range"
    ):
        check_range(args)
    for argv in (["--since", "1900-01-01"], ["--until", "2999-12-31"], []):
        check_range(_parser().parse_args(["snapshots", "list", *argv]))  # no error
    assert _parser().parse_args(["snapshots", "list", "--since", "1900-01-01"]).since == date(
        1900, 1, 1
    )


def test_an_input_file_that_is_not_a_file_is_refused_by_its_type(tmp_path):
    assert input_file("-") == Path("-")
    assert (
        input_file(str(tmp_path / "missing.jsonl")) == tmp_path / "missing.jsonl"
    )  # the command says
    with pytest.raises(argparse.ArgumentTypeError, match="is not a JSON Lines file"):
        input_file(str(tmp_path))


def test_a_commands_settings_are_the_environments_with_its_options(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", str(tmp_path / "from-env"))
    assert settings_of(argparse.Namespace()).archive == str(tmp_path / "from-env")
    given = settings_of(argparse.Namespace(archive=str(tmp_path / "given"), outlets=None))
    assert given.archive == str(tmp_path / "given")
