"""Runs one outlet's crawl as its own `scrapy crawl` process (Twisted's reactor cannot restart)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from newsarchive.config import Settings
from newsarchive.errors import NewsArchiveError
from newsarchive.registry import Registry
from spiders.warc import capture_paths

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CRAWL_TIMEOUT_S = 3 * 3600


class CrawlError(NewsArchiveError):
    """One outlet's crawl failed; `reason` is a short code (dns, http_500, timeout, crawl_process, ...)."""

    def __init__(self, message: str, reason: str = "crawl_failed"):
        super().__init__(message)
        self.reason = reason


def scrapy_settings(settings: Settings, output_dir: Path, state_file: Path | None = None,
                    day: date | None = None) -> dict[str, str]:
    values = {
        "NEWSARCHIVE_OUTPUT_DIR": str(output_dir),
        "NEWSARCHIVE_MAX_ARTICLES": str(settings.max_articles),
        "USER_AGENT": settings.user_agent,
        "LOG_FILE": str(output_dir / "crawl.log"),
    }
    if state_file:
        values["NEWSARCHIVE_STATE_FILE"] = str(state_file)
    if day:
        values["NEWSARCHIVE_RUN_DAY"] = day.isoformat()
    if settings.host_map:
        values["NEWSARCHIVE_HOST_MAP"] = json.dumps(settings.host_map)
    if not settings.polite:  # the local replica: no throttling against loopback
        values.update({"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0",
                       "CONCURRENT_REQUESTS_PER_DOMAIN": "16"})
    values.update(settings.scrapy_settings)
    return values


def run_crawl(settings: Settings, registry: Registry, outlet_id: str, output_dir: Path,
              state_file: Path | None = None, day: date | None = None) -> dict:
    """Crawl one outlet into output_dir; returns its coverage report. Raises CrawlError naming the cause.

    With state_file (the outlet's CrawlState from the archive) the crawl is incremental; either way it
    writes what it learnt to <outlet>.state.json in output_dir."""
    registry.get(outlet_id)
    output_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"outlet={outlet_id}"]
    for key, value in scrapy_settings(settings, output_dir, state_file, day).items():
        cmd += ["-s", f"{key}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "spiders.settings", "NEWSARCHIVE_OUTLETS": str(registry.path)}
    logger.info("crawling %s", outlet_id)
    try:
        proc = subprocess.run(cmd, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=CRAWL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise CrawlError(f"outlet {outlet_id}: crawl did not finish within {CRAWL_TIMEOUT_S} s", "timeout") from None
    warc, report_path, _ = capture_paths(output_dir, outlet_id)
    log_tail = _tail(output_dir / "crawl.log") or proc.stderr[-2000:]
    if proc.returncode != 0 or not report_path.exists() or not warc.exists():
        raise CrawlError(f"outlet {outlet_id}: crawl process failed (exit {proc.returncode}):\n{log_tail}",
                         "crawl_process")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    if report.get("finish_reason") not in ("finished", "closespider_pagecount", "closespider_itemcount"):
        raise CrawlError(f"outlet {outlet_id}: crawl ended early ({report.get('finish_reason')}):\n{log_tail}",
                         str(report.get("finish_reason") or "ended_early"))
    discovery_failed = report.get("discovery_failed", {})
    if report.get("fetched", 0) == 0 and sum(discovery_failed.values()) >= report.get("discovery_requests", 1):
        raise CrawlError(
            f"outlet {outlet_id}: every discovery URL failed ({_reasons(discovery_failed)}); "
            "is the site reachable from this machine?",
            max(discovery_failed, key=lambda reason: discovery_failed[reason]) if discovery_failed else "discovery",
        )
    return report


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{n}x {reason}" for reason, n in sorted(counts.items()))


def _tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
