"""Extraction costs are bounded per page (issue 24), through `newsarchive run` as an operator runs it: a page
whose extraction times out counts its attempts in the crawl state run after run and is given up after
MAX_ATTEMPTS (it was downloaded and extracted again every run, forever); a page that needs more memory
than NEWSARCHIVE_EXTRACT_MEMORY_MB gets reason `memory` in seconds, and the outlet's other pages are
archived. Every case counts in `edges (extraction cost)`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from archive.snapshot import list_snapshots, load_manifest
from archive.store import open_store
from replica.server import ReplicaServer
from spiders.state import MAX_ATTEMPTS, load_crawl_state
from tests.conftest import ROOT, RUN_DAY
from tests.report import edge_row

pytestmark = pytest.mark.slow  # pipeline runs in CLI subprocesses

CLASS = "extraction cost"
PER_OUTLET = 4


def _run(site, archive, day, **env):
    result = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli.main", "run", "--date", day.isoformat()]
        + ["--outlet", "anapress", "--archive", str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NEWSARCHIVE_HOST_MAP": json.dumps(site.host_map), **env},
    )
    return result.returncode, result.stdout, result.stderr


def _page(site, n: int) -> tuple[str, str]:
    anapress = site.replica.sites["www.anapress.net"]
    url = anapress.url(anapress.articles[n])
    return url, urlsplit(url).path


def test_a_page_whose_extraction_times_out_is_given_up_after_max_attempts(tmp_path):
    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=PER_OUTLET) as site:
        url, path = _page(site, 0)
        site.replica.faults.set("anapress", "slow_extract", [path])
        for attempt in range(1, MAX_ATTEMPTS + 2):
            day = RUN_DAY + timedelta(days=attempt - 1)
            code, out, err = _run(site, archive, day, NEWSARCHIVE_EXTRACT_TIMEOUT_S="1")
            state = load_crawl_state(open_store(archive), "anapress")
            counts = load_manifest(open_store(archive), list_snapshots(open_store(archive))[-1])
            crawl = counts.outlets["anapress"]
            if attempt < MAX_ATTEMPTS:
                held = state.pending.get(url) == attempt and crawl.extract_failed == {"timeout": 1}
            elif attempt == MAX_ATTEMPTS:
                held = url not in state.pending and state.gave_up.get(url) == "extract_timeout"
            else:  # given up: not requested again (nothing else is new either)
                held = crawl.crawl is not None and crawl.crawl.fetched == 0
                held = held and crawl.extract_failed == {} and url not in state.pending
                held = held and state.gave_up.get(url) == "extract_timeout"
            lost = 0 if attempt > 1 else PER_OUTLET - 1 - crawl.archived
            edge_row(
                CLASS, held=held and lost == 0, traceback="Traceback" in err, lost=max(0, lost)
            )
            assert held and lost == 0 and "Traceback" not in err, (attempt, code, out, err, state)


def test_a_page_over_the_memory_limit_costs_only_itself(tmp_path):
    archive = tmp_path / "archive"
    with ReplicaServer(per_outlet=PER_OUTLET) as site:
        url, path = _page(site, 1)
        site.replica.faults.set("anapress", "memory_hog", [path])
        code, out, err = _run(
            site,
            archive,
            RUN_DAY,
            NEWSARCHIVE_EXTRACT_MEMORY_MB="320",
            NEWSARCHIVE_EXTRACT_TIMEOUT_S="60",
        )
    store = open_store(archive)
    crawl = load_manifest(store, list_snapshots(store)[-1]).outlets["anapress"]
    state = load_crawl_state(store, "anapress")
    lost = PER_OUTLET - 1 - crawl.archived
    held = crawl.extract_failed == {"memory": 1} and state.pending == {url: 1} and lost == 0
    edge_row(CLASS, held=held, traceback="Traceback" in err, lost=max(0, lost))
    assert held and "Traceback" not in err, (code, out, err, crawl)
    code, out, err = _run(site, archive, RUN_DAY, NEWSARCHIVE_EXTRACT_MEMORY_MB="abc")
    held = code == 2 and err.count("\n") == 1 and "NEWSARCHIVE_EXTRACT_MEMORY_MB='abc'" in err
    edge_row(CLASS, held=held, traceback="Traceback" in err)
    assert held, (code, out, err)
