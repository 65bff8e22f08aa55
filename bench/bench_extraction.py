"""`make bench` (extraction): CPU milliseconds per page on one core, ours beside plain trafilatura, on
(a) the article extraction benchmark's pages and (b) the replica's Arabic pages; the ratio, where our
time goes stage by stage, and the benchmark F1 of each extractor.

All extractors run warm in this one process (profiles, stoplists and filters loaded once, as in an
extraction worker; process start-up is not counted) on the same decoded pages. Rounds interleave them,
the order turned every round, so load on the shared machine falls on all alike; each figure is the
CPU time (time.process_time) of a whole pass over the pages, per page; the ratio is taken within each
round and printed as the median with the range over the rounds.
Before timing, every article of (a), (b) and (b) without outlet rules is checked field by field against
bench/extraction_reference.json (a SHA-256 of each article's fields, or of the reason it has none, as
the extractor gave them when the file was written with --write-reference): a faster extractor must give
the same output.
Usage: python bench/bench_extraction.py [--rounds N] [--per-outlet N] [--write-reference] [CORPUS_DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402
from eval_extraction import DEFAULT_CORPUS, load, score  # noqa: E402

from common.errors import ExtractionError  # noqa: E402
from extract.engine import ArticleExtractor, OutletContext  # noqa: E402
from extract.timing import NO_CLOCK, StageClock  # noqa: E402
from outlets.registry import load_registry  # noqa: E402
from replica.server import Replica  # noqa: E402

# (html, url, the outlet's extractor): the same decoded page for every extractor
Page = tuple[str, str, ArticleExtractor]
OURS = "newsarchive"
REFERENCE = Path(__file__).with_name("extraction_reference.json")
GOAL = "plain trafilatura (defaults)"


def _ours(page: Page) -> str:
    html, url, extractor = page
    try:
        return extractor.extract(html, url).text
    except ExtractionError:
        return ""


EXTRACTORS: dict[str, Callable[[Page], str]] = {
    OURS: _ours,
    GOAL: lambda p: trafilatura.extract(p[0], url=p[1]) or "",
    "plain trafilatura (precision)": lambda p: (
        trafilatura.extract(p[0], url=p[1], include_comments=False, favor_precision=True) or ""
    ),
    "plain trafilatura (fast)": lambda p: trafilatura.extract(p[0], url=p[1], fast=True) or "",
}


def benchmark_pages(corpus: Path) -> tuple[list[Page], list[str], dict[str, str]]:
    items, truths = load(corpus)
    extractor = ArticleExtractor()
    return [(html, url, extractor) for _key, html, url in items], [k for k, _, _ in items], truths


def replica_pages(per_outlet: int) -> list[Page]:
    registry = load_registry()
    pages: list[Page] = []
    for site in Replica(per_outlet=per_outlet).sites.values():
        extractor = ArticleExtractor(OutletContext.for_outlet(registry.get(site.outlet)))
        pages += [(site.article_html(a), site.url(a), extractor) for a in site.articles]
    return pages


def fingerprints(pages: list[Page]) -> dict[str, str]:
    """ "N URL" → SHA-256 of the article's fields (or of the reason there is none), for every page."""
    found: dict[str, str] = {}
    for n, (html, url, extractor) in enumerate(pages):
        try:
            record: object = extractor.extract(html, url).to_dict()
        except ExtractionError as error:
            record = {"reason": error.reason}
        blob = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
        found[f"{n} {url}"] = hashlib.sha256(blob).hexdigest()
    return found


def check_reference(sets: dict[str, list[Page]], write: bool) -> bool:
    """Our output on every page against the reference file (or the reference written); False and
    the first differing pages printed when any differs."""
    current = {name: fingerprints(pages) for name, pages in sets.items()}
    if write:
        REFERENCE.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"reference written: {sum(map(len, current.values()))} articles to {REFERENCE.name}")
        return True
    reference = json.loads(REFERENCE.read_text())
    same = True
    for name, found in current.items():
        expected = reference.get(name, {})
        differ = sorted(
            u for u in expected.keys() | found.keys() if expected.get(u) != found.get(u)
        )
        print(
            f"  {name}: {len(found) - len(differ)} of {len(expected)} articles identical "
            f"to the reference field by field"
        )
        for url in differ[:5]:
            print(f"    differs: {url}")
        same = same and not differ
    return same


