"""The host name a Celery worker gives its task instances: Airflow's `[core] hostname_callable`.

On a real cluster every worker is a machine of its own and Airflow's default (the FQDN) names it. Two
workers on one machine (`make cluster`) would both report that one name, so scripts/cluster.sh sets
`AIRFLOW__CORE__HOSTNAME_CALLABLE=newsarchive.airflow_glue.worker_name.hostname` and NEWSARCHIVE_WORKER_HOSTNAME per
worker; the UI and the REST API then tell which worker ran a task instance (field `hostname`).
"""

from __future__ import annotations

import os
import socket

ENV = "NEWSARCHIVE_WORKER_HOSTNAME"


def hostname() -> str:
    """NEWSARCHIVE_WORKER_HOSTNAME if set (read here, by its declaration: Airflow calls this at the
    edge), else the FQDN."""
    from newsarchive.variables import BY_NAME

    return BY_NAME[ENV].parse(os.environ.get(ENV, "")) or socket.getfqdn()
