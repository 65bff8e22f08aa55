"""newsarchive/airflow_glue/worker_name.py: the host name a Celery worker gives its task instances is
NEWSARCHIVE_WORKER_HOSTNAME when set (validated), else the machine's FQDN."""

from __future__ import annotations

import socket

import pytest

from common.errors import ConfigError
from newsarchive.airflow_glue.worker_name import ENV, hostname


def test_the_variable_names_the_worker_else_the_fqdn(monkeypatch):
    monkeypatch.setenv(ENV, "worker-2.local")
    assert hostname() == "worker-2.local"
    monkeypatch.delenv(ENV)
    assert hostname() == socket.getfqdn()
    monkeypatch.setenv(ENV, "")
    assert hostname() == socket.getfqdn()


def test_a_name_that_is_no_host_name_is_refused(monkeypatch):
    monkeypatch.setenv(ENV, "not a host/name")
    with pytest.raises(ConfigError, match=ENV):
        hostname()
