"""spiders/settings.py as Scrapy reads it: what a crawl process loads and opens."""

from __future__ import annotations

import json
import os

import pytest
from scrapy.settings import default_settings

from spiders import settings
from tests.conftest import run_python

CONTROL_ENDPOINTS = (
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",
)

# What Scrapy does with the settings when a crawl starts (Crawler: the extension manager's list), in a
# fresh interpreter, then which of the control endpoints' modules that loaded.
LOADED = """
import json, sys
from scrapy.utils.conf import build_component_list
from scrapy.utils.project import get_project_settings
settings = get_project_settings()
extensions = build_component_list(settings.get_component_priority_dict_with_base("EXTENSIONS"))
print(json.dumps({
    "extensions": extensions,
    "flags": [settings.getbool("REMOTE_CONTROL_ENABLED"), settings.getbool("TELNETCONSOLE_ENABLED")],
    "modules": sorted(m for m in ("aiohttp", "twisted.conch", "scrapy.extensions.remote_control",
                                   "scrapy.extensions.telnet") if m in sys.modules),
}))
"""


@pytest.mark.slow  # a Python subprocess
def test_a_crawl_process_has_no_control_endpoint_and_never_loads_one():
    """Scrapy's remote control (runs code sent to a local HTTP port, leaves a job file with its token)
    and telnet console (a port too) are neither enabled nor imported: Scrapy imports every key of
    EXTENSIONS, even one set to None, and those modules cost 0.25 s of CPU at each crawl's start."""
    done = run_python(LOADED, {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings"})
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert "spiders.report.CoverageReport" in loaded["extensions"]  # our own are there
    assert "scrapy.extensions.throttle.AutoThrottle" in loaded["extensions"]
    assert not [e for e in loaded["extensions"] if "telnet" in e or "remote_control" in e]
    assert loaded["flags"] == [False, False]
    assert loaded["modules"] == []


def test_the_extensions_base_is_scrapys_without_the_control_endpoints():
    """Scrapy's own list, less the two: an extension a new Scrapy adds must be added here too (or left
    out on purpose), never dropped silently."""
    assert settings.EXTENSIONS_BASE == {
        path: order
        for path, order in default_settings.EXTENSIONS_BASE.items()
        if path not in CONTROL_ENDPOINTS
    }
