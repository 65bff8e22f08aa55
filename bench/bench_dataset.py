"""`make bench` (dataset part): `newsarchive query` and `newsarchive export` on the research bench's synthetic
archive (bench/synthetic_archive.py, 100 days x 10,000 articles, the current table kept by the publish
hook) with the typed columns of schema 2, beside the same commands of the code before them (a checkout of
that code and an archive it made, given with --before-tree and --before-archive), taking turns in two
worker processes (a busy machine slows both alike); and the dataset card and Croissant file's build time
per publish, beside the table refresh that publish already does for the day.

    nice -n 5 python bench/bench_dataset.py [--archive DIR] \\
        [--before-tree TREE --before-archive DIR2] [--rounds 7]

Without --before-tree, the code before schema 2 is taken from git (`git archive 1759f55`) and its
archive made with it, in a temporary directory (a few minutes more).

The worker mode (`--serve ARCHIVE --root TREE`) runs one command per line of stdin in process and
prints its wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve()
MONTH = (date(2026, 7, 1), date(2026, 7, 31))
WEEK = (date(2026, 7, 1), date(2026, 7, 7))
QUERIES = {
    "month count by outlet": (
        "SELECT outlet, count(*) AS articles FROM articles "
        f"WHERE snapshot_date BETWEEN '{MONTH[0]}' AND '{MONTH[1]}' GROUP BY outlet ORDER BY outlet"
    ),
    "a month's 10 newest by published": (
        "SELECT id, published FROM articles "
        f"WHERE snapshot_date BETWEEN '{MONTH[0]}' AND '{MONTH[1]}' ORDER BY published DESC, id LIMIT 10"
    ),
}


# -- the worker: one tree's code, one archive -----------------------------------------------------------
def serve(archive: str, root: str) -> None:
    sys.path.insert(0, root)
    from archive.store import open_store
    from newsarchive.cli import snapshots
    from newsarchive.cli.main import main as cli
    from newsarchive.research.query import connect, run_query

    store = open_store(archive, create=False)
    formats = list(snapshots.EXPORT_FORMATS)
    import newsarchive

    print(json.dumps({"formats": formats, "code": newsarchive.__file__}), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-dataset-") as tmp:
        for line in sys.stdin:
            kind, _, what = line.strip().partition(" ")
            start = time.perf_counter()
            if kind == "query":
                with connect(store, warn=lambda _: None) as sandbox:
                    rows = run_query(sandbox, QUERIES[what]).fetchall()
                result: object = len(rows)
            else:
                out = Path(tmp) / f"export.{what}"
                with contextlib.redirect_stdout(io.StringIO()):
                    code = cli(
                        ["export", "--archive", archive, "--since", str(WEEK[0]), "--until"]
                        + [str(WEEK[1]), "--format", what, "--out", str(out)]
                    )
                result = (code, out.stat().st_size)
                out.unlink()
            print(json.dumps({"s": time.perf_counter() - start, "result": result}), flush=True)


class Worker:
    def __init__(self, archive: str, root: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE), "--serve", archive, "--root", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        hello = json.loads(self.ask_line())
        self.formats, self.code = hello["formats"], hello["code"]

    def ask_line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline()

    def run(self, command: str) -> tuple[float, object]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.ask_line())
        return answer["s"], answer["result"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# -- the card's build time -------------------------------------------------------------------------------
def card_build(archive: str, rounds: int) -> None:
    sys.path.insert(0, str(HERE.parents[1]))
    from archive.current_table import refresh_day
    from archive.dataset_card import DatasetInfo
    from archive.dataset_docs import write_dataset_docs
    from archive.snapshot import newest_revs
    from archive.store import open_store

    store = open_store(archive, create=False)
    info = DatasetInfo()
    cards, refreshes = [], []
    last = newest_revs(store)[-1]
    for _ in range(rounds):
        start = time.perf_counter()
        written = write_dataset_docs(store, info)
        cards.append(time.perf_counter() - start)
        start = time.perf_counter()
        refresh_day(store, last.day)
        refreshes.append(time.perf_counter() - start)
    sizes = ", ".join(f"{key} {size:,} bytes" for key, size in written.items())
    print(
        f"dataset card and Croissant file per publish ({len(newest_revs(store))} days), median of "
        f"{rounds}: {statistics.median(cards) * 1000:.0f} ms ({sizes}); the day's table refresh "
        f"the same publish does: {statistics.median(refreshes) * 1000:.0f} ms"
    )


BEFORE = "1759f55"  # the last commit before schema 2.0
_MAKE_BEFORE = (
    "import sys; from datetime import date; from pathlib import Path\n"
    "sys.path[:0] = [sys.argv[1], sys.argv[1] + '/bench']\n"
    "from synthetic_archive import generate\n"
    "from archive.current_table import refresh_day\n"
    "from archive.store import open_store\n"
    "generate(open_store(sys.argv[2]), date(2026, 7, 1), int(sys.argv[3]), int(sys.argv[4]),\n"
    "         reruns=max(1, int(sys.argv[3]) // 20), warc=False, seeds=Path(sys.argv[5]),\n"
    "         on_publish=lambda store, ref: refresh_day(store, ref.day))\n"
)


def before_from_git(tmp: Path, days: int, per_day: int) -> tuple[Path, str]:
    """The code before schema 2 (git archive BEFORE) and an archive it made, under `tmp`."""
    tree, archive = tmp / "before-tree", tmp / "before-archive"
    tree.mkdir()
    code = subprocess.run(["git", "archive", BEFORE], cwd=HERE.parents[1], capture_output=True)
    if code.returncode:
        raise SystemExit(f"git archive {BEFORE} failed; give --before-tree and --before-archive")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=code.stdout, check=True)
    seeds = HERE.parents[2] / "shared" / "seeds"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _MAKE_BEFORE, str(tree), str(archive), str(days), str(per_day)]
        + [str(seeds)],
        check=True,
        cwd=tree,
    )
    print(f"the code before ({BEFORE}) made its archive in {time.perf_counter() - start:.0f} s")
    return tree, str(archive)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", help="this code's archive (made here if missing)")
    parser.add_argument("--before-tree", type=Path, help="a checkout of the code before schema 2")
    parser.add_argument("--before-archive", help="an archive that code made")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--serve")
    parser.add_argument("--root")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.root)
        return
    with tempfile.TemporaryDirectory(prefix="bench-dataset-") as tmp:
        run(args, Path(tmp))


def run(args: argparse.Namespace, tmp: Path) -> None:
    archive = Path(args.archive) if args.archive else tmp / "archive"
    days = int(os.environ.get("BENCH_DAYS", "100"))
    per_day = int(os.environ.get("BENCH_PER_DAY", "10000"))
    if not (archive / "snapshots").is_dir():
        sys.path.insert(0, str(HERE.parent))
        sys.path.insert(0, str(HERE.parents[1]))
        from synthetic_archive import generate

        from archive.current_table import refresh_day
        from archive.store import open_store

        start = time.perf_counter()
        generate(
            open_store(archive),
            MONTH[0],
            days,
            per_day,
            reruns=max(1, days // 20),
            warc=False,
            on_publish=lambda store, ref: refresh_day(store, ref.day),
        )
        print(
            f"synthetic archive: {days} days x {per_day:,} in {time.perf_counter() - start:.0f} s"
        )
    if not (args.before_tree and args.before_archive):
        args.before_tree, args.before_archive = before_from_git(tmp, days, per_day)
    workers = {"schema 2": Worker(str(archive), HERE.parents[1])}
    workers["before"] = Worker(args.before_archive, args.before_tree)
    for name, worker in workers.items():
        print(f"{name}: {worker.code}")
    commands = [f"query {name}" for name in QUERIES]
    commands += [f"export {fmt}" for fmt in ("jsonl", "parquet", "csv")]
    times: dict[tuple[str, str], list[float]] = {}
    results: dict[tuple[str, str], object] = {}
    for _ in range(args.rounds):
        for command in commands:
            for name, worker in workers.items():
                if command.startswith("export ") and command.split()[1] not in worker.formats:
                    continue
                seconds, result = worker.run(command)
                times.setdefault((name, command), []).append(seconds)
                results[(name, command)] = result
    for worker in workers.values():
        worker.close()
    print(
        f"query: {', '.join(QUERIES)} ({MONTH[0]} to {MONTH[1]}); export: {WEEK[0]} to {WEEK[1]} "
        f"(in process, median of {args.rounds}, taking turns):"
    )
    for command in commands:
        new = times.get(("schema 2", command))
        old = times.get(("before", command))
        line = f"  {command:<42} schema 2 {statistics.median(new) * 1000:8.0f} ms" if new else ""
        if old:
            line += f"   before {statistics.median(old) * 1000:8.0f} ms"
            if new:
                line += f"   {statistics.median(new) / statistics.median(old):.2f}x"
        if line:
            print(
                line + f"   {results.get(('schema 2', command), results.get(('before', command)))}"
            )
    card_build(str(archive), args.rounds)


if __name__ == "__main__":
    main()
