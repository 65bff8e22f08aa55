"""What the DAG's task bodies call: read settings at the edge, take the run's logical date, call a stage.

Kept free of Airflow imports so it is tested without Airflow; the DAG file passes the task context in.
"""

from __future__ import annotations

import logging
from datetime import date

from newsarchive import stages
from newsarchive.config import Settings
from newsarchive.registry import load_registry

logger = logging.getLogger(__name__)


def run_day(context: dict) -> date:
    """The run's date: its logical date (never now()); a manual run without one uses run_after."""
    when = context.get("logical_date") or context["dag_run"].run_after
    return when.date()


def _summary(stage: str, outlet: str, counts: dict) -> str:
    failed = {**counts.get("failed", {}), **counts.get("extract_failed", {})}
    parts = [f"{k}={counts[k]}" for k in ("discovered", "fetched", "extracted", "kept", "archived") if k in counts]
    if skipped := {k: v for k, v in counts.get("skipped", {}).items() if v}:
        parts.append(f"skipped={skipped}")
    parts += [f"{k}={counts[k]}" for k in ("not_modified", "pending") if counts.get(k)]
    parts.append(f"failed={sum(failed.values())} {failed}" if failed else "failed=0")
    return f"SUMMARY {stage} {outlet}: " + " ".join(parts)


def task_settings() -> Settings:
    """Settings of a task process: environment, plus S3 settings from the Airflow connection if named."""
    from newsarchive.airflow_conn import apply_connection

    apply_connection()
    return Settings.from_env()


def list_outlets() -> list[str]:
    return load_registry(Settings.from_env().outlets_path).ids


def crawl(outlet: str, context: dict) -> dict:
    report = stages.crawl_stage(task_settings(), outlet, run_day(context))
    logger.info(_summary("crawl", outlet, report))
    return {k: report[k] for k in ("outlet", "discovered", "fetched", "failed", "skipped", "pending")}


def extract(outlet: str, context: dict) -> dict:
    report = stages.extract_stage(task_settings(), outlet, run_day(context))
    logger.info(_summary("extract", outlet, report))
    return report


def dedup(context: dict) -> dict:
    report = stages.dedup_stage(task_settings(), run_day(context), list_outlets())
    logger.info(_summary("dedup", "all", report))
    return report


def publish(context: dict) -> dict:
    settings = task_settings()
    run_id = context["dag_run"].run_id
    result = stages.publish_stage(settings, run_day(context), list_outlets(), run_id=run_id)
    for outlet, counts in result["counts"]["outlets"].items():
        logger.info(_summary("publish", outlet, counts) + (f" GAP: {counts['gap']}" if "gap" in counts else ""))
    return {"snapshot": result["snapshot"], "store": result["store"], "prefix": result["prefix"],
            "archived": result["counts"]["archived"]}


def quality(published: dict, context: dict) -> str:
    """Fails the task, naming every problem, when the canary's figures in the manifest say so."""
    verdict = stages.quality_stage(task_settings(), run_day(context), published["snapshot"])
    logger.info("SUMMARY quality: %s", verdict)
    return verdict
