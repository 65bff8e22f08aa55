"""What happens when a task of the DAGs starts and ends (its `on_execute`, `on_success`, `on_retry` and
`on_failure` callbacks), in this order:

1. the live state (newsarchive/ops/live_state.py): the outlet's or the run's try is running, retrying
   (with the cause and the next try's time, computed as Airflow's scheduler does), failed, or done;
   after publish each outlet's outcome in the snapshot;
2. the metrics (newsarchive/ops/metrics.py): the Prometheus text file and the OpenTelemetry collector;
3. on a failure for good, the alert (newsarchive/airflow_glue/alerts.py);
4. the task's SUMMARY line, last: the task body hands it over (`report`), and it is logged after
   everything Airflow logs about the outcome (its traceback, Post Execute), outside that log group, so
   it is the log's last line on success and on failure.

Each step is tried on its own: an archive or a collector that is down costs its step, never the alert
or the SUMMARY line. Kept free of Airflow imports (stdlib at import time, like alerts.py).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from newsarchive.airflow_glue.context import TaskContext

if TYPE_CHECKING:
    from archive.records import Manifest
    from archive.store import Store
    from newsarchive.ops.live_state import LiveState

logger = logging.getLogger("newsarchive.task")

REPORT_KEY = "newsarchive_report"  # the task body's SUMMARY line and figures, in the task's context
START_KEY = "newsarchive_started"
END_GROUP = (
    "::endgroup::"  # closes Airflow's "Post Execute" log group, so the SUMMARY line is not in it
)
MAX_RETRY_DELAY_S = 24 * 60 * 60  # Airflow's [core] max_task_retry_delay default


@dataclass
class Report:
    summary: str
    counts: dict[str, int] = field(default_factory=dict)  # the crawl's discovered, fetched
    failed: dict[str, int] = field(default_factory=dict)  # failed requests by reason
    manifest: Manifest | None = None  # publish: the snapshot's Manifest (each outlet's outcome)


def report(
    context: TaskContext,
    summary: str,
    *,
    counts: Mapping[str, Any] | None = None,  # the crawl's XCom figures (tasks.crawl_counts)
    manifest: Manifest | None = None,
) -> None:
    """A task body's SUMMARY line (logged last by the callbacks) and figures for the live state."""
    figures = {
        k: int(counts[k])
        for k in ("discovered", "fetched")
        if counts and isinstance(counts.get(k), int)
    }
    failed: dict[str, int] = {}
    for key in ("failed", "discovery_failed"):
        for reason, n in ((counts or {}).get(key) or {}).items():
            failed[str(reason)] = failed.get(str(reason), 0) + int(n)
    context[REPORT_KEY] = Report(summary, figures, failed, manifest)


# -- which record a task writes ---------------------------------------------------------------------
def subject_of(context: TaskContext) -> tuple[str, str] | None:
    """(subject, stage) of the task: (outlet, crawl|extract) or ("run", stage); None: not tracked."""
    from newsarchive.ops.live_state import RUN, RUN_STAGES

    ti = context["ti"]
    task_id = str(ti.task_id)
    if task_id in ("per_outlet.crawl", "per_outlet.extract"):
        outlet = context.get("outlet_id") or _op_kwargs(context).get("outlet")
        return (str(outlet), task_id.split(".")[1]) if outlet else None
    if getattr(ti, "dag_id", "") == "news_archive" and task_id in RUN_STAGES:
        return RUN, task_id
    return None


def _op_kwargs(context: TaskContext) -> dict[str, Any]:
    kwargs = getattr(context.get("task"), "op_kwargs", None)
    return kwargs if isinstance(kwargs, dict) else {}


def run_day(context: TaskContext) -> str:
    when: datetime = context.get("logical_date") or context["dag_run"].run_after
    return when.date().isoformat()


