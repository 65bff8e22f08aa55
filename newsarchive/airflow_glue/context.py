"""The type of Airflow's task context as our task bodies and callbacks use it.

Airflow hands each task body (`get_current_context()`) and each callback the task's context: a mapping
of values of many kinds (ti, task, dag_run, logical_date, params, exception ...), to which the DAG files
and task_events add keys of their own (outlet_id, day, newsarchive_report, newsarchive_started).
Airflow's `Context` TypedDict has no room for those keys, and the tests build contexts as plain dicts,
so the context is typed as the open mapping it is; each value is given its type where it is read.
No Airflow import: the modules that use it are tested without Airflow."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, TypeAlias

TaskContext: TypeAlias = MutableMapping[str, Any]
