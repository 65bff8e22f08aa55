"""The fault matrix on the S3 store (SeaweedFS of its own, behind a loopback proxy that can stall a request):
a publisher killed before its success marker, the S3 server killed during publish and restarted, each
followed by a retry of the same run's publish (as Airflow retries the task); `gc`; checksums; Object Lock."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys

import boto3
import pytest

from archive.snapshot import day_revs, list_snapshots, load_manifest
from archive.store import open_store
from archive.verify import verify
from replica.server import ReplicaServer
from tests.conftest import ROOT, RUN_DAY
from tests.faultproxy import FaultProxy
from tests.newsarchive.run.test_integrity import OUTLETS, PER_OUTLET, check, everything_archived
from tests.report import matrix_row
from tests.s3server import SeaweedS3

pytestmark = pytest.mark.slow  # the S3 server and pipeline runs

# one run's stages under a fixed run id, as the DAG's tasks call them ("publish": only the publish task)
TASKS = """
import sys
from datetime import date
from newsarchive.run import lifecycle, stages
from newsarchive.config import Settings
from newsarchive.run.runs import RunRef

settings = Settings.from_env()
run = RunRef(date.fromisoformat(sys.argv[1]), sys.argv[2])
outlets = sys.argv[4:]
if sys.argv[3] == "all":
    for outlet in outlets:
        stages.crawl_stage(settings, run, outlet)
        stages.extract_stage(settings, run, outlet)
    lifecycle.deduplicate(settings, run, outlets)