def next_try_at(context: TaskContext, end: datetime) -> datetime:
    """When the scheduler starts the next try of a task that failed at `end`: Airflow's own rule
    (TaskInstance.next_retry_datetime in Airflow 3.3: retry_delay, with exponential backoff a delay
    between 1x and 2x delay * multiplier^(try-1) chosen by a hash of the task instance, capped)."""
    ti, task = context["ti"], context["task"]
    delay: timedelta = task.retry_delay
    multiplier = task.retry_exponential_backoff
    if isinstance(multiplier, bool):  # the scheduler reads True as 2.0 (SerializedBaseOperator)
        multiplier = 2.0 if multiplier else 0
    multiplier = float(multiplier) if multiplier != 0 else 1.0
    if multiplier != 1.0 and multiplier > 0:
        try:
            backoff = math.ceil(delay.total_seconds() * (multiplier ** (ti.try_number - 1)))
        except OverflowError:
            backoff = MAX_RETRY_DELAY_S
        backoff = max(backoff, 1)
        logical = context.get("logical_date")
        logical_text = str(_plain(logical)) if logical is not None else "None"
        key = f"{ti.dag_id}#{ti.task_id}#{logical_text}#{ti.try_number}"
        digest = int(hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest(), 16)
        delay = timedelta(seconds=min(backoff + digest % backoff, MAX_RETRY_DELAY_S))
        if task.max_retry_delay:
            cap = task.max_retry_delay
            delay = min(cap if isinstance(cap, timedelta) else timedelta(seconds=cap), delay)
    return end + delay


def _plain(when: datetime) -> datetime:
    """The logical date as the scheduler prints it (a stdlib datetime in UTC, not pendulum's ISO)."""
    u = when.astimezone(UTC)
    return datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, tzinfo=UTC)


def cause_of(error: BaseException | None) -> tuple[str, str]:
    """(reason code, first lines of the message) of a task's error."""
    if error is None:
        return "error", "failed (no error recorded)"
    reason = getattr(error, "reason", None) or type(error).__name__
    return str(reason), (str(error) or type(error).__name__)


# -- the callbacks ----------------------------------------------------------------------------------
def on_execute(context: TaskContext) -> None:
    context[START_KEY] = datetime.now(UTC)
    _live(context, "running")


def on_success(context: TaskContext) -> None:
    _live(context, "done")
    _summary_last(context, None)


def on_retry(context: TaskContext) -> None:
    _live(context, "retrying")
    _summary_last(context, context.get("exception"))


def on_failure(context: TaskContext) -> None:
    _live(context, "failed")
    from newsarchive.airflow_glue.alerts import on_failure as alert

    alert(context)
    _summary_last(context, context.get("exception"))


def on_end(context: TaskContext) -> None:
    """The SUMMARY line last, and nothing else (the news_reextract DAG's tasks)."""
    _summary_last(context, context.get("exception"))


def _live(context: TaskContext, outcome: str) -> None:
    """The live record of the try, then the metrics; an archive or collector that is down is logged."""
    try:
        target = subject_of(context)
        if target is None:
            return
        from archive.store import open_store
        from newsarchive.airflow_glue.tasks import list_outlets, task_settings
        from newsarchive.ops import live_state
        from newsarchive.ops.metrics import publish_metrics

        settings = task_settings()
        store = open_store(settings.archive)
        records = _records(context, target, outcome, store)
        for record in records:
            live_state.write(store, record)
        publish_metrics(settings, store, list_outlets())
    except Exception:  # an edge: the task's outcome stands whatever happens to its bookkeeping
        logger.exception("live state or metrics not updated for %s", context["ti"].task_id)


class _Common(TypedDict):
    """What every record a callback writes is given (live_state.transition's arguments)."""

    subject: str
    day: str
    run_id: str
    when: datetime
    try_number: int
    max_tries: int
    counts: Mapping[str, int] | None
    failed: Mapping[str, int] | None


