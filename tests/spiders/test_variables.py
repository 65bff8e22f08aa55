"""The crawl process and the settings model, in real crawls of the replica: a variable set in the
environment reaches the crawl (five used to be ignored), a wrong -s value stops the crawl before any
request, and the host map changes where requests go, never the politeness (issue 31)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from newsarchive.config import Settings
from newsarchive.run.crawl import run_crawl
from outlets.registry import load_registry
from tests.conftest import ROOT, RUN_DAY

pytestmark = pytest.mark.slow  # crawl subprocesses

AUTOTHROTTLE = "scrapy.extensions.throttle.AutoThrottle"


def test_a_crawl_variable_set_in_the_environment_reaches_the_crawl(replica, tmp_path):
    """NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS in the environment, as an operator sets it: the crawl stops
    discovery at that many documents (orient lists a feed, a sitemap and a section page)."""
    env = {
        "NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS": "1",
        "NEWSARCHIVE_HOST_MAP": json.dumps(replica.host_map),
    }
    settings = Settings.from_env(env, archive=str(tmp_path / "archive"))
    # AutoThrottle's own log of each adjustment (a log switch, nothing else changes)
    settings = settings.with_(scrapy_settings={"AUTOTHROTTLE_DEBUG": "True"})
    report = run_crawl(settings, load_registry(), "orient", tmp_path, day=RUN_DAY)
    assert report.discovery_requests == 1
    assert report.truncated_discovery == {"discovery_documents": 2}
    # every host of the replica is mapped, and the crawl is as polite as production's: AutoThrottle
    # is on and adapts the host's delay to its latency (it stayed at the 500 ms start delay when the
    # transport kept the latency from it)
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert AUTOTHROTTLE in log
    delays = [int(m) for m in re.findall(r"slot: www\.orient-news\.net .*delay: *(\d+) ms", log)]
    assert len(delays) >= report.fetched >= 20 and delays[-1] < 500, delays


def test_a_wrong_crawl_setting_stops_the_crawl_before_any_request(tmp_path):
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings"}
    for name, value in (
        ("NEWSARCHIVE_MAX_SECTION_PAGES", "abc"),
        ("NEWSARCHIVE_MAX_RETRY_AFTER", "1e99"),
        ("NEWSARCHIVE_REVISITS", "maybe"),
        ("NEWSARCHIVE_MAX_SECTON_PAGES", "5"),
    ):
        out = tmp_path / name
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "orient"]
            + ["-s", f"NEWSARCHIVE_OUTPUT_DIR={out}", "-s", f"{name}={value}"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith("common.errors.ConfigError: ") and name in last, last
        assert not out.exists()  # nothing written, nothing requested
