"""Runs one outlet's crawl as its own `scrapy crawl` process (Twisted's reactor cannot restart).

The crawl process dies with us: it runs in its own process group, which is killed on a timeout or any
exception (KeyboardInterrupt included), and on Linux the kernel sends it SIGKILL when the process that
started it dies (PR_SET_PDEATHSIG), so killing only `newsarchive run` stops its crawls too. It gets no
credentials: it only writes local files, so AWS_*, AIRFLOW_* and any *SECRET*, *PASSWORD*, *TOKEN* or
*CREDENTIAL* variable is left out of its environment.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

from archive.records import CrawlReport
from common.errors import NewsArchiveError
from common.resources import full_filesystem
from newsarchive.config import Settings
from newsarchive.run.staged import StagedRecordError, from_json
from outlets.model import Registry
from spiders.variables import CRAWL_VARIABLES
from spiders.warc import capture_paths

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CRAWL_TIMEOUT_S = 3 * 3600
SECRET_PREFIXES = (
    "AWS_",
    "AIRFLOW_",
)  # the store's credentials and Airflow's connections and config
SECRET_WORDS = ("SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL")
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class CrawlError(NewsArchiveError):
    """One outlet's crawl failed; `reason` is a short code (dns, http_500, timeout, crawl_process, ...)."""

    def __init__(
        self, message: str, reason: str = "crawl_failed", report: CrawlReport | None = None
    ):
        super().__init__(message)
        self.reason = reason
        self.report = report  # the crawl's coverage report, when it got as far as writing one

    @property
    def records(self) -> tuple[str, ...]:
        """The WARC records that show why: the error responses and robots.txt answers its report names."""
        return tuple(e.record_id for e in self.report.evidence) if self.report else ()


def scrapy_settings(
    settings: Settings,
    output_dir: Path,
    state_file: Path | None = None,
    day: date | None = None,
    digests_file: Path | None = None,
    revisits_file: Path | None = None,
) -> dict[str, str]:
    """The crawl's -s settings: every crawl variable a user sets (spiders/variables.py) from Settings, by
    its declaration (none is left behind), and the internal ones of this crawl. The host map changes
    where requests go, never the politeness (AutoThrottle, concurrency): the replica is crawled as
    production crawls the sites."""
    values = {
        variable.name: variable.text(getattr(settings, variable.settings_field))
        for variable in CRAWL_VARIABLES
        if variable.settings_field
    }
    values.update(
        {
            "NEWSARCHIVE_OUTPUT_DIR": str(output_dir),
            "USER_AGENT": settings.user_agent,
            "LOG_FILE": str(output_dir / "crawl.log"),
        }
    )
    if state_file:
        values["NEWSARCHIVE_STATE_FILE"] = str(state_file)
    if day:
        values["NEWSARCHIVE_RUN_DAY"] = day.isoformat()
    if (
        digests_file
    ):  # archived payloads: revisit records instead of second copies (archive/warc_digests.py)
        values["NEWSARCHIVE_ARCHIVED_DIGESTS"] = str(digests_file)
    if revisits_file:  # archived articles to fetch again (newsarchive/run/revisits.py)
        values["NEWSARCHIVE_REVISIT_FILE"] = str(revisits_file)
    values.update(settings.scrapy_settings)
    return values


def run_crawl(
    settings: Settings,
    registry: Registry,
    outlet_id: str,
    output_dir: Path,
    state_file: Path | None = None,
    day: date | None = None,
    digests_file: Path | None = None,
    revisits_file: Path | None = None,
) -> CrawlReport:
    """Crawl one outlet into output_dir; returns its coverage report. Raises CrawlError naming the cause.

    With state_file (the outlet's CrawlState from the archive) the crawl is incremental; either way it
    writes what it learnt to <outlet>.state.json in output_dir."""
    registry.get(outlet_id)
    output_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"outlet={outlet_id}"]
    for key, value in scrapy_settings(
        settings, output_dir, state_file, day, digests_file, revisits_file
    ).items():
        cmd += ["-s", f"{key}={value}"]
    env = {
        **crawl_environment(os.environ),
        "SCRAPY_SETTINGS_MODULE": "spiders.settings",
        "NEWSARCHIVE_OUTLETS": str(registry.path),
    }
    logger.info("crawling %s", outlet_id)
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_die_with(os.getpid()),
    )
    try:
        _, stderr = proc.communicate(timeout=CRAWL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise CrawlError(
            f"outlet {outlet_id}: crawl did not finish within {CRAWL_TIMEOUT_S} s", "timeout"
        ) from None
    except BaseException:
        _kill_group(proc)
        raise
    warc, report_path, *_ = capture_paths(output_dir, outlet_id)
    log_tail = _tail(output_dir / "crawl.log") or stderr[-2000:]
    if (full := full_filesystem(output_dir, log_tail + stderr[-2000:])) is not None:
        raise full  # what it wrote cannot be trusted whole
    if proc.returncode != 0 or not report_path.exists() or not warc.exists():
        raise CrawlError(
            f"outlet {outlet_id}: crawl process failed (exit {proc.returncode}):\n{log_tail}",
            "crawl_process",
        )
    try:
        report = from_json(
            CrawlReport,
            json.loads(report_path.read_text(encoding="utf-8")),
            f"the crawl report of {outlet_id} ({report_path.name})",
        )
    except (ValueError, StagedRecordError) as exc:  # a crawler of another version: never read as 0
        raise CrawlError(f"outlet {outlet_id}: {exc}", "crawl_report") from None
    if report.write_error:  # its WARC, sidecar or state is not whole (spiders/warc.py WRITE_FAILED)
        raise full_filesystem(output_dir, report.write_error) or CrawlError(
            f"outlet {outlet_id}: the crawl could not write its files ({report.write_error}); "
            "nothing of it is kept: run it again",
            "write_failed",
        )
    if report.finish_reason not in ("finished", "closespider_pagecount", "closespider_itemcount"):
        raise CrawlError(
            f"outlet {outlet_id}: crawl ended early ({report.finish_reason}):\n{log_tail}",
            report.finish_reason or "ended_early",
            report,
        )
    failed = report.discovery_failed
    if report.fetched == 0 and sum(failed.values()) >= report.discovery_requests:
        raise CrawlError(
            f"outlet {outlet_id}: every discovery URL failed ({_reasons(failed)}); "
            "is the site reachable from this machine?",
            max(failed, key=lambda reason: failed[reason]) if failed else "discovery",
            report,
        )
    return report


def crawl_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The crawl process's environment: ours without credentials or Airflow's configuration."""
    return {
        name: value
        for name, value in environ.items()
        if not name.upper().startswith(SECRET_PREFIXES)
        and not any(w in name.upper() for w in SECRET_WORDS)
    }


def _libc_prctl() -> Callable[..., int] | None:
    """prctl(2), looked up before any fork (nothing is loaded between fork and exec)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()


def _die_with(parent: int) -> Callable[[], None]:
    """preexec_fn of the crawl process: SIGKILL when `parent` dies, or at once if it died already."""

    def preexec() -> None:
        if _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)
        if (
            os.getppid() != parent
        ):  # the parent died before prctl: nobody would ever stop this crawl
            os._exit(1)

    return preexec


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill the crawl and anything it started (its own process group), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{n}x {reason}" for reason, n in sorted(counts.items()))


def _tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
