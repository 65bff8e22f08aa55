"""Every Airflow task process imports newsarchive.airflow_glue.tasks: it must not pay for Scrapy (the crawl is a
subprocess) nor trafilatura (only the extract tasks import it, when they run)."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow  # a Python subprocess
def test_the_task_module_imports_neither_scrapy_nor_trafilatura():
    code = (
        "import sys, newsarchive.airflow_glue.tasks, newsarchive.run.stages; "
        "print(sorted(m for m in ('scrapy', 'trafilatura') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