print(lifecycle.publish(settings, run, outlets).ref.label)
"""


@pytest.fixture
def s3(tmp_path, monkeypatch):
    server = SeaweedS3(tmp_path / "weed").start()
    server.create_bucket("archive")
    for (
        key,
        value,
    ) in server.env.items():  # this process reads the bucket directly, not through the proxy
        monkeypatch.setenv(key, value)
    proxy = FaultProxy(server.port)
    yield server, proxy
    proxy.close()
    server.stop()


def _env(server, proxy, site) -> dict[str, str]:
    return {
        **os.environ,
        **server.env,
        "AWS_ENDPOINT_URL": proxy.endpoint,
        "NEWSARCHIVE_ARCHIVE": "s3://archive/a",
        "NEWSARCHIVE_HOST_MAP": json.dumps(site.host_map),
        "NEWSARCHIVE_REFETCH": "1",
    }


def _tasks(env, run_id: str, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", TASKS, RUN_DAY.isoformat(), run_id, mode, *OUTLETS],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _store(server):
    return open_store("s3://archive/a")


def test_killed_publisher_and_s3_outage_then_the_publish_task_retried(s3):
    server, proxy = s3
    with ReplicaServer(per_outlet=PER_OUTLET) as site:
        env = _env(server, proxy, site)
        first = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsarchive.cli.main",
                "run",
                "--date",
                RUN_DAY.isoformat(),
                *sum((["--outlet", o] for o in OUTLETS), []),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert first.returncode == 0, first.stderr
        store = _store(server)
        before = everything_archived(store)

        # 1. the publisher dies after its manifest, before its success marker
        proxy.hold(
            rb"PUT /archive/a/snapshots/date(=|%3D)2026-11-21/rev(=|%3D)2/_SUCCESS"
        )  # botocore quotes "="
        proc = _tasks(env, "run-killed", "all")
        assert proxy.held.wait(240), proc.communicate()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proxy.let_go(drop=True)
        revs = day_revs(store, RUN_DAY)
        assert (
            sorted(revs) == [1, 2]
            and not revs[2].complete
            and store.exists(f"{revs_prefix(2)}manifest.json")
        )
        assert [r.rev for r in list_snapshots(store)] == [1]  # nothing partial visible
        check("SIGKILL before the success marker (S3)", store, before)
        retry = _tasks(env, "run-killed", "publish")
        out, err = retry.communicate(timeout=240)
        assert retry.returncode == 0, err
        assert out.strip() == f"{RUN_DAY} rev 3" and [r.rev for r in list_snapshots(store)] == [
            1,
            3,
        ]
        check("... then the publish task retried (S3)", store, before)

        # 2. the S3 server is killed while the snapshot's files go up, then restarted; the task is retried
        proxy.hold(rb"PUT /archive/a/snapshots/date(=|%3D)2026-11-21/rev(=|%3D)4/warc/")
        proc = _tasks(env, "run-outage", "all")
        assert proxy.held.wait(240), proc.communicate()
        server.stop()  # SIGKILL
        proxy.let_go(drop=True)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode != 0 and "cannot reach the S3 endpoint" in err
        down = subprocess.run(
            [sys.executable, "-m", "newsarchive.cli.main", "snapshots", "list"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert down.returncode == 2 and "Traceback" not in down.stderr
        assert (
            len(down.stderr.strip().splitlines()) == 1
            and "cannot reach the S3 endpoint" in down.stderr
        )
        server.restart()
        assert [r.rev for r in list_snapshots(store)] == [1, 3]
        retry = _tasks(env, "run-outage", "publish")
        out, err = retry.communicate(timeout=240)
        assert retry.returncode == 0, err
        assert [r.rev for r in list_snapshots(store)] == [1, 3, 5]
        check("S3 killed during publish, restarted, task retried", store, before)
        assert not list(store.list("staging/"))

        # 3. gc: the abandoned revs and an upload left open go; nothing published is touched
        client = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1")
        upload = client.create_multipart_upload(
            Bucket="archive", Key="a/snapshots/date=2026-11-21/rev=5/x.bin"
        )
        client.upload_part(
            Bucket="archive",
            Key="a/snapshots/date=2026-11-21/rev=5/x.bin",
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=b"x" * 1024,
        )
        gc = subprocess.run(
            [sys.executable, "-m", "newsarchive.cli.main", "gc", "--older-than", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert gc.returncode == 0, gc.stderr
        assert "aborted 1 uploads" in gc.stdout
        assert sorted(day_revs(store, RUN_DAY)) == [1, 3, 5]  # the incomplete revs 2 and 4 are gone
        assert client.list_multipart_uploads(Bucket="archive").get("Uploads", []) == []
        assert all(verify(store, ref).problems == [] for ref in list_snapshots(store))
        matrix_row("gc after the kills (S3)", survived=True, lost=0, partial=0, without_capture=0)


def revs_prefix(rev: int) -> str:
    return f"snapshots/date={RUN_DAY.isoformat()}/rev={rev}/"


def test_uploads_carry_their_sha256_and_object_lock_keeps_them(s3, tmp_path):
    server, proxy = s3
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=server.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=server.env["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
    store = open_store("s3://locked/a", retention_days=1)
    big = tmp_path / "big.bin"
    big.write_bytes(
        os.urandom(20 * 1024 * 1024)
    )  # multipart: a SHA-256 per part, checked by the server
    digest = store.put_file("x/big.bin", big, publish=True)
    assert digest == hashlib.sha256(big.read_bytes()).hexdigest()
    small = tmp_path / "small.bin"
    small.write_bytes(b"small")
    store.put_file("x/small.bin", small)
    head = client.head_object(Bucket="locked", Key="a/x/small.bin", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"small").digest()).decode()
    assert (
        store.retention("x/big.bin").startswith("COMPLIANCE until")
        and store.retention("x/small.bin") is None
    )

    with ReplicaServer(per_outlet=3) as site:
        env = {
            **_env(server, proxy, site),
            "NEWSARCHIVE_ARCHIVE": "s3://locked/a",
            "AWS_ENDPOINT_URL": server.endpoint,
        }
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsarchive.cli.main",
                "run",
                "--date",
                RUN_DAY.isoformat(),
                "--outlet",
                "orient",
                "--retention-days",
                "1",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        ver = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsarchive.cli.main",
                "snapshots",
                "verify",
                RUN_DAY.isoformat(),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert ver.returncode == 0, ver.stderr
    manifest = load_manifest(store, list_snapshots(store)[-1])
    assert f"retention COMPLIANCE: {len(manifest.files)}" in ver.stdout
    victim = manifest.files[0].key
    version = client.head_object(Bucket="locked", Key=f"a/{victim}")["VersionId"]
    with pytest.raises(client.exceptions.ClientError):
        client.delete_object(Bucket="locked", Key=f"a/{victim}", VersionId=version)
