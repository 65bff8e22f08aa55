"""`newsarchive search` and `stats` (newsarchive/cli/search.py): bad input is one line and exit 2."""

from __future__ import annotations

import pytest

from tests.search.cli import cli


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "...", "--archive", "{a}"], "has no word to search for"),
        (["search", "--archive", "{a}", "--", "-دوما"], "has no word to search for"),
        (["search", "دوما", "--limit", "0", "--archive", "{a}"], "argument --limit"),
        (["stats", "--by", "week", "--archive", "{a}"], "is not a grouping"),
        (
            [
                "search",
                "دوما",
                "--since",
                "2026-11-20",
                "--until",
                "2026-11-18",
                "--archive",
                "{a}",
            ],
            "is after --until",
        ),
        (["search", "دوما", "--archive", "{a}/nope"], "does not exist"),
        (
            ["search", "دوما", "--archive", "{a}", "--env", "NEWSARCHIVE_SEARCH_CACHE=/proc/nope"],
            "cannot use the search cache",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message, monkeypatch, capsys):
    """Through the CLI's main(), as the shell calls it (in process: the unit tier starts no subprocess)."""
    (tmp_path / "a").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NEWSARCHIVE_SEARCH_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    if "--env" in args:
        name, _, value = args[args.index("--env") + 1].partition("=")
        monkeypatch.setenv(name, value)
        args = args[: args.index("--env")]
    code, _, err = cli(capsys, *[x.format(a=tmp_path / "a") for x in args])
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
