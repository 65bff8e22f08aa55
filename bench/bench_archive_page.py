"""How long the Archive page takes to build from an archive of 30 daily snapshots (5 outlets, 200 rows a
day), beside what an operator would run instead to learn the same: `newsarchive snapshots list` and
`newsarchive snapshots verify` for the latest 7 days. Prints the figures of this run only."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.snapshot import publish_snapshot  # noqa: E402
from archive.store import open_store  # noqa: E402
from newsarchive.airflow_glue.archive_page.health import collect, verify_problems  # noqa: E402
from newsarchive.airflow_glue.archive_page.render import render  # noqa: E402
from tests.archive.test_snapshot import write_warc  # noqa: E402

DAYS, OUTLETS, PER_OUTLET = 30, ("anapress", "orient", "euronews", "enabbaladi", "zamanalwsl"), 40


def _row(n: int, outlet: str, day: date) -> dict:
    return {
        "id": f"{day}-{outlet}-{n}",
        "url": f"https://x/{day}/{outlet}/{n}",
        "canonical_url": f"https://x/{day}/{outlet}/{n}",
        "outlet": outlet,
        "title": f"عنوان {n}",
        "author": None,
        "published": f"{day}T09:00:00+03:00",
        "date_source": "jsonld",
        "modified": None,
        "language": "ar",
        "text": "نص المقال " * 200,
        "capture_id": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        store = open_store(archive)
        start = date(2026, 10, 31)
        numbers = list(range(1, PER_OUTLET + 1))
        warcs = {o: write_warc(Path(tmp) / f"{o}.warc.gz", numbers) for o in OUTLETS}
        for k in range(DAYS):
            day = start + timedelta(days=k)
            rows = [_row(n, o, day) for o in OUTLETS for n in numbers]
            publish_snapshot(store, day, rows, warcs, run_id=f"scheduled__{day}")
        t0 = time.perf_counter()
        health = collect(store)
        html = render(health)
        cold = time.perf_counter() - t0
        verified: dict = {}

        def cached(s, ref):
            if ref.label not in verified:
                verified[ref.label] = verify_problems(s, ref)
            return verified[ref.label]

        collect(store, verifier=cached)
        t0 = time.perf_counter()
        render(collect(store, verifier=cached))
        warm = time.perf_counter() - t0
        cli = [str(ROOT / ".venv" / "bin" / "newsarchive")]
        t0 = time.perf_counter()
        subprocess.run(
            cli + ["snapshots", "list", "--archive", str(archive)], check=True, capture_output=True
        )
        for k in range(DAYS - 7, DAYS):
            day = (start + timedelta(days=k)).isoformat()
            subprocess.run(
                cli + ["snapshots", "verify", day, "--archive", str(archive)],
                check=True,
                capture_output=True,
            )
        baseline = time.perf_counter() - t0
    print(
        f"archive page over {DAYS} snapshots x {len(OUTLETS)} outlets x {PER_OUTLET} rows "
        f"({len(html) // 1024} KiB of HTML):"
    )
    print(f"  page, cold (30 manifests read, latest 7 verified)   {cold:6.2f} s")
    print(
        f"  page, verify results cached (every later minute)    {warm:6.2f} s (the app then serves its "
        "cached page for 60 s)"
    )
    print(f"  baseline: newsarchive snapshots list + 7x verify   {baseline:6.2f} s")


if __name__ == "__main__":
    main()
