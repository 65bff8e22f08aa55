"""Mapped task labels in every state: an Airflow cluster policy (entry point `airflow.policy`).

Airflow 3 renders a task's `map_index_template` only when the task runs, so a mapped task that has not
run yet (scheduled, queued) or never will (upstream failed) is labelled `0`, `1`, ... in the grid and the
REST API. This policy gives each mapped task instance, when the scheduler creates it, the value it was
expanded from as its label: for the DAG's `per_outlet` group that is the outlet id, which is also what its
`map_index_template` renders when the task runs. It acts only on tasks that declare a
`map_index_template`, whose expansion has exactly one argument fed by an upstream task's XCom list of
short strings; anything else keeps Airflow's own behaviour.

It runs inside the scheduler (and `dag.test()`), never in a task, and reads only the XCom of the run.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.policies import hookimpl

logger = logging.getLogger(__name__)
MAX_LABEL = 250  # the column's width


def _expand_input(task: Any) -> Any:
    """The expansion a mapped task instance comes from: its own, or that of its mapped task group."""
    if getattr(task, "_expand_input", None) is not None:
        return task._expand_input
    group = getattr(task, "task_group", None)
    while group is not None:
        if getattr(group, "_expand_input", None) is not None:
            return group._expand_input
        group = getattr(group, "parent_group", None) or getattr(group, "task_group", None)
    return None


def expansion_label(task: Any, run_id: str, map_index: int, session: Any) -> str | None:
    """The label of a mapped task instance: the map_index-th item of the one list it was expanded over."""
    if not getattr(task, "map_index_template", None) and not getattr(
        task, "partial_kwargs", {}
    ).get("map_index_template"):
        return None
    expand = _expand_input(task)
    values = getattr(expand, "value", None)
    if not isinstance(values, dict) or len(values) != 1:
        return None
    arg = next(iter(values.values()))
    operator, key = getattr(arg, "operator", None), getattr(arg, "key", None)
    if operator is None or not key:
        return None
    from airflow.models.xcom import XComModel

    row = session.scalars(
        XComModel.get_many(
            run_id=run_id,
            key=key,
            task_ids=operator.task_id,
            dag_ids=operator.dag_id,
            map_indexes=-1,
            limit=1,
        )
    ).first()
    if row is None:
        return None
    items = XComModel.deserialize_value(row)
    if (
        not isinstance(items, list)
        or not 0 <= map_index < len(items)
        or not isinstance(items[map_index], str)
    ):
        return None
    return items[map_index][:MAX_LABEL] or None


@hookimpl
def task_instance_mutation_hook(task_instance: Any, dag_run: Any) -> None:
    if task_instance.map_index < 0 or task_instance._rendered_map_index is not None:
        return
    task = getattr(task_instance, "task", None)
    if task is None or dag_run is None:
        return
    from sqlalchemy.orm import object_session

    session = object_session(dag_run)
    if session is None:
        return
    try:
        label = expansion_label(task, task_instance.run_id, task_instance.map_index, session)
    except Exception:  # a label is never worth a scheduler error: Airflow's own index stays
        logger.warning(
            "no label for %s[%s]", task_instance.task_id, task_instance.map_index, exc_info=True
        )
        return
    if label:
        task_instance._rendered_map_index = label


# Airflow 3.3.2 erases the label when a task fails and waits for its retry: the task runner's RetryTask
# message carries no rendered_map_index (sdk/execution_time/task_runner.py, the retry branch of the failure
# handling), so the execution API writes NULL over it, in the ORM (`ti._rendered_map_index = None`) and in
# the UPDATE it runs, and the grid shows `2` instead of `euronews` until the next try starts. A label
# once given is never replaced by nothing: both writes keep the label the task instance has.

_LABEL_NAMES = {"rendered_map_index", "_rendered_map_index"}


def _is_null(value: Any) -> bool:
    from sqlalchemy.sql.elements import BindParameter, Null

    return (
        value is None
        or isinstance(value, Null)
        or (isinstance(value, BindParameter) and value.value is None and value.callable is None)
    )


def _keep_label_in_updates(state: Any) -> None:
    """do_orm_execute: an UPDATE of task_instance that sets rendered_map_index to NULL keeps it instead."""
    if not state.is_update:
        return
    statement = state.statement
    table: Any = getattr(statement, "table", None)
    if getattr(table, "name", None) != "task_instance":
        return
    for key, value in (getattr(statement, "_values", None) or {}).items():
        name = (
            key if isinstance(key, str) else getattr(key, "key", None) or getattr(key, "name", None)
        )
        if name in _LABEL_NAMES and _is_null(value):
            state.statement = statement.values({key: table.c.rendered_map_index})
            return


def _keep_label_on_flush(session: Any, flush_context: Any, instances: Any) -> None:
    """before_flush: a task instance whose label was set to None in the ORM gets its label back."""
    from sqlalchemy.orm.attributes import get_history

    for obj in session.dirty:
        if type(obj).__name__ != "TaskInstance" or not hasattr(obj, "_rendered_map_index"):
            continue
        history = get_history(obj, "_rendered_map_index")
        old = [v for v in history.deleted if isinstance(v, str) and v]
        if old and obj._rendered_map_index is None:
            obj._rendered_map_index = old[0]


def _install() -> None:
    """Session events, for every session of this process (scheduler, API server, dag.test)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "do_orm_execute", _keep_label_in_updates):
        event.listen(Session, "do_orm_execute", _keep_label_in_updates)
        event.listen(Session, "before_flush", _keep_label_on_flush)


_install()
