"""newsarchive/cli/history.py: `newsarchive history URL` refuses what is not a URL or a story_id before
reading anything, never makes an archive, and writes the story in the format asked for: text (coloured
only on a terminal, never with --no-color), one JSON object, one HTML page (what the story holds:
tests/newsarchive/research/test_history.py)."""

from __future__ import annotations

import json
import os
import sys
import threading

import pytest

from newsarchive.cli.main import main
from tests.archive.test_stories import URL


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("not a url", "is not a URL; give an article's URL like https://www.example.com/news/1"),
        (" ", "is not a URL; give an article's URL like https://www.example.com/news/1"),
        ("https://x.example/" + "a" * 5000, "give one line of printable text"),
        ("a\tb", "give one line of printable text"),
    ],
    ids=["words", "blank", "too-long", "tab"],
)
def test_what_is_not_a_url_is_one_line_and_nothing_is_read(tmp_path, capsys, given, said):
    try:
        code = main(["history", given, "--archive", str(tmp_path / "archive")])
    except SystemExit as exc:  # refused by the argument's type
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and said in err
    assert len(err.strip().splitlines()) == 1 and len(err) < 300
    assert not (tmp_path / "archive").exists()


def test_an_archive_that_is_not_there_is_named_and_not_made(tmp_path, capsys):
    assert main(["history", URL, "--archive", str(tmp_path / "nowhere")]) == 2
    assert "nowhere does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_each_format_is_the_same_story(story_archive, capsys):
    assert main(["history", URL, "--archive", story_archive, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["urls"][0] == URL and len(data["versions"]) == 4
    assert main(["history", URL, "--archive", story_archive, "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.lstrip().lower().startswith("<!doctype html>") and data["story_id"] in page
    assert main(["history", f"  {data['story_id']} ", "--archive", story_archive]) == 0
    text = capsys.readouterr().out
    assert "4 version(s), gone" in text and "\x1b[" not in text


def _on_a_terminal(monkeypatch, argv: list[str]) -> str:
    """What the command writes when its stdout is a terminal (a pseudo-terminal, read as it is written)."""
    main_fd, term_fd = os.openpty()
    got = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the terminal's end closed
                return
            if not chunk:
                return
            got.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    terminal = open(term_fd, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    monkeypatch.setattr(sys, "stdout", terminal)
    try:
        assert main(argv) == 0
        terminal.flush()
    finally:
        monkeypatch.undo()
        terminal.close()
        reader.join(10)
        os.close(main_fd)
    return got.decode("utf-8")


def test_text_is_coloured_on_a_terminal_unless_no_color(story_archive, monkeypatch):
    argv = ["history", URL, "--archive", story_archive]
    assert "\x1b[" in _on_a_terminal(monkeypatch, argv)
    plain = _on_a_terminal(monkeypatch, [*argv, "--no-color"])
    assert "\x1b[" not in plain and "4 version(s), gone" in plain
