"""One whole run without Airflow: crawl every outlet, extract, dedup, publish."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from newsarchive import stages
from newsarchive.config import Settings
from newsarchive.crawl import CrawlError
from newsarchive.errors import NewsArchiveError
from newsarchive.registry import load_registry

logger = logging.getLogger(__name__)


class RunFailed(NewsArchiveError):
    pass


def run_pipeline(settings: Settings, day: date, outlet_ids: list[str] | None = None) -> dict:
    """Returns the publish result; a failed outlet is recorded as a gap, not a failed run."""
    registry = load_registry(settings.outlets_path)
    outlets = [o.id for o in registry.select(outlet_ids)]
    failures: dict[str, str] = {}

    def crawl_and_extract(outlet_id: str) -> None:
        try:
            stages.crawl_stage(settings, outlet_id, day)
            stages.extract_stage(settings, outlet_id, day)
        except CrawlError as exc:
            failures[outlet_id] = str(exc)
            logger.error("%s", exc)

    with ThreadPoolExecutor(max_workers=max(1, settings.crawl_concurrency)) as pool:
        list(pool.map(crawl_and_extract, outlets))
    if len(failures) == len(outlets):
        raise RunFailed("every outlet failed:\n" + "\n".join(failures.values()))
    stages.dedup_stage(settings, day, outlets)
    result = stages.publish_stage(settings, day, outlets, run_id=f"cli-{day.isoformat()}")
    result["failures"] = failures
    return result
