"""S3 settings from an Airflow connection (conn type `aws`), applied as boto3's standard variables.

Set NEWSARCHIVE_AWS_CONN_ID=<conn id> on the workers; the connection's login/password are the access
key pair, and its extra may hold `endpoint_url` and `region_name` (MinIO, SeaweedFS, R2, ...).
"""

from __future__ import annotations

import os
from typing import Any

CONN_ENV = "NEWSARCHIVE_AWS_CONN_ID"


def _s3_env(conn: Any) -> dict[str, str]:
    """boto3's standard variables from an Airflow connection (conn type `aws`)."""
    extra = conn.extra_dejson or {}
    env = {
        "AWS_ACCESS_KEY_ID": conn.login or "",
        "AWS_SECRET_ACCESS_KEY": conn.password or "",
        "AWS_ENDPOINT_URL": extra.get("endpoint_url") or "",
        "AWS_DEFAULT_REGION": extra.get("region_name") or "",
    }
    return {k: v for k, v in env.items() if v}


def s3_env_from_connection(conn_id: str) -> dict[str, str]:
    """In a task process: through the task SDK."""
    from airflow.sdk import BaseHook  # only ever imported inside a running task

    return _s3_env(BaseHook.get_connection(conn_id))


def s3_env_in_server(conn_id: str) -> dict[str, str]:
    """In an Airflow server process (the API server, where the Archive page runs): the same settings,
    read through the metadata database and secrets backends; they go to one store, not to os.environ."""
    from airflow.models.connection import Connection

    return _s3_env(Connection.get_connection_from_secrets(conn_id))


def apply_connection() -> None:
    """In a task process: take the S3 settings from the Airflow connection named by NEWSARCHIVE_AWS_CONN_ID."""
    from newsarchive.variables import BY_NAME

    if conn_id := BY_NAME[CONN_ENV].parse(os.environ.get(CONN_ENV, "")):
        os.environ.update(s3_env_from_connection(conn_id))
