"""newsarchive/airflow_glue/conn.py: the S3 settings of an Airflow connection (conn type `aws`) as boto3's
standard variables, read where the Archive page runs (an Airflow server process) through Airflow's own
secrets backends; here the environment's (AIRFLOW_CONN_*), in a Python process of its own (Airflow reads
its configuration at import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # a Python process importing Airflow


def _env_in_server(tmp_path, conn: dict) -> dict:
    code = (
        "import json; from newsarchive.airflow_glue.conn import s3_env_in_server; "
        "print(json.dumps(s3_env_in_server('archive_s3')))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIRFLOW"))},
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_ARCHIVE_S3": json.dumps(conn),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_connections_keys_endpoint_and_region_become_boto3s_variables(tmp_path):
    conn = {
        "conn_type": "aws",
        "login": "AKIAEXAMPLE",
        "password": "secret/key+1",
        "extra": {"endpoint_url": "http://127.0.0.1:8333", "region_name": "eu-central-1"},
    }
    assert _env_in_server(tmp_path, conn) == {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret/key+1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:8333",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    # what the connection leaves out is not set (boto3 then uses its own chain, e.g. an instance role)
    assert _env_in_server(tmp_path, {"conn_type": "aws"}) == {}
