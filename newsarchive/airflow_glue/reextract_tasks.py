"""The `news_reextract` DAG's task bodies: the same functions as `newsarchive reextract`, one mapped task
per archived day of the range given in the run's params (since, until, outlets, only_stale, reason)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from newsarchive.airflow_glue.context import TaskContext
from newsarchive.airflow_glue.task_events import report as summary_report
from newsarchive.airflow_glue.tasks import task_body, task_settings
from newsarchive.cli import args as cli_args
from newsarchive.reextract.day import ReextractError, ReextractRequest, archived_days, reextract_day
from outlets.registry import load_registry

logger = logging.getLogger(__name__)


def _day(params: Mapping[str, Any], name: str) -> date:
    try:
        return cli_args.day(str(params.get(name) or ""))
    except argparse.ArgumentTypeError as exc:
        raise ReextractError(f"param {name}: {exc}") from None


def request_of(params: Mapping[str, Any]) -> ReextractRequest:
    outlets = params.get("outlets") or []
    if not isinstance(outlets, list) or not all(isinstance(o, str) for o in outlets):
        raise ReextractError(f"param outlets: {outlets!r} is not a list of outlet ids")
    return ReextractRequest(
        tuple(outlets), bool(params.get("only_stale")), False, str(params.get("reason") or "")
    )


@task_body
def list_days(context: TaskContext) -> list[str]:
    """The range's days that have a snapshot (a bad param or an empty range fails the run for good)."""
    params = context["params"]
    settings = task_settings()
    load_registry(settings.outlets_path).select(list(request_of(params).outlets) or None)
    since, until = _day(params, "since"), _day(params, "until")
    days = [d.isoformat() for d in archived_days(settings, since, until)]
    if not days:
        raise ReextractError(f"no snapshot from {since} to {until} in {settings.archive}")
    summary_report(context, f"SUMMARY days: {len(days)} archived days from {since} to {until}")
    return days


@task_body
def reextract(day: str, context: TaskContext) -> dict[str, Any]:
    """One day re-extracted and published as a derived rev; exactly once per DAG run (its run id)."""
    result = reextract_day(
        task_settings(),
        date.fromisoformat(day),
        request_of(context["params"]),
        context["dag_run"].run_id,
    )
    for report in result.reports:
        logger.info("%s", report.render())
    for problem in result.problems:
        logger.warning("PROBLEM %s: %s", day, problem)
    summary_report(context, f"SUMMARY reextract {result.headline()}")
    return {
        "day": day,
        "source": result.source,
        "published": result.published,
        "note": result.note,
        "problems": len(result.problems),
        "changed": {r.outlet: r.text_changed for r in result.reports},
    }
