"""archive/progress.py: a progress bar on a terminal, nothing in a log or a pipe; every item passes
through either way."""

from __future__ import annotations

import io
import sys

from archive.progress import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_no_bar_and_a_terminal_gets_one(monkeypatch):
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert list(progress(range(5), desc="days")) == [0, 1, 2, 3, 4]
    assert piped.getvalue() == ""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(progress(range(5), desc="days", file=terminal)) == [0, 1, 2, 3, 4]
    assert "days" in terminal.getvalue() and "5/5" in terminal.getvalue()
