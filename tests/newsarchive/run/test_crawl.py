"""Process hygiene of newsarchive.run.crawl: a crawl dies with its parent, sees no credentials, and its memory
limit measures the crawl alone. Each test runs a small Python parent that calls run_crawl, as `newsarchive
run` does, against a replica on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsarchive.run import crawl
from newsarchive.run.crawl import CrawlError, crawl_environment
from replica.server import ReplicaServer
from tests.conftest import ROOT
from tests.spiders.runs import crawl as crawl_outlet

pytestmark = pytest.mark.slow  # crawl subprocesses

SECRET = "sentinel-secret-4f1c"
PARENT = """
import json, resource, subprocess, sys
from pathlib import Path
from newsarchive.config import Settings
from newsarchive.run.crawl import run_crawl
from outlets.registry import load_registry

host_map, out, outlet, allocate_mb, limits = json.loads(sys.argv[1])
if allocate_mb:  # a parent that once used a lot of memory, then freed it
    block = b"\\1" * (allocate_mb << 20)
    del block
child = subprocess.run([sys.executable, "-c", "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
                       capture_output=True, text=True, check=True)
print(json.dumps({"parent_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "child_maxrss_kb": int(child.stdout)}), flush=True)
report = run_crawl(Settings(archive=out, host_map=host_map, scrapy_settings=limits), load_registry(), outlet, Path(out))
print(json.dumps(report.to_dict()), flush=True)
"""


def _parent(
    server, out: Path, outlet: str, allocate_mb: int = 0, limits=None, env_extra=None
) -> subprocess.Popen:
    args = json.dumps([server.host_map, str(out), outlet, allocate_mb, limits or {}])
    return subprocess.Popen(
        [sys.executable, "-c", PARENT, args],
        cwd=ROOT,
        env={**os.environ, **(env_extra or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; only its exit status is left for its new parent


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_the_crawl_environment_has_no_credentials():
    parent = {
        "AWS_ACCESS_KEY_ID": "AKIA",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": "t",
        "AWS_PROFILE": "archive",
        "AWS_ENDPOINT_URL": "http://key:secret@s3.local",
        "AIRFLOW_CONN_S3": "aws://k:s@",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql://u:p@db/airflow",
        "GITHUB_TOKEN": "g",
        "SMTP_PASSWORD": "p",
        "my_secret_key": "s",
        "PATH": "/usr/bin",
        "HOME": "/home/x",
        "NEWSARCHIVE_OUTLETS": "outlets.toml",
        "HTTPS_PROXY": "http://proxy:3128",
    }
    assert crawl_environment(parent) == {
        "PATH": "/usr/bin",
        "HOME": "/home/x",
        "NEWSARCHIVE_OUTLETS": "outlets.toml",
        "HTTPS_PROXY": "http://proxy:3128",
    }


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux's"
)
def test_killing_only_the_parent_stops_its_crawl_which_never_saw_a_secret(tmp_path):
    with ReplicaServer(per_outlet=20) as server:
        server.replica.faults.set(
            "anapress", "timeout"
        )  # every request hangs: the crawl would go on for minutes
        parent = _parent(
            server,
            tmp_path,
            "anapress",
            limits={"DOWNLOAD_TIMEOUT": "120"},
            env_extra={"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_ACCESS_KEY_ID": "AKIATEST"},
        )
        try:
            assert _wait_for(lambda: server.replica.requests, 60), parent.communicate(timeout=5)
            (child,) = _children(parent.pid)
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            assert SECRET.encode() in Path(f"/proc/{parent.pid}/environ").read_bytes()
            assert not [v for v in environ if SECRET.encode() in v or v.startswith(b"AWS_")]
            assert os.getpgid(child) == child != os.getpgid(parent.pid)  # its own process group

            parent.send_signal(signal.SIGKILL)
            parent.wait(timeout=10)
            assert _wait_for(lambda: not _alive(child), 5), "the crawl outlived its parent"
            seen = len(server.replica.requests)
            time.sleep(1.0)
            assert len(server.replica.requests) == seen
        finally:
            parent.kill()
            parent.communicate()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_a_crawl_that_times_out_is_killed_with_its_process_group(tmp_path, monkeypatch):
    monkeypatch.setattr(crawl, "CRAWL_TIMEOUT_S", 3)
    with ReplicaServer(per_outlet=20) as server:
        server.replica.faults.set("anapress", "timeout")
        start = time.monotonic()
        with pytest.raises(CrawlError, match="did not finish within 3 s"):
            crawl_outlet(server, "anapress", tmp_path, DOWNLOAD_TIMEOUT="120")
    assert time.monotonic() - start < 10
    assert not [
        p
        for p in Path("/proc").glob("[0-9]*/cmdline")
        if _readable(p) and str(tmp_path).encode() in _readable(p)
    ]


def _readable(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="ru_maxrss is inherited across exec on Linux"
)
def test_a_parent_that_once_used_600_mb_can_run_a_crawl_limited_to_300_mb(replica, tmp_path):
    parent = _parent(
        replica,
        tmp_path,
        "orient",
        allocate_mb=600,
        limits={"MEMUSAGE_LIMIT_MB": "300", "MEMUSAGE_WARNING_MB": "0"},
    )
    stdout, stderr = parent.communicate(timeout=120)
    assert parent.returncode == 0, stderr[-3000:]
    premise, report = (json.loads(line) for line in stdout.splitlines()[-2:])
    # what Scrapy's own MemoryUsage reads: a process started by this parent begins over the limit
    assert premise["child_maxrss_kb"] > 600 * 1024
    assert report["finish_reason"] == "finished" and report["fetched"] == 20
    assert report["memusage_max"] < 300 * 2**20
