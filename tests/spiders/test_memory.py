"""The crawl's memory measure (spiders/memory.py): this process's own peak RSS, from /proc/self/status."""

import sys

import pytest

from spiders.memory import peak_rss


def test_peak_rss_reads_vmhwm(tmp_path):
    status = tmp_path / "status"
    status.write_text(
        "Name:\tscrapy\nVmPeak:\t 900000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n"
    )
    assert peak_rss(status) == 123456 * 1024
    assert peak_rss(tmp_path / "missing") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_peak_rss_of_this_process_is_at_least_what_it_holds():
    block = b"\1" * (64 << 20)
    assert peak_rss() >= len(block)
