"""`make bench` (archive part): publish throughput to SeaweedFS S3 beside plain boto3 upload_file of the
same bytes, and export throughput (articles/s). Starts its own SeaweedFS on loopback."""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archive.readers import load_articles, write_export  # noqa: E402
from archive.records import ArchivedRow  # noqa: E402
from archive.snapshot import publish_snapshot  # noqa: E402
from archive.store import open_store  # noqa: E402
from common.timing import StageTime  # noqa: E402
from tests.s3server import SeaweedS3  # noqa: E402

WARC_MB = int(os.environ.get("BENCH_WARC_MB", "64"))
OUTLETS = 5
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PARAGRAPH = (
    "قال المرصد السوري لحقوق الإنسان إن الاشتباكات تواصلت في محيط مدينة دوما من جهة حرستا. " * 8
)


def _articles(n: int) -> list[dict]:
    return [
        {
            "id": f"{i:016x}",
            "url": f"https://example.org/a/{i}",
            "canonical_url": f"https://example.org/a/{i}",
            "outlet": f"outlet{i % OUTLETS}",
            "title": f"عنوان {i}",
            "author": None,
            "published": "2026-11-20T09:00:00+03:00",
            "date_source": "jsonld",
            "modified": None,
            "language": "ar",
            "text": f"{i} {PARAGRAPH}",
            "duplicate_of": None,
            "reason": None,
            "capture_id": f"<urn:uuid:{i:032x}>",
            "fetched_at": None,
        }
        for i in range(n)
    ]


class _Parts(logging.Handler):
    """Publish's own TIMING lines (common/timing.py): where its time goes, round by round."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, list[float]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if (found := StageTime.parse(record.getMessage())) is not None:
            self.seconds.setdefault(found.stage, []).append(found.seconds)


def main() -> None:
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        tmp = Path(tmp)
        server = SeaweedS3(tmp / "seaweed").start()
        try:
            os.environ.update(server.env)
            server.create_bucket("archive")
            warcs = {}
            for n in range(OUTLETS):
                warcs[f"outlet{n}"] = tmp / f"outlet{n}.warc.gz"
                warcs[f"outlet{n}"].write_bytes(os.urandom(WARC_MB * 1024 * 1024 // OUTLETS))
            # typed rows, as the run hands them to write_snapshot (decoding these dicts is timed apart)
            start = time.perf_counter()
            articles = [ArchivedRow.from_dict(a) for a in _articles(ARTICLES)]
            decode_s = time.perf_counter() - start
            store = open_store("s3://archive/bench")
            client = boto3.client("s3")
            local = tmp / "same-bytes"
            local.mkdir()

            cpu: dict[str, list[float]] = {"publish": [], "plain": []}  # this process, all threads

            def publish() -> float:
                start, cpu_start = time.perf_counter(), time.process_time()
                _, manifest = publish_snapshot(
                    store, date(2026, 11, 21), articles, warcs, run_id=f"bench-{time.time_ns()}"
                )
                publish.files = manifest.files
                cpu["publish"].append(time.process_time() - cpu_start)
                return time.perf_counter() - start

            def plain(round_: int, extra: dict | None = None) -> float:
                start, cpu_start = time.perf_counter(), time.process_time()
                for i, _ in enumerate(publish.files):
                    client.upload_file(
                        str(local / f"{i}"), "archive", f"plain/{round_}/{i}", ExtraArgs=extra
                    )
                if extra:
                    cpu["plain"].append(time.process_time() - cpu_start)
                return time.perf_counter() - start

            def plain_sha(round_: int) -> float:  # the same integrity check on the server as ours
                return plain(1000 + round_, {"ChecksumAlgorithm": "SHA256"})

            # one unmeasured round of each warms the server (SeaweedFS grows volumes on first writes)
            publish()
            for i, entry in enumerate(publish.files):
                store.download(entry.key, local / f"{i}")
            plain(0)
            parts = _Parts()
            timing_log = logging.getLogger("common.timing")
            timing_log.setLevel(logging.INFO)
            timing_log.addHandler(parts)
            logging.getLogger("archive.cdxj").setLevel(logging.ERROR)  # the WARCs are random bytes
            publish_runs, plain_runs, sha_runs = [], [], []
            for round_ in range(1, ROUNDS + 1):  # alternate so neither side gets a warmer server
                publish_runs.append(publish())
                plain_runs.append(plain(round_))
                sha_runs.append(plain_sha(round_))
            publish_s, plain_s = statistics.median(publish_runs), statistics.median(plain_runs)
            sha_s = statistics.median(sha_runs)
            mb = sum(f.size for f in publish.files) / 1e6
            print(
                f"publish to SeaweedFS S3: {mb:.1f} MB ({ARTICLES} articles as Parquet + {OUTLETS} WARCs), "
                f"median of {ROUNDS}: {publish_s:.2f} s = {mb / publish_s:.1f} MB/s "
                f"(Parquet encoding, SHA-256 of every file and of every part sent for the server to check, create-only "
                f"writes, manifest and marker included)"
            )
            print(
                f"plain boto3 upload_file of the same bytes, median of {ROUNDS}: {plain_s:.2f} s = "
                f"{mb / plain_s:.1f} MB/s"
            )
            print(
                f"plain boto3 upload_file with ChecksumAlgorithm=SHA256 (the server checks SHA-256, as for ours), "
                f"median of {ROUNDS}: {sha_s:.2f} s = {mb / sha_s:.1f} MB/s"
            )
            print(
                f"client CPU (this process, every thread), median of {ROUNDS}: publish "
                f"{statistics.median(cpu['publish'][1:]):.2f} s, upload_file with SHA-256 checksums "
                f"{statistics.median(cpu['plain']):.2f} s"
            )
            print(
                "publish's parts, median of the rounds (upload overlaps cdxj and parquet): "
                + ", ".join(
                    f"{stage.removeprefix('publish.')} {statistics.median(v):.2f} s"
                    for stage, v in parts.seconds.items()
                )
            )
            print(
                f"ratio publish/plain upload_file = {plain_s / publish_s:.2f} (goal >= 0.9); "
                f"publish/upload_file with SHA-256 checksums = {sha_s / publish_s:.2f} (goal >= 0.95)"
            )
            print(
                f"not in publish's time: decoding the {ARTICLES} rows from dicts "
                f"(ArchivedRow.from_dict, the run does it as it reads its staged rows) {decode_s:.2f} s"
            )
            start = time.perf_counter()
            table = load_articles(store, date(2026, 11, 21), date(2026, 11, 21))
            write_export(table, "jsonl", tmp / "export.jsonl")
            export_s = time.perf_counter() - start
            print(
                f"export to JSON Lines: {table.num_rows} articles in {export_s:.2f} s = "
                f"{table.num_rows / export_s:.0f} articles/s"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