def cpu_ms_per_page(fn: Callable[[Page], str], pages: list[Page]) -> float:
    start = time.process_time()
    for page in pages:
        fn(page)
    return (time.process_time() - start) * 1000 / len(pages)


def _spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def measure(label: str, pages: list[Page], rounds: int) -> dict[str, list[float]]:
    """ms/page of every extractor in every round, printed as it goes."""
    names = list(EXTRACTORS)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up: every page once, outside the timing
        for page in pages:
            EXTRACTORS[name](page)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            times[name].append(cpu_ms_per_page(EXTRACTORS[name], pages))
        row = "  ".join(f"{n} {times[n][-1]:.2f}" for n in names)
        print(f"  {label} round {r + 1} (ms/page): {row}")
    return times


def report(label: str, times: dict[str, list[float]]) -> None:
    ours = times[OURS]
    print(f"  {'extractor':<32} {'ms/page median (range)':>24} {'newsarchive is ... faster':>28}")
    for name, values in times.items():
        ratio = (
            ""
            if name == OURS
            else _spread([b / a for a, b in zip(ours, values, strict=True)], "{:.2f}x")
        )
        print(f"  {name:<32} {_spread(values):>24} {ratio:>28}")
    goal = statistics.median(b / a for a, b in zip(ours, times[GOAL], strict=True))
    print(
        f"  {label}: newsarchive {goal:.2f}x plain trafilatura per core (goal >= 2x): "
        f"{'met' if goal >= 2 else 'NOT met'}"
    )


def profile(pages: list[Page]) -> None:
    """Our time per stage (one more pass with a StageClock), ms per page and share."""
    clock = StageClock()
    extractors = {id(p[2]): p[2] for p in pages}
    for extractor in extractors.values():
        extractor.clock = clock
    try:
        for page in pages:
            _ours(page)
    finally:
        for extractor in extractors.values():
            extractor.clock = NO_CLOCK
    total = sum(clock.seconds.values())
    split = ", ".join(
        f"{stage} {s * 1000 / clock.pages:.2f} ({s / total:.0%})"
        for stage, s in sorted(clock.seconds.items(), key=lambda x: -x[1])
    )
    print(f"  where our time goes (CPU ms/page, share): {split}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-outlet", type=int, default=40)
    parser.add_argument(
        "--write-reference",
        action="store_true",
        help=f"write today's output as the reference ({REFERENCE.name}) and stop",
    )
    args = parser.parse_args()
    if not (args.corpus / "ground-truth.json").exists():
        print(f"no benchmark corpus at {args.corpus}; give its directory", file=sys.stderr)
        return 2
    if args.rounds < 1 or args.per_outlet < 1:
        print("--rounds and --per-outlet must be at least 1", file=sys.stderr)
        return 2
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    bench, keys, truths = benchmark_pages(args.corpus)
    arabic = replica_pages(args.per_outlet)
    bare = ArticleExtractor(OutletContext())
    sets = {
        "(a) benchmark": bench,
        "(b) replica": arabic,
        "(b) replica without outlet rules": [(h, u, bare) for h, u, _ in arabic],
    }
    if args.write_reference:
        check_reference(sets, write=True)
        return 0
    if not check_reference(sets, write=False):
        print("output differs from the reference: not timed (fix it, or rewrite the reference)")
        return 1
    for label, pages in (
        (f"(a) the article extraction benchmark, {len(bench)} pages", bench),
        (f"(b) the replica's Arabic pages, {len(arabic)} pages", arabic),
    ):
        mean_kb = sum(len(p[0]) for p in pages) / len(pages) / 1000
        print(f"{label} ({mean_kb:.0f} K characters of HTML each on average)")
        times = measure(label[:3], pages, args.rounds)
        report(label[:3], times)
        profile(pages)
    f1 = {
        name: score(truths, dict(zip(keys, map(fn, bench), strict=True)))["f1"]
        for name, fn in EXTRACTORS.items()
    }
    print("benchmark F1: " + ", ".join(f"{name} {v:.3f}" for name, v in f1.items()))
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
