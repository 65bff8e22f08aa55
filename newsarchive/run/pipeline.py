"""One whole run without Airflow: crawl and extract every outlet (newsarchive/run/stages.py), then the
run's lifecycle (deduplicate, publish, finish: newsarchive/run/lifecycle/), under a run id of its own.
`newsarchive run`, `demo` and `outlets capture` run through here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from archive.records import Manifest
from archive.store import StoreError, open_store
from common.errors import ConfigError, NewsArchiveError
from common.resources import exhausted
from newsarchive.config import Settings
from newsarchive.run import lifecycle, stages
from newsarchive.run.lifecycle import Published
from newsarchive.run.quality import QualityFigures
from newsarchive.run.runs import RunRef
from outlets.registry import load_registry

logger = logging.getLogger(__name__)


class RunFailed(NewsArchiveError):
    reason = "run_failed"


@dataclass(frozen=True)
class RunResult:
    """What a one-shot run did: the snapshot it published and the outlets that failed (with why)."""

    VERSION: ClassVar[int] = 1
    run_id: str
    published: Published
    failures: dict[str, str]  # outlet -> the first line of its failure (its gap in the manifest)

    @property
    def snapshot(self) -> str:
        return self.published.ref.label

    @property
    def manifest(self) -> Manifest:
        return self.published.manifest

    @property
    def quality(self) -> QualityFigures:
        return QualityFigures.of(self.manifest)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.VERSION,
            "run_id": self.run_id,
            **self.published.to_dict(),
            "failures": self.failures,
            "counts": self.manifest.to_dict()["counts"],
        }


def run_pipeline(
    settings: Settings,
    day: date,
    outlet_ids: list[str] | None = None,
    run: RunRef | None = None,
    *,
    include_inactive: bool = False,
) -> RunResult:
    """Returns the publish result; a failed outlet is recorded as a gap (with its cause), not a failed run.

    Without outlet_ids: the active outlets (paused and retired ones are not crawled). A paused or retired
    outlet named in outlet_ids is refused unless include_inactive (`newsarchive outlets capture`)."""
    registry = load_registry(settings.outlets_path)
    selected = (
        registry.select(outlet_ids) if outlet_ids else [o for o in registry.outlets if o.active]
    )
    if not include_inactive and (inactive := [o for o in selected if not o.active]):
        raise ConfigError(
            "; ".join(f"outlet {o.id} is {o.describe_status()}" for o in inactive)
            + ": it is not crawled daily; for one complete capture of what its site still serves "
            "use `newsarchive outlets capture ID`"
        )
    if not selected:
        raise ConfigError(
            f"outlet registry {registry.path}: every outlet is paused or retired; nothing to crawl"
        )
    outlets = [o.id for o in selected]
    run = run or RunRef.new_cli(day)
    failures: dict[str, str] = {}

    def stage(outlet_id: str, body: Callable[[], object]) -> bool:
        """Run one stage of an outlet; False (its failure recorded as the outlet's gap) if it failed."""
        try:
            body()
            return True
        except NewsArchiveError as exc:
            failures[outlet_id] = str(exc)
            logger.error("%s", exc)
        except Exception as exc:  # one outlet's bug costs only that outlet: its gap says so
            if (full := exhausted(exc, [settings.archive])) is not None:  # named, not a bug
                failures[outlet_id] = f"outlet {outlet_id}: {full}"
                logger.error("%s", failures[outlet_id])
                return False
            failures[outlet_id] = f"outlet {outlet_id}: internal error: {type(exc).__name__}: {exc}"
            logger.exception("outlet %s failed", outlet_id)
        return False

    # Crawls run crawl_concurrency at a time and never wait for an extraction: each outlet's extraction
    # starts as soon as its crawl ends, one outlet at a time (an extraction's workers take every CPU).
    with (
        ThreadPoolExecutor(max_workers=1) as extracting,
        ThreadPoolExecutor(max_workers=max(1, settings.crawl_concurrency)) as crawling,
    ):

        def crawl_then_extract(outlet_id: str) -> Future[bool] | None:
            if not stage(outlet_id, lambda: stages.crawl_stage(settings, run, outlet_id)):
                return None
            return extracting.submit(
                stage, outlet_id, lambda: stages.extract_stage(settings, run, outlet_id)
            )

        crawls = [crawling.submit(crawl_then_extract, o) for o in outlets]
        extractions = [c.result() for c in crawls]
        for extraction in extractions:
            if extraction is not None:
                extraction.result()
    try:
        if len(failures) == len(outlets):
            raise RunFailed("every outlet failed:\n" + "\n".join(failures.values()))
        lifecycle.deduplicate(settings, run, outlets)  # staged, as the DAG's dedup task does
        published = lifecycle.publish(settings, run, outlets)
    except StoreError:  # the store failed: its scratch stays for `newsarchive gc`
        raise
    except NewsArchiveError:
        try:  # a CLI run is not retried: its scratch goes (best effort: with the store down, `gc` does it)
            open_store(settings.archive).delete_prefix(run.staging)
        except NewsArchiveError as cleanup:
            logger.warning("staging of run %s left for `newsarchive gc`: %s", run.run_id, cleanup)
        raise
    return RunResult(run.run_id, published, failures)
