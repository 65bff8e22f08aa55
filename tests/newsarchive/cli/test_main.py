"""newsarchive/cli/main.py: every command registered once, in --help's order; a bad command line is one
line and exit 2; `main` run many times in one process (the tests, the docs' runner) parses each command
line afresh."""

from __future__ import annotations

import pytest

from newsarchive import __version__
from newsarchive.cli.main import COMMAND_MODULES, _parser, build_parser, main


def test_every_command_module_registers_its_commands_in_order(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    shown = [
        name
        for name in (
            "run",
            "extract",
            "export",
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
    ]
    assert all(f"    {name}" in out for name in shown)
    positions = [out.index(f"    {name}") for name in shown]
    assert positions == sorted(positions) and len(COMMAND_MODULES) == 13
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"newsarchive {__version__}"


def test_a_bad_command_line_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["nope"])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("newsarchive: error: argument command: invalid choice: 'nope'")


def test_each_command_line_is_parsed_afresh_by_the_one_parser():
    parser = _parser()
    assert parser is _parser()
    first = parser.parse_args(["replica", "--fault", "anapress:http_500"])
    second = parser.parse_args(["replica"])
    assert first.fault == ["anapress:http_500"] and second.fault == []
    twice = parser.parse_args(["replica", "--fault", "orient:slow"])
    assert twice.fault == ["orient:slow"] and first.fault == ["anapress:http_500"]
    fresh = build_parser().parse_args(
        ["reextract", "--since", "2026-11-20", "--until", "2026-11-21"]
    )
    assert (
        vars(fresh).keys()
        == vars(
            parser.parse_args(["reextract", "--since", "2026-11-20", "--until", "2026-11-21"])
        ).keys()
    )


def test_the_cli_log_shows_the_controls_a_message_quotes_and_keeps_arabic():
    """A warning quoting a damaged file's bytes or a page's title reaches the terminal inert."""
    import logging

    from newsarchive.cli.main import log_handler

    record = logging.LogRecord(
        "archive.cdxj",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("a.warc.gz", "\x1b[2J\u202eعنوان"),
        None,
    )
    line = log_handler().format(record)
    assert "\x1b" not in line and "\u202e" not in line
    assert "\\x1b[2J" in line and "\\u202e" in line and "عنوان" in line
