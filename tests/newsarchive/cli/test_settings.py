"""`newsarchive settings` (newsarchive/cli/settings.py), in process as the shell calls it: every setting
with its value and where it came from (internal ones left out), as rows or JSON; `--shell` prints checked
`NAME=value` lines a script can eval, and anything that is not a setting is one line and exit 2."""

from __future__ import annotations

import json
import shlex

import pytest

from newsarchive.cli.main import main
from newsarchive.variables import VARIABLES


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["settings", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_setting_with_its_value_and_source(capsys, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_MAX_ARTICLES", "7")
    monkeypatch.delenv("NEWSARCHIVE_DEADLINE", raising=False)
    code, out, _ = _run(capsys, "--json")
    rows = {row["name"]: row for row in map(json.loads, out.splitlines())}
    assert code == 0 and set(rows) == {v.name for v in VARIABLES if not v.internal}
    assert rows["NEWSARCHIVE_MAX_ARTICLES"]["value"] == "7"
    assert rows["NEWSARCHIVE_MAX_ARTICLES"]["source"] == "environment"
    assert all(row["accepts"] for row in rows.values())
    assert rows["NEWSARCHIVE_DEADLINE"]["source"] == "default"
    code, out, _ = _run(capsys)
    line = next(line for line in out.splitlines() if line.startswith("NEWSARCHIVE_MAX_ARTICLES "))
    assert line.split()[1] == "7" and line.endswith("(environment)")


def test_shell_lines_are_checked_quoted_and_defaults_filled_in(capsys, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", "/tmp/an archive; rm -rf /")
    code, out, _ = _run(capsys, "--shell", "NEWSARCHIVE_ARCHIVE", "NEWSARCHIVE_MAX_ARTICLES")
    archive, cap = out.splitlines()
    assert code == 0 and archive.startswith("NEWSARCHIVE_ARCHIVE=")
    assert shlex.split(archive.partition("=")[2]) == ["/tmp/an archive; rm -rf /"]
    assert cap.startswith("NEWSARCHIVE_MAX_ARTICLES=")


@pytest.mark.parametrize("name", ["PATH", "NEWSARCHIVE_NOPE"])
def test_a_name_that_is_no_setting_is_one_line(capsys, name):
    code, out, err = _run(capsys, "--shell", name)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"{name!r} is not a newsarchive setting" in err