def _records(
    context: TaskContext, target: tuple[str, str], outcome: str, store: Store
) -> list[LiveState]:
    from newsarchive.ops import live_state

    subject, stage = target
    ti = context["ti"]
    now = datetime.now(UTC)
    started = context.get(START_KEY)
    rep: Report | None = context.get(REPORT_KEY)
    common = _Common(
        subject=subject,
        day=run_day(context),
        run_id=str(context["dag_run"].run_id),
        when=now,
        try_number=int(ti.try_number),
        max_tries=int(getattr(ti, "max_tries", 0)) + 1,
        counts=rep.counts if rep and rep.counts else None,
        failed=rep.failed if rep and (rep.counts or rep.failed) else None,
    )
    previous = _previous(store, subject)
    if outcome == "running":
        if subject != live_state.RUN and stage == "crawl" and ti.try_number == 1:
            previous = None  # a new run of the outlet: nothing carried from the last one
        return [
            live_state.transition(previous, stage=stage, state="running", started=now, **common)
        ]
    ended = (stage, started) if isinstance(started, datetime) else None
    if outcome in ("retrying", "failed"):
        reason, message = cause_of(context.get("exception"))
        end = getattr(ti, "end_date", None) or now
        return [
            live_state.transition(
                previous,
                stage=stage,
                state=outcome,
                reason=reason,
                message=message,
                next_try_at=next_try_at(context, end) if outcome == "retrying" else None,
                ended=ended,
                **common,
            )
        ]
    # done: an outlet goes on to its next stage; the run's stage is ok; publish records each outcome
    if subject != live_state.RUN:
        following = {"crawl": "extract", "extract": "publish"}[stage]
        return [
            live_state.transition(previous, stage=following, state="running", ended=ended, **common)
        ]
    out = [live_state.transition(previous, stage=stage, state="ok", ended=ended, **common)]
    if stage == "publish" and rep is not None and rep.manifest is not None:
        out += _outcomes(store, rep.manifest, common, now)
    return out


def _previous(store: Store, subject: str) -> LiveState | None:
    """The subject's record; a damaged one is named and replaced, never trusted."""
    from newsarchive.ops.live_state import DamagedLiveState, read

    try:
        return read(store, subject)
    except DamagedLiveState as exc:
        logger.warning("%s; it is replaced", exc)
        return None


def _outcomes(store: Store, manifest: Manifest, common: _Common, now: datetime) -> list[LiveState]:
    """Each outlet's outcome in the published snapshot: ok, or failed with its gap's stage and cause."""
    from newsarchive.ops import live_state

    out: list[LiveState] = []
    for outlet, counts in manifest.outlets.items():
        if counts.status == "not_run":
            continue
        gap = counts.gap
        crawl = counts.crawl
        outcome: _Common = {
            **common,
            "subject": outlet,
            "counts": {"discovered": crawl.discovered, "fetched": crawl.fetched} if crawl else None,
            "failed": dict(crawl.failed) if crawl else None,
            "try_number": 1,
            "max_tries": 1,
        }
        out.append(
            live_state.transition(
                _previous(store, outlet),
                **outcome,
                stage=gap.stage if gap and gap.stage in live_state.OUTLET_STAGES else "publish",
                state="failed" if gap else "ok",
                reason=gap.reason if gap else "",
                message=gap.message if gap else "",
            )
        )
    return out


def _summary_last(context: TaskContext, error: BaseException | None) -> None:
    """The task's SUMMARY line as its log's last line (after Airflow's outcome and the callbacks)."""
    rep: Report | None = context.get(REPORT_KEY)
    if rep is not None:
        line = rep.summary
    else:
        target = subject_of(context)
        ti = context["ti"]
        name = target[1] if target else str(ti.task_id)
        who = target[0] if target and target[0] != "run" else ""
        reason, message = cause_of(error)
        first = " ".join(message.split())[:500]
        line = f"SUMMARY {name}{' ' + who if who else ''}: " + (
            f"FAILED ({reason}): {first}" if error is not None else "done"
        )
    logger.info(END_GROUP)
    logger.info("%s", line)
