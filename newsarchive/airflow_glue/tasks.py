"""What the DAG's task bodies call: read settings at the edge, take the run's logical date and id, call a
stage. Kept free of Airflow imports so it is tested without Airflow; the DAG file passes the context in.
Each body hands its SUMMARY line to the task's callbacks (task_events.report), which log it last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import ParamSpec, TypeVar

from newsarchive.airflow_glue.task_events import report
from newsarchive.config import Settings
from newsarchive.errors import as_ours, fails_for_good
from newsarchive.run import stages
from newsarchive.run.liveness import task_beating
from newsarchive.run.publish import publish_stage
from newsarchive.run.runs import RunRef
from outlets.registry import load_registry

logger = logging.getLogger(__name__)


P = ParamSpec("P")
R = TypeVar("R")


def task_body(function: Callable[P, R]) -> Callable[P, R]:
    """A task body: an error a retry cannot change (newsarchive/errors.py: fails_for_good) fails the task
    for good, as AirflowFailException; any other error is left to the task's retries."""

    @wraps(function)
    def body(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except Exception as caught:
            exc = as_ours(caught)  # a full disk, memory run out: one line naming it
            if not fails_for_good(exc):
                if exc is caught:
                    raise
                raise exc from None
            from airflow.sdk.exceptions import (
                AirflowFailException,  # only ever inside a running task
            )

            failure = AirflowFailException(str(exc))
            reason = getattr(exc, "reason", "error")
            failure.reason = reason if reason != "error" else type(exc).__name__  # type: ignore[attr-defined]
            raise failure from None

    return body


def run_day(context: dict) -> date:
    """The run's date: its logical date (never now()); a manual run without one uses run_after."""
    when = context.get("logical_date") or context["dag_run"].run_after
    return when.date()


def run_ref(context: dict) -> RunRef:
    """The run: its date and its Airflow run id, which keys its staging (every task of the run, on any
    worker, and every retry of a task, reads and writes the same run's objects and no other run's)."""
    return RunRef(run_day(context), context["dag_run"].run_id)


def _summary(stage: str, outlet: str, counts: dict) -> str:
    failed = {**counts.get("failed", {}), **counts.get("extract_failed", {})}
    parts = [
        f"{k}={counts[k]}"
        for k in ("discovered", "fetched", "extracted", "kept", "archived", "carried")
        if k in counts
    ]
    if skipped := {k: v for k, v in counts.get("skipped", {}).items() if v}:
        parts.append(f"skipped={skipped}")
    parts += [f"{k}={counts[k]}" for k in ("not_modified", "pending") if counts.get(k)]
    parts.append(f"failed={sum(failed.values())} {failed}" if failed else "failed=0")
    return f"SUMMARY {stage} {outlet}: " + " ".join(parts)


def task_settings() -> Settings:
    """Settings of a task process: environment, plus S3 settings from the Airflow connection if named."""
    from newsarchive.airflow_glue.conn import apply_connection
    from newsarchive.run import scratch

    scratch.enter()
    apply_connection()
    return Settings.from_env()


def list_outlets(context: dict | None = None) -> list[str]:
    """The outlets crawled daily: paused and retired ones are left out (newsarchive outlets list)."""
    registry = load_registry(Settings.from_env().outlets_path)
    for outlet in registry.outlets:
        if not outlet.active and context is not None:
            logger.info("outlet %s not crawled: %s", outlet.id, outlet.describe_status())
    if context is not None:
        ids = registry.active_ids
        report(context, f"SUMMARY list_outlets: {len(ids)} outlets ({', '.join(ids)})")
    return registry.active_ids


CRAWL_COUNTS = (
    "outlet",
    "discovered",
    "fetched",
    "failed",
    "skipped",
    "pending",
    "not_modified",
    "discovery_failed",
)


def crawl_counts(outlet: str, report: dict | None, error: BaseException | None = None) -> dict:
    """What reaches XCom (key `counts`) and the SUMMARY line: the crawl's figures, and why it failed."""
    counts = {k: v for k, v in (report or {}).items() if k in CRAWL_COUNTS}
    counts.setdefault("outlet", outlet)
    if error is not None:
        counts["error"] = str(getattr(error, "reason", None) or type(error).__name__)
        counts["message"] = (str(error).splitlines() or [type(error).__name__])[0][:500]
    return counts


@task_body
def crawl(outlet: str, context: dict) -> dict:
    """Counts go to XCom under `counts` and into the log's SUMMARY line whether the crawl succeeds or
    fails (then with the reason), so the grid shows them without opening the log."""
    try:
        settings, run = task_settings(), run_ref(context)
        with task_beating(settings, run):  # gc leaves a live run's staging alone
            crawled = stages.crawl_stage(settings, run, outlet).to_dict()
    except Exception as exc:
        counts = crawl_counts(outlet, getattr(exc, "report", None), exc)
        _push(context, counts)
        line = _summary("crawl", outlet, counts)
        report(context, f"{line} FAILED ({counts['error']}): {counts['message']}", counts=counts)
        raise
    counts = crawl_counts(outlet, crawled)
    _push(context, counts)
    report(context, _summary("crawl", outlet, crawled), counts=crawled)
    return counts


def _push(context: dict, counts: dict) -> None:
    if (ti := context.get("ti")) is not None:
        ti.xcom_push(key="counts", value=counts)


@task_body
def extract(outlet: str, context: dict) -> dict:
    settings, run = task_settings(), run_ref(context)
    with task_beating(settings, run):  # gc leaves a live run's staging alone
        extracted = stages.extract_stage(settings, run, outlet)
    report(context, _summary("extract", outlet, extracted))
    return extracted


@task_body
def dedup(context: dict) -> dict:
    settings, run = task_settings(), run_ref(context)
    with task_beating(settings, run):
        deduped = stages.dedup_stage(settings, run, list_outlets())
    report(context, _summary("dedup", "all", deduped))
    return deduped


@task_body
def publish(context: dict) -> dict:
    settings, run = task_settings(), run_ref(context)
    with task_beating(settings, run):
        published = publish_stage(settings, run, list_outlets())
    for outlet, counts in published.manifest.outlets.items():
        line = _summary("publish", outlet, counts.to_dict())
        logger.info(
            line
            + (
                f" GAP ({counts.gap.stage}, {counts.gap.reason}): {counts.gap.message}"
                if counts.gap
                else ""
            )
            + (" NOT RUN" if counts.status == "not_run" else "")
        )
    manifest = published.manifest
    gaps = sorted(o for o, c in manifest.outlets.items() if c.gap)
    report(
        context,
        f"SUMMARY publish: {published.ref.label} archived={manifest.archived} new={manifest.new} "
        f"carried={manifest.carried} gaps={len(gaps)}" + (f" ({', '.join(gaps)})" if gaps else ""),
        manifest=manifest,
    )
    return {
        "snapshot": published.ref.label,
        "store": published.store,
        "prefix": published.ref.prefix,
        "archived": published.manifest.archived,
    }


@task_body
def quality(published: dict, context: dict) -> str:
    """Fails the task, naming every problem, when the canary's figures in the manifest say so."""
    verdict = stages.quality_stage(task_settings(), run_day(context), published["snapshot"])
    report(context, f"SUMMARY quality: {verdict}")
    return verdict


@task_body
def gc(context: dict) -> str:
    from newsarchive.run.gc import collect

    result = collect(task_settings())
    report(context, f"SUMMARY gc: {result.summary()}")
    return result.summary()
