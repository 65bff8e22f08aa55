"""The run lifecycle: the one owner of a run's state machine, staged → deduplicated → published →
finished, which every entry point goes through: `newsarchive run`, `demo` and `outlets capture`
(newsarchive/run/pipeline.py), each task of the DAG on its first try, a retry or a clear, on any executor
(newsarchive/airflow_glue/tasks.py), and `newsarchive reextract` (the same dedup pass and publish
transaction, newsarchive/reextract/day.py).

- state.py: the run's state read from the archive (staged outputs and their attempts; revs it published);
- dedup.py: the day's rows (brought and carried forward) and the one dedup pass over them;
- transaction.py: the one publish transaction (claim, wait for lower revs, build, write, abandon);
- run.py: deduplicate, publish, finish, conclude for runs.
"""

from newsarchive.run.lifecycle.run import (
    NothingToPublish,
    Published,
    RunNotPublished,
    conclude,
    deduplicate,
    finish_published,
    preflight,
    publish,
    published_before,
)

__all__ = [
    "NothingToPublish",
    "Published",
    "RunNotPublished",
    "conclude",
    "deduplicate",
    "finish_published",
    "preflight",
    "publish",
    "published_before",
]
