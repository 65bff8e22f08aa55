"""
### news_reextract

Manual: **re-extract archived days from their WARCs** with the current extractor and `outlets.toml`
rules, and publish each day that changed as a new rev derived from its newest one (`newsarchive
reextract`, through the same functions). No request is made to any outlet; the old revs stay as they are.

Trigger it with params: `since`, `until` (YYYY-MM-DD), `outlets` (ids; empty: all), `only_stale` (only
rows made by an older extractor or other rules), `reason` (recorded in each new manifest). One mapped
task per archived day; each task log has the diff report (lines removed and added most often, text and
metadata changed, newly extracted, newly failing) and a `SUMMARY` line. The report is also stored beside
the new rev (`reextract/<outlet>.diff.json`). Logic lives in `newsarchive/airflow_glue/reextract_tasks.py`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from newsarchive.airflow_glue import task_events  # stdlib only at import
from newsarchive.config import DagSettings

PROCESS_QUEUE = DagSettings.from_env().process_queue  # the whole environment checked at parse


@dag(
    dag_id="news_reextract",
    schedule=None,  # manual: triggered from the UI or the API with its params
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["newsarchive", "reextract", "archive"],
    doc_md=__doc__,
    params={
        "since": Param(type="string", format="date", description="first day (YYYY-MM-DD)"),
        "until": Param(type="string", format="date", description="last day (YYYY-MM-DD)"),
        "outlets": Param(
            [], type="array", items={"type": "string"}, description="outlet ids; empty: all"
        ),
        "only_stale": Param(
            False, type="boolean", description="only rows made by an older extractor or other rules"
        ),
        "reason": Param("", type="string", description="why (recorded in each new rev's manifest)"),
    },
    default_args={
        "owner": "newsarchive",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "execution_timeout": timedelta(hours=3),
        # the SUMMARY line as the log's last line, on success and on failure
        "on_success_callback": task_events.on_end,
        "on_retry_callback": task_events.on_end,
        "on_failure_callback": task_events.on_end,
    },
)
def news_reextract():
    @task(queue=PROCESS_QUEUE)
    def list_days() -> list[str]:
        from newsarchive.airflow_glue import reextract_tasks

        return reextract_tasks.list_days(get_current_context())

    @task(queue=PROCESS_QUEUE, map_index_template="{{ day }}")
    def reextract(day: str) -> dict:
        from newsarchive.airflow_glue import reextract_tasks

        context = get_current_context()
        context["day"] = day
        return reextract_tasks.reextract(day, context)

    reextract.expand(day=list_days())


news_reextract()
