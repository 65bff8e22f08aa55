"""
### news_archive

Daily archive of the outlets in `outlets.toml`: **list outlets → crawl (one mapped task per outlet,
each its own `scrapy crawl` process, in pool `newsarchive_crawl`) → extract (mapped per outlet) → dedup →
publish snapshot → quality check**.

* Tasks share nothing but the archive store (`NEWSARCHIVE_ARCHIVE`): each reads and writes only under
  its own run's `staging/date=<logical date>/run=<run id>/`, XCom carries counts only. Any worker can
  run any task; no run reads another run's objects. Publish removes what it published from staging.
* Every step goes through the run's lifecycle (`newsarchive/run/lifecycle/`), which reads the run's
  state from the archive: a retried or cleared task, a cleared run and a new run of the date all end in
  a truthful snapshot. Outlets the run published before a clear keep their counts; `quality` (last,
  after every outlet) publishes what was staged after the run's publish (e.g. Clear, only failed); a
  crawl or extraction whose output no task will publish any more fails naming the task to clear.
* Every task log ends with a `SUMMARY` line (fetched, failed by reason, extracted, archived), on success
  and on failure; a crawl's counts are also in its XCom `counts`, with `error` and `message` when it failed.
* Every try of a task records its state in the archive as it starts and ends (`ops/live/`): the Archive
  page, `newsarchive health` and the metrics (Prometheus text file, OpenTelemetry) show a failing outlet
  from its first failed try, with the cause and the next try's time.
* `NEWSARCHIVE_DEADLINE` (HH:MM UTC, default off): a run whose day's snapshot is not complete by then
  alerts once, naming what is late and why (an Airflow deadline alert).
* Mapped tasks are labelled by their outlet in every state (queued, running, retrying, upstream failed).
* A task that fails for good alerts by email and/or Slack when `NEWSARCHIVE_ALERT_*` name Airflow
  connections (newsarchive/airflow_glue/alerts.py).
* A failed outlet fails its own mapped task; dedup and publish still run (`all_done`) and the
  snapshot's `manifest.json` records the gap.
* The snapshot lands in `snapshots/date=YYYY-MM-DD/rev=N/` with `_SUCCESS` written last; publish then
  emits an event on the Asset `newsarchive_snapshot` (extra: snapshot, store, prefix, archived), so a
  downstream DAG can be scheduled on it.
* Crawls are incremental: what earlier days archived is never requested again (state in the archive).
* A rerun of a date publishes a new rev that carries forward every article of the day it did not capture
  again; a retried publish completes its run's snapshot once. `gc` (daily, last) removes what dead
  runs left behind.
* `quality` fails at once (no retry) when an outlet yields 0 new articles, drops below its recent median, or
  its archived text has furniture lines; the figures are in the manifest under `counts.quality`.

Schedule: `NEWSARCHIVE_SCHEDULE` (cron, default 03:00 UTC daily). Logic lives in the `newsarchive`
package; this file is wiring only.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task, task_group

from newsarchive.airflow_glue import task_events  # stdlib only at import
from newsarchive.airflow_glue.deadline import deadline_alert
from newsarchive.config import DagSettings

# the whole environment checked at parse (newsarchive/variables.py): a wrong value names its variable
SETTINGS = DagSettings.from_env()
CRAWL_POOL = SETTINGS.crawl_pool
# Celery queues (ignored by the LocalExecutor): network-bound crawls apart from CPU-bound processing
CRAWL_QUEUE = SETTINGS.crawl_queue
PROCESS_QUEUE = SETTINGS.process_queue
# the outlet: from the task's input before it runs, from the context the task body sets while it runs
OUTLET_LABEL = "{{ outlet_id | default(task.op_kwargs.get('outlet', ''), true) }}"
SNAPSHOT = Asset(name="newsarchive_snapshot", uri="newsarchive://snapshots")


@dag(
    dag_id="news_archive",
    schedule=SETTINGS.schedule,  # NEWSARCHIVE_SCHEDULE; empty: None, triggered runs only
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["newsarchive", "crawl", "archive"],
    doc_md=__doc__,
    deadline=deadline_alert(SETTINGS.deadline),  # NEWSARCHIVE_DEADLINE; None: off
    default_args={
        "owner": "newsarchive",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=3),
        # live state and metrics as each try starts and ends, the alert on a failure for good
        # (NEWSARCHIVE_ALERT_*: email and Slack), and the SUMMARY line as the log's last line
        "on_execute_callback": task_events.on_execute,
        "on_success_callback": task_events.on_success,
        "on_retry_callback": task_events.on_retry,
        "on_failure_callback": task_events.on_failure,
    },
)
def news_archive():
    @task(queue=PROCESS_QUEUE)
    def list_outlets() -> list[str]:
        from newsarchive.airflow_glue import tasks as airflow_tasks

        return airflow_tasks.list_outlets(get_current_context())

    # each mapped task is labelled by its outlet in every state: by the scheduler when it creates the task
    # (newsarchive/airflow_glue/labels.py) and by this template as soon as the task starts
    @task(pool=CRAWL_POOL, queue=CRAWL_QUEUE, map_index_template=OUTLET_LABEL)
    def crawl(outlet: str) -> str:
        from newsarchive.airflow_glue import tasks as airflow_tasks

        context = get_current_context()
        context["outlet_id"] = outlet
        airflow_tasks.crawl(outlet, context)  # counts: XCom `counts`, also on failure
        return outlet

    @task(queue=PROCESS_QUEUE, map_index_template=OUTLET_LABEL)
    def extract(outlet: str) -> dict:
        from newsarchive.airflow_glue import tasks as airflow_tasks

        context = get_current_context()
        context["outlet_id"] = outlet
        return airflow_tasks.extract(outlet, context)

    @task(queue=PROCESS_QUEUE, trigger_rule="all_done")
    def dedup() -> dict:
        from newsarchive.airflow_glue import tasks as airflow_tasks

        return airflow_tasks.dedup(get_current_context())

    @task(queue=PROCESS_QUEUE, trigger_rule="all_done", outlets=[SNAPSHOT])
    def publish() -> dict:
        from newsarchive.airflow_glue import tasks as airflow_tasks

        context = get_current_context()
        result = airflow_tasks.publish(context)  # nothing to publish fails the task for good
        context["outlet_events"][SNAPSHOT].extra = result
        return result

    # the run's last task: after every outlet and publish, whatever their state
    @task(queue=PROCESS_QUEUE, trigger_rule="all_done")
    def quality() -> str:
        from newsarchive.airflow_glue import tasks as airflow_tasks

        return airflow_tasks.quality(get_current_context())  # a failed canary fails for good

    @task_group
    def per_outlet(outlet: str):
        # mapped as a group: a failed crawl fails only its own outlet's extract, never the others'
        return extract(crawl(outlet))

    @task(queue=PROCESS_QUEUE, trigger_rule="all_done")
    def gc() -> str:
        from newsarchive.airflow_glue import tasks as airflow_tasks

        return airflow_tasks.gc(get_current_context())

    outlets_done = per_outlet.expand(outlet=list_outlets())
    published = publish()
    outlets_done >> dedup() >> published
    [outlets_done, published] >> quality()
    published >> gc()  # a leaf beside quality, so a failed canary still fails the run


news_archive()
