"""`make test`'s scheduling over pytest-xdist workers: the tests of one `xdist_group` mark run in one worker.

pytest-xdist's own `--dist loadgroup` reads the marks by renaming each test's node id, which pytest 9.2's
structured node ids ignore, so its groups come apart (the Celery cluster of one module was built in three
workers at once). Here the workers write each grouped test's node id and group to one JSON file as they
collect; the controller's scheduler (xdist's `LoadScopeScheduling`, a group being its scope) reads it
once every worker has collected. A test without a mark is a scope of its own.

The longest scopes go first (the longest-processing-time rule): a scope's expected time is the sum of its
tests' seconds in `tests/durations.json` (written by `make test PYTEST_ARGS=--record-durations`; a test
not in it counts DEFAULT_S). xdist's own order, the scopes with the most tests first, started the Celery
cluster's three tests (six minutes) last, and the suite waited for them. A worker gets its next scope
when one test of its current one is left, not two, so a short scope never waits behind a long one's tail."""

from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

GROUPS_FILE = "PYTEST_XDIST_GROUPS_FILE"  # environment: where the workers write the groups
DURATIONS = Path(__file__).with_name(
    "durations.json"
)  # {node id: seconds}, the tests of 1 s or more
DEFAULT_S = 0.3  # the expected seconds of a test not in DURATIONS
RECORDED_FROM_S = 1.0


def expected_seconds() -> dict[str, float]:
    try:
        data = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, int | float)}


class Durations:
    """In the controller, with `--record-durations`: each test's setup, call and teardown seconds,
    merged into DURATIONS at the end (the tests of RECORDED_FROM_S or more, sorted)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self) -> None:
        """The tests this session ran replace their own figures; the others' are kept (a run of a few
        tests, `-k` or one file, must not wipe the rest). Written whole: a temp file, then renamed."""
        kept = {k: v for k, v in expected_seconds().items() if k not in self.seconds}
        kept.update({k: round(v, 1) for k, v in self.seconds.items() if v >= RECORDED_FROM_S})
        part = DURATIONS.with_name(DURATIONS.name + ".part")
        part.write_text(json.dumps(dict(sorted(kept.items())), indent=0) + "\n", encoding="utf-8")
        part.replace(DURATIONS)


def start(config: pytest.Config) -> None:
    """In the controller of a `--dist loadgroup` run: name the file the workers write the groups to."""
    if hasattr(config, "workerinput"):
        return
    if config.getoption("record_durations", False):
        config.pluginmanager.register(Durations(), "newsarchive-durations")
    if config.getoption("dist", "no") != "loadgroup":
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
    whole, the other tests one by one to whichever worker is free; the longest expected first."""

    _groups: dict[str, str] | None = None

    def schedule(self) -> None:
        """xdist's first distribution (LoadScopeScheduling.schedule), with the scopes ordered by their
        expected seconds, longest first; later calls are xdist's own."""
        if self.collection is not None or not self._check_nodes_have_same_collection():
            super().schedule()
            return
        self.collection = list(next(iter(self.registered_collections.values())))
        if not self.collection:
            return
        scopes: dict[str, dict[str, bool]] = {}
        for nodeid in self.collection:
            scopes.setdefault(self._split_scope(nodeid), {})[nodeid] = False
        seconds = expected_seconds()
        expected = {
            scope: sum(seconds.get(nodeid, DEFAULT_S) for nodeid in unit)
            for scope, unit in scopes.items()
        }
        self.workqueue = OrderedDict(sorted(scopes.items(), key=lambda item: -expected[item[0]]))
        for _ in range(max(0, len(self.nodes) - len(self.workqueue))):
            unused, _assigned = self.assigned_work.popitem()
            unused.shutdown()
        for node in self.nodes:
            self._assign_work_unit(node)
        for (
            node
        ) in self.nodes:  # a worker runs a test once it knows the next one (or is told to stop)
            self._reschedule(node)
        if not self.workqueue:
            for node in self.nodes:
                node.shutdown()

    def _reschedule(self, node) -> None:  # type: ignore[no-untyped-def]
        """xdist's, with the next scope sent when one test of the node's work is left (xdist: two)."""
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self._pending_of(self.assigned_work[node]) > 1:
            return
        self._assign_work_unit(node)

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:
            path = os.environ.get(GROUPS_FILE, "")
            text = Path(path).read_text() if path and Path(path).exists() else ""
            self._groups = json.loads(text) if text else {}
        group = self._groups.get(nodeid)
        return f"group:{group}" if group is not None else nodeid
