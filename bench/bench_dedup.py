"""`make bench` (dedup part): documents per second and peak memory for 10k, 100k and 1M synthetic
articles of ~500 words, deduplicated day by day against an index held in the archive (a local archive
directory; each day's segment is published in that day's snapshot and the next day loads the window),
beside plain rensa on the same days: word 3-shingles made in Python, `RMinHash` digests and rensa's own
`RMinHashLSH` (32 bands, threshold 0.5) kept in memory across the days, no URL or content layers, no
archive, and a duplicate is any document sharing a band (not checked by similarity).

Each size and engine runs in its own process, so its peak RSS is its own; generating the synthetic text
is not timed, and a day's documents are made when the day comes (the day before is gone by then). Wall
time depends on what else the machine runs, so the CPU time of the process (all its threads) is printed
beside it, with the load average before and after, and the CPU seconds of each step: for ours loading
the window, normalising (NFKC, folding, content hashes), signing (word and shingle hashes, MinHash, band
keys), URL keys, LSH and key lookups, deciding, inserting into the index, other threads (rensa's own)
and saving (writing and publishing the segment); for plain rensa shingling, signing and its LSH.

Usage: python bench/bench_dedup.py [--repeat N] [--no-baseline] [SIZE ...]   (default: 10000 100000 1000000)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PER_DAY = 100_000
WORDS = 500
DUPLICATE_SHARE = 0.05  # copies of an earlier article with a few words changed


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    return ["".join(rng.choices(letters, k=rng.randint(2, 8))) for _ in range(30_000)]


def _day(rng: random.Random, vocab: list[str], first: int, count: int, earlier: list[str]):
    """A day of articles; ~5% are copies (10 words changed) of an article seen earlier that day or before."""
    from dedup.engine import Document

    docs = []
    for n in range(first, first + count):
        if len(earlier) < 2000 and docs and rng.random() < 0.01:
            earlier.append(docs[-1].text)
        copy = bool(earlier) and rng.random() < DUPLICATE_SHARE
        if copy:
            words = rng.choice(earlier).split()
            for k in rng.sample(range(len(words)), 10):
                words[k] = rng.choice(vocab)
            text = " ".join(words)
        else:
            text = " ".join(rng.choices(vocab, k=WORDS))
        docs.append(
            Document(
                f"doc{n}{'-copy' if copy else ''}", text, f"https://outlet{n % 5}.example/news/{n}"
            )
        )
    return docs


def _days(total: int):
    """(day, documents) for `total` documents, PER_DAY a day; the same for every engine."""
    rng = random.Random(total)
    vocab = _vocabulary(rng)
    sample: list[str] = []
    done, day = 0, date(2026, 1, 1)
    while done < total:
        count = min(PER_DAY, total - done)
        docs = _day(rng, vocab, done, count, sample)
        sample = [d.text for d in rng.sample(docs, min(1000, len(docs)))]
        yield day, docs
        del docs  # a day is gone when the next one is made
        done += count
        day += timedelta(days=1)


class _Clock:
    """Wall and CPU seconds (all threads) of the timed parts, by part."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu = 0.0
        self.cpu_of: dict[str, float] = {}

    def part(self, name: str):
        clock = self

        class _Part:
            def __enter__(self):
                self.began = time.perf_counter(), time.process_time()

            def __exit__(self, *exc):
                wall, cpu = self.began
                clock.wall[name] = clock.wall.get(name, 0.0) + time.perf_counter() - wall
                clock.cpu += time.process_time() - cpu
                clock.cpu_of[name] = clock.cpu_of.get(name, 0.0) + time.process_time() - cpu

        return _Part()


def run_ours(total: int) -> dict:
    from archive import layout
    from archive.dedup_index import load_window, write_segment
    from archive.snapshot import publish_snapshot
    from archive.store import open_store
    from dedup.engine import STEPS, Deduplicator

    clock = _Clock()
    steps = dict.fromkeys(STEPS, 0.0)
    duplicates = planted = caught = 0
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        store = open_store(Path(tmp) / "archive")
        for day, docs in _days(total):
            with clock.part("window"):
                index, _, _ = load_window(store, day, window_days=30)
            history = len(index)
            deduplicator = Deduplicator(index)
            with clock.part("dedup"):
                for decision in deduplicator.run(docs):
                    duplicates += decision.duplicate_of is not None
                    planted += decision.id.endswith("-copy")
                    caught += decision.id.endswith("-copy") and decision.duplicate_of is not None
            for step, seconds in deduplicator.steps.items():
                steps[step] += seconds
            with clock.part("publish"):
                segment = Path(tmp) / "index.npz"
                write_segment(deduplicator.index.segment(history), segment)
                publish_snapshot(
                    store,
                    day,
                    [],
                    {},
                    run_id=f"bench-{day}",
                    extra={layout.dedup_index_key(""): segment},
                )
            del index, deduplicator, docs
    # CPU seconds by step: loading the window, the engine's steps (its threads' own time), the rest of
    # the dedup part (rensa's worker threads and the loop above), writing and publishing the segment
    cpu_steps = {"load window": clock.cpu_of.get("window", 0.0), **steps}
    cpu_steps["other threads"] = clock.cpu_of.get("dedup", 0.0) - sum(steps.values())
    cpu_steps["save"] = clock.cpu_of.get("publish", 0.0)
    return _result(total, clock, duplicates, planted, caught, cpu_steps)


