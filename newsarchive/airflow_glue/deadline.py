"""The day's deadline, as an Airflow 3 deadline alert: NEWSARCHIVE_DEADLINE (HH:MM or HH:MM:SS, UTC) is
the time of the run's day by which its snapshot must be complete.

- `SnapshotDueAt` is a custom deadline reference (registered by the project's plugin, plugins/, which
  the scheduler loads): the run's day at that time. A run created after its day's deadline (a backfill,
  a rerun in the afternoon) gets no deadline: it was late before it began, and the day has alerted
  already or never had a scheduled run.
- `missed` is the deadline's callback (a SyncCallback: it runs on the executor like a task, with the
  Airflow connections of the notifiers). It reads the archive: when the day's snapshot is complete after
  all (a later run of the day made it so) it only logs; otherwise it alerts once per day (a create-only
  marker in the archive, ops/deadline/date=D.json), through the same notifiers as a failed task, naming
  what is late and why: each outlet that is failing, retrying or still running, with its cause.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from airflow.sdk.definitions.callback import SyncCallback
from airflow.sdk.definitions.deadline import (
    REFERENCE_TYPE_FIELD,
    BaseDeadlineReference,
    DeadlineAlert,
)

from archive import layout

logger = logging.getLogger(__name__)
ENV = "NEWSARCHIVE_DEADLINE"


def due_at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, UTC)


class SnapshotDueAt(BaseDeadlineReference):
    """The run's day (its logical date, else when it was to run) at a time of day, UTC."""

    required_kwargs = {"dag_id", "run_id"}

    def __init__(self, at: str = "06:00:00"):
        try:
            self.at = time.fromisoformat(at).isoformat()
        except (TypeError, ValueError):
            raise ValueError(
                f"a deadline's time of day is HH:MM or HH:MM:SS (UTC), not {str(at)[:40]!r}"
            ) from None

    def serialize_reference(self) -> dict[str, Any]:
        return {REFERENCE_TYPE_FIELD: self.reference_name, "at": self.at}

    @classmethod
    def deserialize_reference(cls, reference_data: dict[str, Any]) -> SnapshotDueAt:
        """The reference as the serialized DAG stores it; one without its time of day (a damaged or
        hand-edited DAG) is named as such, not left to `time.fromisoformat('')`."""
        at = reference_data.get("at") if isinstance(reference_data, Mapping) else None
        if not isinstance(at, str):
            raise ValueError(
                f"a stored {cls.__name__} deadline has no time of day ('at'): "
                f"{str(reference_data)[:200]!r}"
            )
        return cls(at)

    def _evaluate_with(self, *, session: Any, **kwargs: Any) -> datetime | None:
        """In the scheduler, when a run is created: its day's deadline, or None when it has passed."""
        from airflow.models import DagRun
        from sqlalchemy import select

        row = session.execute(
            select(DagRun.logical_date, DagRun.run_after).where(
                DagRun.dag_id == kwargs["dag_id"], DagRun.run_id == kwargs["run_id"]
            )
        ).one_or_none()
        if row is None or (row[0] or row[1]) is None:
            return None
        due = due_at((row[0] or row[1]).date(), time.fromisoformat(self.at))
        return due if due > datetime.now(UTC) else None


def deadline_alert(at: time | None) -> DeadlineAlert | None:
    """The DAG's deadline from NEWSARCHIVE_DEADLINE (checked by the settings model when the DAG file is
    parsed: a wrong value fails the import with one line naming the variable); None when it is off."""
    if at is None:
        return None
    return DeadlineAlert(
        reference=SnapshotDueAt(at.isoformat()),
        interval=timedelta(0),
        callback=SyncCallback(missed),
        name=f"snapshot complete by {at.isoformat()} UTC",
    )


def missed(context: Mapping[str, Any]) -> None:
    """The deadline passed and the run had not succeeded: alert once for the day, unless its snapshot is
    complete after all."""
    from archive.store import open_store
    from common.errors import ObjectExists
    from newsarchive.airflow_glue.alerts import CONTEXT_KEY, Alert, AlertConfig, notifiers
    from newsarchive.airflow_glue.tasks import list_outlets, task_settings
    from newsarchive.ops.live_state import read_all
    from newsarchive.ops.status import compute, day_snapshot, load_recent

    run = context.get("dag_run") or {}
    stamp = str(run.get("logical_date") or run.get("run_after") or "")
    day = date.fromisoformat(stamp[:10])
    settings = task_settings()
    store = open_store(settings.archive)
    active = list_outlets()
    now = datetime.now(UTC)
    manifests, _, first = load_recent(store, day - timedelta(days=settings.stale_days), day)
    live, _ = read_all(store)
    snapshot = day_snapshot(manifests, active, day)
    at = settings.deadline.isoformat() if settings.deadline else "its deadline"
    if snapshot.state == "complete":
        logger.info("deadline %s of %s met after all: %s is complete", at, day, snapshot.snapshot)
        return
    status = compute(
        manifests, live, active, now=now, stale_days=settings.stale_days, first_day=first
    )
    failing = [o for o in status.outlets if o.active and o.failing]
    failing += [
        o
        for o in status.outlets
        if o.outlet in snapshot.gaps and o not in failing and o.day == day.isoformat()
    ]
    waiting = [o for o in status.outlets if o.active and o.state == "running"]
    held = {
        "missing": "is not published",
        "incomplete": f"has gaps ({', '.join(snapshot.gaps)})",
    }[snapshot.state]
    first_line = f"the snapshot of {day} {held} at its deadline {at} UTC: " + (
        "; ".join(f"{o.outlet} {o.describe()}" for o in failing)
        if failing
        else f"still running ({', '.join(o.outlet for o in waiting) or 'no outlet'})"
    )
    why = [
        f"- {o.outlet}: {o.describe()}" + (f": {o.message}" if o.message else "") for o in failing
    ]
    if waiting:
        why.append("- still running: " + ", ".join(f"{o.outlet} ({o.stage})" for o in waiting))
    if status.run is not None and status.run.day == day.isoformat() and status.run.state != "ok":
        why.append(
            f"- the run's {status.run.stage}: {status.run.state}"
            + (f" ({status.run.reason}: {status.run.message})" if status.run.reason else "")
        )
    cause = first_line + f"\n(checked {now.strftime('%H:%M:%SZ')})\n" + "\n".join(why)
    marker = {"day": day.isoformat(), "run_id": run.get("dag_run_id"), "at": now.isoformat()}
    try:
        store.put_bytes(
            layout.deadline_alert_key(day), json.dumps({**marker, "cause": cause}).encode("utf-8")
        )
    except ObjectExists:
        logger.info("deadline of %s: alerted already (%s)", day, layout.deadline_alert_key(day))
        return
    logger.warning("deadline missed: %s", cause)
    config = AlertConfig.from_env()
    if not config.enabled:
        return
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback="http://localhost:8080/").rstrip("/")
    dag_id, run_id = str(run.get("dag_id") or "news_archive"), str(run.get("dag_run_id") or "")
    alert = Alert(
        dag_id=dag_id,
        run_id=run_id,
        task=f"snapshot deadline {at} UTC",
        outlets=tuple(o.outlet for o in failing or waiting),
        cause=cause,
        run_url=f"{base}/dags/{quote(dag_id)}/runs/{quote(run_id)}",
        log_url=f"{base}/newsarchive/",
    )
    for notifier in notifiers(config):
        try:
            notifier({**context, CONTEXT_KEY: alert})
        except Exception:  # one channel down must not stop the other
            logger.exception("deadline alert through %s failed", type(notifier).__name__)
