"""The registry's article_pattern, run by RE2 (what the crawl does since issue 24) beside Python's re
(what it did before), on the same URLs.

1. The outlets' own patterns (outlets.toml) over every article and discovery URL the replica lists, plus
   as many non-matching URLs: the cost per URL, RE2 against re (the crawl calls it once or twice per
   URL it finds).
2. A catastrophic-backtracking pattern, `^https://x\\.com/(a+)+$`, on URLs of n `a`s and a final `!`
   (no match): re's time per URL grows about x2 per character, RE2's stays flat (29 characters and
   100,000 characters alike). re is measured only up to 24 characters so the bench ends; each of its
   figures is one call.
Usage: python bench/bench_patterns.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common.values import linear_match  # noqa: E402
from outlets.registry import load_registry  # noqa: E402
from replica.server import Replica  # noqa: E402

ROUNDS = 20


def per_url(match, urls: list[str]) -> float:
    """Microseconds per URL, the best of a few rounds."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(ROUNDS):
            for url in urls:
                match(url)
        best = min(best, (time.perf_counter() - started) / (ROUNDS * len(urls)))
    return best * 1e6


def main() -> None:
    registry = load_registry()
    replica = Replica(per_outlet=200)
    print(
        "1. outlets.toml's patterns, microseconds per URL (best of 5 rounds; RE2: Outlet.is_article)"
    )
    print(f"   {'outlet':<11} {'URLs':>5} {'re':>7} {'RE2':>7}")
    for site in {s.outlet: s for s in replica.sites.values()}.values():
        outlet = registry.get(site.outlet)
        urls = [site.url(a) for a in site.articles]
        urls += [u + "/comments" for u in urls]  # as many that do not match
        python = re.compile(outlet.article_pattern)
        assert [bool(python.match(u)) for u in urls] == [outlet.is_article(u) for u in urls]
        print(
            f"   {outlet.id:<11} {len(urls):>5} {per_url(python.match, urls):>7.2f} "
            f"{per_url(outlet.is_article, urls):>7.2f}"
        )
    pattern = r"^https://x\.com/(a+)+$"
    python = re.compile(pattern)

    def linear(url: str) -> bool:
        return linear_match(pattern, url)

    print(f"2. {pattern} on https://x.com/ + n a's + '!' (no match), seconds for one URL")
    print(f"   {'n':>6} {'re':>10} {'RE2':>10}")
    for n in (16, 18, 20, 22, 24, 29, 100_000):
        url = "https://x.com/" + "a" * n + "!"
        cells = []
        for engine in (python.match, linear):
            if engine is not linear and n > 24:
                cells.append("(not run)")
                continue
            started = time.perf_counter()
            assert not engine(url)
            cells.append(f"{time.perf_counter() - started:.6f}")
        print(f"   {n:>6} {cells[0]:>10} {cells[1]:>10}")


if __name__ == "__main__":
    main()