def run_rensa(total: int) -> dict:
    """Plain rensa, as its README does it: tokens in Python, digests, its LSH index."""
    from rensa import RMinHash, RMinHashLSH

    from dedup import THRESHOLD
    from dedup.signatures import BANDS, NUM_PERM, SEED

    clock = _Clock()
    lsh = RMinHashLSH(THRESHOLD, NUM_PERM, BANDS)
    duplicates = planted = caught = start = 0
    steps = {"shingle": 0.0, "sign": 0.0, "LSH insert and lookup": 0.0}  # CPU s, all threads
    for _, docs in _days(total):
        with clock.part("dedup"):
            for first in range(0, len(docs), 10_000):
                batch = docs[first : first + 10_000]
                began = time.process_time()
                shingles = []
                for doc in batch:
                    words = doc.text.split()
                    shingles.append([" ".join(words[i : i + 3]) for i in range(len(words) - 2)])
                shingled = time.process_time()
                matrix = RMinHash.digest_matrix_from_token_sets(shingles, NUM_PERM, SEED)
                signed = time.process_time()
                flags = lsh.insert_matrix_and_query_duplicate_flags(matrix, start)
                steps["shingle"] += shingled - began
                steps["sign"] += signed - shingled
                steps["LSH insert and lookup"] += time.process_time() - signed
                start += len(batch)
                for doc, flag in zip(batch, flags, strict=True):
                    duplicates += flag
                    planted += doc.id.endswith("-copy")
                    caught += flag and doc.id.endswith("-copy")
        del docs
    return _result(total, clock, duplicates, planted, caught, steps)


def _result(
    total: int,
    clock: _Clock,
    duplicates: int,
    planted: int,
    caught: int,
    cpu_steps: dict[str, float] | None = None,
) -> dict:
    seconds = sum(clock.wall.values())
    return {
        "documents": total,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(clock.cpu, 1),
        "parts": {name: round(value, 1) for name, value in clock.wall.items()},
        "cpu_steps": {name: round(value, 2) for name, value in (cpu_steps or {}).items()},
        "docs_per_s": round(total / seconds),
        "duplicates_found": duplicates,
        "planted": planted,
        "caught": caught,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _child(engine: str, size: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(size)], capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(f"bench_dedup {engine} {size}: {out.stderr}")
    return json.loads(out.stdout.splitlines()[-1])


def _line(name: str, r: dict) -> str:
    parts = ", ".join(f"{k} {v} s" for k, v in r["parts"].items()) if len(r["parts"]) > 1 else ""
    line = (
        f"  {name:<13} {r['seconds']:>7} s wall = {r['docs_per_s']:>6,} docs/s, CPU {r['cpu_seconds']} s"
        f"{' (wall: ' + parts + ')' if parts else ''}, peak RSS {r['peak_rss_mb']:,} MiB; planted "
        f"copies {r['planted']:,}, caught {r['caught']:,}; duplicates reported in all "
        f"{r['duplicates_found']:,}"
    )
    if r["cpu_steps"]:
        line += (
            "\n  "
            + " " * 13
            + " CPU s by step: "
            + ", ".join(f"{step} {seconds:.1f}" for step, seconds in r["cpu_steps"].items())
        )
    return line


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        run = run_ours if sys.argv[2] == "ours" else run_rensa
        print(json.dumps(run(int(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size (the spread)")
    parser.add_argument("--no-baseline", action="store_true", help="leave plain rensa out")
    args = parser.parse_args()
    engines = ["ours"] if args.no_baseline else ["ours", "rensa"]
    for size in args.sizes:
        for attempt in range(args.repeat):
            print(
                f"dedup {size:>9,} docs of ~{WORDS} words ({PER_DAY:,} per day), run {attempt + 1}, "
                f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start:",
                flush=True,
            )
            ours = _child("ours", size)
            print(_line("newsarchive", ours) + " (against the archived window)", flush=True)
            if "rensa" in engines:
                theirs = _child("rensa", size)
                ratio = theirs["seconds"] / ours["seconds"]
                cpu = theirs["cpu_seconds"] / max(ours["cpu_seconds"], 0.1)
                print(
                    _line("plain rensa", theirs)
                    + f" (in memory); ours {ratio:.2f}× in wall time, {cpu:.2f}× in CPU time"
                )
            print(f"  load average at the end {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
