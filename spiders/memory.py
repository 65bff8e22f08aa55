"""Scrapy's memory limit (MEMUSAGE_*), measured on the crawl process alone.

Scrapy's MemoryUsage reads `getrusage().ru_maxrss`, and on Linux that survives fork and exec: a crawl
started by a parent that once used 600 MB starts "over" a 300 MB limit and stops at once with
`memusage_exceeded`. This extension replaces it (spiders/settings.py disables Scrapy's) with the same
settings and stats, reading this address space's own peak RSS (`VmHWM` in /proc/self/status), which
exec resets. Where there is no /proc (macOS), Scrapy's measure is used.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.extensions.memusage import MemoryUsage

STATUS = Path("/proc/self/status")


def peak_rss(status: Path = STATUS) -> int | None:
    """Peak resident set size of this process since its exec, in bytes (None without /proc)."""
    try:
        text = status.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            value, unit = line.split()[1:3]
            return int(value) * {"kB": 1024, "mB": 1024**2}.get(unit, 1)
    return None


class ProcessMemoryUsage(MemoryUsage):
    def get_virtual_size(self) -> int:
        size = peak_rss()
        return super().get_virtual_size() if size is None else size
