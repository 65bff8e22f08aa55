"""What the DAG's task bodies call: read settings at the edge, take the run's logical date and id, call a
stage or a step of the run's lifecycle (newsarchive/run/lifecycle/). Airflow is imported only inside
functions that run in a task, so this module is tested without Airflow; the DAG file passes the context in.

Every recovery an operator uses ends through the lifecycle: a retried or cleared task reads the run's
state from the archive (what is staged, what the run published); the last task (`quality`) publishes
what was staged after the run's publish, then runs the canary; and a crawl or extraction whose output no
task of the run will publish any more fails naming the task to clear. Each body hands its SUMMARY line
to the task's callbacks (task_events.report), which log it last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from archive.records import CrawlReport, OutletCounts
from archive.store import open_store
from common.errors import NewsArchiveError
from newsarchive.airflow_glue.context import TaskContext
from newsarchive.airflow_glue.task_events import report
from newsarchive.config import Settings
from newsarchive.errors import as_ours, fails_for_good
from newsarchive.run import lifecycle, stages
from newsarchive.run.liveness import task_beating
from newsarchive.run.runs import RunRef
from newsarchive.run.staged import ExtractReport
from outlets.registry import load_registry

logger = logging.getLogger(__name__)
FINISHED = {"success", "failed", "upstream_failed", "skipped", "removed"}  # Airflow task states


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
            # our cause code on Airflow's exception, which has no such field (task_events.cause_of reads it)
            failure.reason = reason if reason != "error" else type(exc).__name__  # type: ignore[attr-defined]
            raise failure from None

    return body


def run_day(context: TaskContext) -> date:
    """The run's date: its logical date (never now()); a manual run without one uses run_after."""
    when: datetime = context.get("logical_date") or context["dag_run"].run_after
    return when.date()


def run_ref(context: TaskContext) -> RunRef:
    """The run: its date and its Airflow run id, which keys its staging (every task of the run, on any
    worker, and every retry of a task, reads and writes the same run's objects and no other run's)."""
    return RunRef(run_day(context), context["dag_run"].run_id)


def _summary(
    stage: str,
    outlet: str,
    figures: dict[str, int],
    failed: dict[str, int],
    skipped: dict[str, int] | None = None,
) -> str:
    parts = [f"{k}={v}" for k, v in figures.items()]
    if skipped := {k: v for k, v in (skipped or {}).items() if v}:
        parts.append(f"skipped={skipped}")
    parts.append(f"failed={sum(failed.values())} {failed}" if failed else "failed=0")
    return f"SUMMARY {stage} {outlet}: " + " ".join(parts)


def crawl_summary(outlet: str, report: CrawlReport | None) -> str:
    if report is None:
        return _summary("crawl", outlet, {"discovered": 0, "fetched": 0}, {})
    figures = {"discovered": report.discovered, "fetched": report.fetched}
    figures |= {
        k: v for k, v in (("not_modified", report.not_modified), ("pending", report.pending)) if v
    }
    return _summary("crawl", outlet, figures, report.failed, report.skipped)


def outlet_summary(outlet: str, counts: OutletCounts) -> str:
    crawl = counts.crawl
    figures = {"discovered": crawl.discovered, "fetched": crawl.fetched} if crawl else {}
    figures |= {
        "extracted": counts.extracted,
        "archived": counts.archived,
        "carried": counts.carried,
    }
    failed = {**(crawl.failed if crawl else {}), **counts.extract_failed}
    line = _summary("publish", outlet, figures, failed, crawl.skipped if crawl else None)
    if counts.gap:
        line += f" GAP ({counts.gap.stage}, {counts.gap.reason}): {counts.gap.message}"
    return line + (" NOT RUN" if counts.status == "not_run" else "")


def task_settings() -> Settings:
    """Settings of a task process: environment, plus S3 settings from the Airflow connection if named."""
    from newsarchive.airflow_glue.conn import apply_connection
    from newsarchive.run import scratch

    scratch.enter()
    apply_connection()
    return Settings.from_env()


def list_outlets(context: TaskContext | None = None) -> list[str]:
    """The outlets crawled daily: paused and retired ones are left out (newsarchive outlets list). As
    the DAG's first task (`context` given) it is the run's preflight too (lifecycle.preflight): a
    setting that would fail the publish fails this task, before any crawl."""
    if context is not None:
        task_body(lambda: lifecycle.preflight(task_settings()))()
    registry = load_registry(Settings.from_env().outlets_path)
    for outlet in registry.outlets:
        if not outlet.active and context is not None:
            logger.info("outlet %s not crawled: %s", outlet.id, outlet.describe_status())
    if context is not None:
        ids = registry.active_ids
        report(context, f"SUMMARY list_outlets: {len(ids)} outlets ({', '.join(ids)})")
    return registry.active_ids


CRAWL_COUNTS = (
    "discovered",
    "fetched",
    "failed",
    "skipped",
    "pending",
    "not_modified",
    "discovery_failed",
)


def crawl_counts(
    outlet: str, report: CrawlReport | None, error: BaseException | None = None
) -> dict[str, Any]:
    """What reaches XCom (key `counts`): the crawl's figures, and why it failed."""
    figures = report.to_dict() if report is not None else {}
    counts: dict[str, Any] = {"outlet": outlet} | {
        k: figures[k] for k in CRAWL_COUNTS if k in figures
    }
    if error is not None:
        counts["error"] = str(getattr(error, "reason", None) or type(error).__name__)
        counts["message"] = (str(error).splitlines() or [type(error).__name__])[0][:500]
    return counts


