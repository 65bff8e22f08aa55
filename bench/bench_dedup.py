"""`make bench` (dedup part): documents per second and peak memory for 10k, 100k and 1M synthetic
articles of ~500 words, deduplicated day by day against an index held in the archive (a local archive
directory; each day's segment is published in that day's snapshot and the next day loads the window).

Each size runs in its own process so its peak RSS is its own. Generating the synthetic text is not timed.
Usage: python bench/bench_dedup.py [SIZE ...]   (default: 10000 100000 1000000)
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from archive import layout  # noqa: E402

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


def run_size(total: int) -> dict:
    from archive.dedup_index import load_window, write_segment
    from archive.snapshot import publish_snapshot
    from archive.store import open_store
    from dedup.engine import Deduplicator

    rng = random.Random(total)
    vocab = _vocabulary(rng)
    start_day = date(2026, 1, 1)
    timed = 0.0
    duplicates = planted = caught = 0
    sample: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        store = open_store(Path(tmp) / "archive")
        done, day = 0, start_day
        while done < total:
            count = min(PER_DAY, total - done)
            docs = _day(rng, vocab, done, count, sample)
            began = time.perf_counter()
            index, _, _ = load_window(store, day, window_days=30)
            history = len(index)
            deduplicator = Deduplicator(index)
            for decision in deduplicator.run(docs):
                duplicates += decision.duplicate_of is not None
                planted += decision.id.endswith("-copy")
                caught += decision.id.endswith("-copy") and decision.duplicate_of is not None
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
            timed += time.perf_counter() - began
            sample = [d.text for d in rng.sample(docs, min(1000, len(docs)))]
            done += count
            day += timedelta(days=1)
    return {
        "documents": total,
        "seconds": round(timed, 1),
        "docs_per_s": round(total / timed),
        "duplicates_found": duplicates,
        "planted": planted,
        "caught": caught,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(run_size(int(sys.argv[2]))))
        return
    sizes = [int(s) for s in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], capture_output=True, text=True
        )
        if out.returncode:
            sys.exit(f"bench_dedup {size}: {out.stderr}")
        r = json.loads(out.stdout.splitlines()[-1])
        print(
            f"dedup {r['documents']:>9,} docs of ~{WORDS} words against the archived index "
            f"({PER_DAY:,} per day): {r['seconds']:>6} s = {r['docs_per_s']:>6,} docs/s, "
            f"peak RSS {r['peak_rss_mb']:,} MiB; planted copies {r['planted']:,}, caught {r['caught']:,}; "
            f"duplicates reported in all {r['duplicates_found']:,}"
        )


if __name__ == "__main__":
    main()
