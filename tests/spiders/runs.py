"""Real crawls of one outlet against a replica, run by newsarchive.run.crawl.run_crawl, folded day after day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from archive.records import CrawlReport
from newsarchive.config import Settings
from newsarchive.run.crawl import run_crawl
from outlets.registry import load_registry
from spiders.state import CrawlRun, CrawlState
from spiders.warc import capture_paths
from tests.conftest import RUN_DAY

FAST = {"DOWNLOAD_TIMEOUT": "5", "RETRY_TIMES": "0"}


def crawl(
    server,
    outlet: str,
    out: Path,
    state: CrawlState | None = None,
    day=RUN_DAY,
    **scrapy_settings: str,
) -> tuple[CrawlReport, CrawlRun]:
    """One crawl into `out`: its coverage report and what it learnt."""
    out.mkdir(parents=True, exist_ok=True)
    state_file = None
    if state is not None:
        state_file = out / "state.json.gz"
        state_file.write_bytes(state.to_bytes())
    settings = Settings(
        archive=str(out / "archive"),
        host_map=server.host_map,
        scrapy_settings={**FAST, **scrapy_settings},
    )
    report = run_crawl(settings, load_registry(), outlet, out, state_file, day)
    return report, CrawlRun.from_bytes(capture_paths(out, outlet).state.read_bytes())


def crawl_days(server, outlet: str, tmp: Path, days: int, **scrapy_settings: str):
    """`days` daily crawls, each run folded into the state the next one reads (as the publish stage does)."""
    state, reports = CrawlState(outlet=outlet), []
    for n in range(days):
        report, run = crawl(
            server, outlet, tmp / f"day{n}", state, RUN_DAY + timedelta(days=n), **scrapy_settings
        )
        state = state.after(run)
        reports.append(report)
    return reports, state
