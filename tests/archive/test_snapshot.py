"""Snapshots as archivists and researchers use them, on the local directory and on S3 (SeaweedFS)."""

import subprocess
import sys
import threading
from datetime import date

import pytest

from archive.readers import FixityError, get_snapshot
from archive.snapshot import (
    list_snapshots,
    publish_snapshot,
    read_manifest,
    resolve_snapshot,
)
from archive.store import open_store
from archive.verify import verify_snapshot

DAY = date(2026, 11, 21)


def _article(n, outlet="orient", lang="ar", duplicate_of=None):
    return {
        "id": f"id{n:04d}",
        "url": f"https://x/{n}",
        "canonical_url": f"https://x/{n}",
        "outlet": outlet,
        "title": f"عنوان {n}",
        "author": None,
        "published": "2026-11-20T09:00:00+03:00",
        "date_source": "jsonld",
        "modified": None,
        "language": lang,
        "text": f"نص المقال رقم {n}",
        "duplicate_of": duplicate_of,
        "reason": "canonical_url" if duplicate_of else None,
        "capture_id": _capture_id(n),
        "fetched_at": None,
    }


def _capture_id(n):
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def write_warc(path, numbers):
    """A real WARC with one response record per article number (the ids _article points at)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n in numbers:
            body = f"<html><body><p>نص المقال رقم {n}</p></body></html>".encode()
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    f"https://x/{n}",
                    "response",
                    payload=BytesIO(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Record-ID": _capture_id(n)},
                )
            )
    return path


def _publish(store, warc, day=DAY, articles=None, run_id="test"):
    articles = (
        articles
        if articles is not None
        else [
            _article(1),
            _article(2),
            _article(3, "euronews", "en"),
            _article(4, duplicate_of="id0001"),
        ]
    )
    euronews = write_warc(warc.with_name("euronews.warc.gz"), [3])
    return publish_snapshot(
        store, day, articles, {"orient": warc, "euronews": euronews}, run_id=run_id
    )


def test_publish_layout_manifest_and_fixity(archive_url, warc):
    store = open_store(archive_url)
    ref, manifest = _publish(store, warc)
    keys = sorted(f.key for f in manifest.files)
    assert keys == [
        "snapshots/date=2026-11-21/rev=1/articles/outlet=euronews/lang=en/part-0000.parquet",
        "snapshots/date=2026-11-21/rev=1/articles/outlet=orient/lang=ar/part-0000.parquet",
        "snapshots/date=2026-11-21/rev=1/indexes/index.cdxj",
        "snapshots/date=2026-11-21/rev=1/warc/euronews.warc.gz",
        "snapshots/date=2026-11-21/rev=1/warc/orient.warc.gz",
    ]
    assert store.exists(ref.prefix + "_SUCCESS")
    assert verify_snapshot(store, ref) == []
    assert read_manifest(store, ref)["run_id"] == "test"


def test_concurrent_publishers_get_distinct_revs(archive_url, warc):
    store = open_store(archive_url)
    refs = []
    threads = [
        threading.Thread(
            target=lambda n=n: refs.append(
                _publish(open_store(archive_url), warc, run_id=f"r{n}")[0]
            )
        )
        for n in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.rev for r in refs) == [1, 2, 3]
    assert [r.rev for r in list_snapshots(store)] == [1, 2, 3]


def test_failed_publish_leaves_no_visible_snapshot(archive_url, warc, tmp_path):
    store = open_store(archive_url)
    with pytest.raises(FileNotFoundError):
        publish_snapshot(store, DAY, [_article(1)], {"orient": tmp_path / "missing.warc.gz"})
    assert list_snapshots(store) == []
    ref, _ = _publish(store, warc)
    assert ref.rev == 2 and resolve_snapshot(store, DAY.isoformat()).rev == 2


def test_corruption_is_named_by_verify_and_get(s3_server, warc, tmp_path):
    import boto3

    store = open_store("s3://archive/corrupt-test")
    ref, manifest = _publish(store, warc)
    victim = manifest.files[0].key
    boto3.client("s3").put_object(
        Bucket="archive", Key=f"corrupt-test/{victim}", Body=b"rotten bits"
    )
    assert [p.split(":")[0] for p in verify_snapshot(store, ref)] == [victim]
    with pytest.raises(FixityError, match=victim):
        get_snapshot(store, ref, tmp_path / "dest")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsarchive.cli.main",
            "snapshots",
            "--archive",
            "s3://archive/corrupt-test",
            "verify",
            DAY.isoformat(),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and victim in r.stderr


def test_duckdb_reads_the_hive_partitions(tmp_path, warc):
    import duckdb

    store = open_store(tmp_path / "archive")
    _publish(store, warc)
    rows = duckdb.sql(
        f"SELECT outlet, lang, count(*) AS n FROM read_parquet('{tmp_path}/archive/snapshots/*/*/articles/*/*/*.parquet',"
        " hive_partitioning = true) WHERE date = '2026-11-21' GROUP BY ALL ORDER BY outlet"
    ).fetchall()
    assert rows == [("euronews", "en", 1), ("orient", "ar", 3)]
