"""
### news_archive

Daily archive of the outlets in `outlets.toml`: **list outlets → crawl (one mapped task per outlet,
each its own `scrapy crawl` process) → extract (mapped per outlet) → dedup → publish snapshot**.

* Tasks share nothing but the archive store (`NEWSARCHIVE_ARCHIVE`): each reads and writes under
  `staging/date=<logical date>/`, XCom carries counts only. Any worker can run any task.
* Every task log ends with a `SUMMARY` line (fetched, failed by reason, extracted, archived).
* A failed outlet fails its own mapped task; dedup and publish still run (`all_done`) and the
  snapshot's `manifest.json` records the gap.
* The snapshot lands in `snapshots/date=YYYY-MM-DD/rev=N/` with `_SUCCESS` written last.

Schedule: `NEWSARCHIVE_SCHEDULE` (cron, default 03:00 UTC daily). Logic lives in the `newsarchive`
package; this file is wiring only.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import dag, get_current_context, task

CRAWL_POOL = os.environ.get("NEWSARCHIVE_CRAWL_POOL", "default_pool")


@dag(
    dag_id="news_archive",
    schedule=os.environ.get("NEWSARCHIVE_SCHEDULE", "0 3 * * *"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["newsarchive", "crawl", "archive"],
    doc_md=__doc__,
    default_args={
        "owner": "newsarchive",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=3),
    },
)
def news_archive():
    @task
    def list_outlets() -> list[str]:
        from newsarchive import airflow_tasks

        return airflow_tasks.list_outlets()

    @task(pool=CRAWL_POOL, map_index_template="{{ task.op_kwargs['outlet'] }}")
    def crawl(outlet: str) -> str:
        from newsarchive import airflow_tasks

        airflow_tasks.crawl(outlet, get_current_context())
        return outlet

    @task(map_index_template="{{ task.op_kwargs['outlet'] }}")
    def extract(outlet: str) -> dict:
        from newsarchive import airflow_tasks

        return airflow_tasks.extract(outlet, get_current_context())

    @task(trigger_rule="all_done")
    def dedup() -> dict:
        from newsarchive import airflow_tasks

        return airflow_tasks.dedup(get_current_context())

    @task(trigger_rule="all_done")
    def publish() -> dict:
        from newsarchive import airflow_tasks

        return airflow_tasks.publish(get_current_context())

    extracted = extract.expand(outlet=crawl.expand(outlet=list_outlets()))
    extracted >> dedup() >> publish()


news_archive()
