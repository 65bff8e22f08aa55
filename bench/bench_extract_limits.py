"""Extraction cost per page bounded (issue 24): one hostile page (MiB of empty paragraphs, the replica's
`memory_hog`) through `extract.batch.extract_pages` with the memory limit per worker
(NEWSARCHIVE_EXTRACT_MEMORY_MB, default 1,024 MiB) beside no limit, which is what a user had before;
the worker's peak address space is read from /proc while it works.

    python bench/bench_extract_limits.py [--mib 4.9] [--limit 1024] [--timeout 600]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common.errors import ExtractionError  # noqa: E402
from extract.batch import DEFAULT_MEMORY_MB, Page, extract_pages  # noqa: E402
from extract.engine import OutletContext  # noqa: E402

CONTEXT = OutletContext(outlet="anapress", timezone="Asia/Damascus", language="ar")


def _peaks(stop: threading.Event, peak: dict[str, int]) -> None:
    """The highest VmPeak / VmHWM (KiB) of any extraction worker, polled."""
    while not stop.is_set():
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if b"extract.worker" not in cmdline.read_bytes():
                    continue
                for line in (cmdline.parent / "status").read_text().splitlines():
                    if line.startswith(("VmPeak:", "VmHWM:")):
                        name, value = line.split(":")
                        peak[name] = max(peak.get(name, 0), int(value.split()[0]))
            except OSError:
                continue
        time.sleep(0.05)


def one(page: Page, memory_mb: int, timeout_s: float) -> str:
    stop, peak = threading.Event(), {}
    watcher = threading.Thread(target=_peaks, args=(stop, peak), daemon=True)
    watcher.start()
    started = time.perf_counter()
    [(_, result)] = list(
        extract_pages(CONTEXT, [page], workers=1, timeout_s=timeout_s, memory_mb=memory_mb)
    )
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    outcome = result.reason if isinstance(result, ExtractionError) else "article"
    return (
        f"{outcome} after {elapsed:.1f} s, worker peak {peak.get('VmPeak', 0) >> 10} MiB of address "
        f"space, {peak.get('VmHWM', 0) >> 10} MiB resident"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=float, default=4.9, help="size of the hostile page")
    parser.add_argument("--limit", type=int, default=DEFAULT_MEMORY_MB, help="MiB per worker")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per page")
    args = parser.parse_args(argv)
    html = "<html><body>" + "<p>x</p>" * (int(args.mib * 1024 * 1024) // 8) + "</body></html>"
    page = Page(html.encode(), "https://www.anapress.net/a/hog", "text/html; charset=utf-8")
    print(f"a {args.mib} MiB page of empty paragraphs, time limit {args.timeout:g} s:")
    print(f"  limit {args.limit} MiB per worker: {one(page, args.limit, args.timeout)}")
    print(f"  no memory limit (before):      {one(page, 1 << 20, args.timeout)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
