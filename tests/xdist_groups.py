"""`make test`'s scheduling over pytest-xdist workers: the tests of one `xdist_group` mark run in one worker.

pytest-xdist's own `--dist loadgroup` reads the marks by renaming each test's node id, which pytest 9.2's
structured node ids ignore, so its groups come apart (the Celery cluster of one module was built in three
workers at once). Here the workers write each grouped test's node id and group to one JSON file as they
collect; the controller's scheduler (xdist's `LoadScopeScheduling`, a group being its scope) reads it
once every worker has collected. A test without a mark is a scope of its own."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

GROUPS_FILE = "PYTEST_XDIST_GROUPS_FILE"  # environment: where the workers write the groups


def start(config: pytest.Config) -> None:
    """In the controller of a `--dist loadgroup` run: name the file the workers write the groups to."""
    if hasattr(config, "workerinput") or config.getoption("dist", "no") != "loadgroup":
        return
    fd, path = tempfile.mkstemp(prefix="newsarchive-test-groups-", suffix=".json")
    os.close(fd)
    os.environ[GROUPS_FILE] = path  # the workers, started after this, inherit it


def finish(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and (path := os.environ.pop(GROUPS_FILE, None)):
        Path(path).unlink(missing_ok=True)


def record(items: list[pytest.Item]) -> None:
    """In a worker: write the group of each grouped test (every worker collects the same tests)."""
    path = os.environ.get(GROUPS_FILE)
    if not path or not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    groups = {
        item.nodeid: str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for item in items
        if (mark := item.get_closest_marker("xdist_group")) is not None
    }
    partial = Path(f"{path}.{os.environ['PYTEST_XDIST_WORKER']}")
    partial.write_text(json.dumps(groups))
    partial.replace(path)


class GroupScheduling(LoadScopeScheduling):
    """xdist's scope scheduling with a test's `xdist_group` as its scope: a group goes to one worker
    whole, the other tests one by one to whichever worker is free."""

    _groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:
            path = os.environ.get(GROUPS_FILE, "")
            text = Path(path).read_text() if path and Path(path).exists() else ""
            self._groups = json.loads(text) if text else {}
        group = self._groups.get(nodeid)
        return f"group:{group}" if group is not None else nodeid