class NotPublished(NewsArchiveError):
    """A stage's output that no task of its run will publish any more."""

    reason = "not_published"
    retryable = False


def _published_by_downstream(
    settings: Settings, context: TaskContext, downstream: list[str], mapped: bool, task: str
) -> None:
    """After a stage succeeded in a run that already published: if every task that would take its output
    further has finished (the task was cleared without them), fail naming the task to clear."""
    run, ti = run_ref(context), context.get("ti")
    first = lifecycle.published_before(open_store(settings.archive), run)
    if first is None or ti is None:
        return  # the run's first publish is still to come
    states = ti.get_task_states(
        dag_id=ti.dag_id,
        map_index=ti.map_index if mapped else None,
        task_ids=downstream,
        run_ids=[run.run_id],
    ).get(run.run_id, {})
    if not states:
        logger.warning("run %s: the states of %s are unknown; not checked", run.run_id, downstream)
        return
    waiting = {name: state for name, state in states.items() if state not in FINISHED}
    if waiting:
        logger.info(
            "run %s published %s already; %s will publish this", run.run_id, first.label, waiting
        )
        return
    label = f"{task}[{context.get('outlet_id', ti.map_index)}]"
    raise NotPublished(
        f"{label} is staged, but run {run.run_id} published {first.label} already and none of the "
        f"tasks that publish it will run again: clear {label} with its downstream tasks "
        "(Clear, Downstream) to publish it"
    )


@task_body
def crawl(outlet: str, context: TaskContext) -> dict[str, Any]:
    """Counts go to XCom under `counts` and into the log's SUMMARY line whether the crawl succeeds or
    fails (then with the reason), so the grid shows them without opening the log."""
    try:
        settings, run = task_settings(), run_ref(context)
        with task_beating(settings, run):  # gc leaves a live run's staging alone
            crawled = stages.crawl_stage(settings, run, outlet)
    except Exception as exc:
        counts = crawl_counts(outlet, getattr(exc, "report", None), exc)
        _push(context, counts)
        line = crawl_summary(outlet, getattr(exc, "report", None))
        report(context, f"{line} FAILED ({counts['error']}): {counts['message']}", counts=counts)
        raise
    counts = crawl_counts(outlet, crawled)
    _push(context, counts)
    report(context, crawl_summary(outlet, crawled), counts=counts)
    _published_by_downstream(settings, context, ["per_outlet.extract"], True, "per_outlet.crawl")
    return counts


def _push(context: TaskContext, counts: dict[str, Any]) -> None:
    if (ti := context.get("ti")) is not None:
        ti.xcom_push(key="counts", value=counts)


@task_body
def extract(outlet: str, context: TaskContext) -> dict[str, Any]:
    settings, run = task_settings(), run_ref(context)
    with task_beating(settings, run):  # gc leaves a live run's staging alone
        extracted: ExtractReport = stages.extract_stage(settings, run, outlet)
    report(
        context, _summary("extract", outlet, {"extracted": extracted.extracted}, extracted.failed)
    )
    downstream = ["dedup", "publish", "quality"]
    _published_by_downstream(settings, context, downstream, False, "per_outlet.extract")
    return extracted.figures()


@task_body
def dedup(context: TaskContext) -> dict[str, Any]:
    settings, run = task_settings(), run_ref(context)
    with task_beating(settings, run):
        deduped = lifecycle.deduplicate(settings, run, list_outlets())
    if deduped is None:
        report(context, "SUMMARY dedup all: nothing staged to deduplicate")
        return {"articles": 0}
    report(
        context,
        f"SUMMARY dedup all: articles={deduped.articles} window={len(deduped.window)} "
        f"reasons={deduped.reasons}",
    )
    return {"articles": deduped.articles, "reasons": deduped.reasons}


@task_body
def publish(context: TaskContext) -> dict[str, Any]:
    settings, run = task_settings(), run_ref(context)
    with task_beating(settings, run):
        published = lifecycle.publish(settings, run, list_outlets())
    for outlet, counts in published.manifest.outlets.items():
        logger.info(outlet_summary(outlet, counts))
    manifest = published.manifest
    gaps = sorted(o for o, c in manifest.outlets.items() if c.gap)
    report(
        context,
        f"SUMMARY publish: {published.ref.label} archived={manifest.archived} new={manifest.new} "
        f"carried={manifest.carried} gaps={len(gaps)}" + (f" ({', '.join(gaps)})" if gaps else ""),
        manifest=manifest,
    )
    return published.to_dict()


@task_body
def quality(context: TaskContext) -> str:
    """The run's last task: publishes what the run staged after its publish (a task cleared or retried
    after it), then fails, naming every problem, when the canary's figures say so."""
    settings, run = task_settings(), run_ref(context)
    with task_beating(settings, run):
        published, verdict = lifecycle.conclude(settings, run, list_outlets())
    report(
        context, f"SUMMARY quality {published.ref.label}: {verdict}", manifest=published.manifest
    )
    return verdict


@task_body
def gc(context: TaskContext) -> str:
    from newsarchive.run.gc import collect

    result = collect(task_settings())
    report(context, f"SUMMARY gc: {result.summary()}")
    return result.summary()
