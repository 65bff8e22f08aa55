"""Build replica/seed_articles.json from the user's seed texts (../shared/seeds).

Each seed is a naive scrape: story and page furniture mixed. The line numbers below say which lines
are the story (paragraphs, subheadings, quoted statements) and which are furniture, so the replica
can put each back into its outlet's markup and the tests know exactly what must survive extraction.
Run: python tools/build_replica_seeds.py [SEEDS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "replica" / "seed_articles.json"

# file prefix -> annotation. story: list of (kind, first_line[, last_line]); kinds: p, h2, quote, li.
SEEDS = {
    "000": dict(
        outlet="anapress",
        key="254711180498222",
        published="2018-03-31T10:49:00+03:00",
        title=11,
        caption=23,
        ticker=range(2, 10),
        views="1327",
        story=[
            ("p", 27),
            ("p", 29),
            ("h2", 31),
            ("p", 33),
            ("h2", 35),
            ("p", 37),
            ("p", 39),
            ("h2", 41),
            ("p", 43),
            ("p", 45),
            ("p", 47),
            ("p", 49),
            ("p", 51),
            ("p", 53),
            ("p", 55),
            ("p", 57),
            ("h2", 59),
            ("p", 61),
            ("p", 63),
            ("quote", 65, 67),
            ("p", 69),
            ("p", 71),
            ("quote", 73, 75),
        ],
    ),
    "001": dict(
        outlet="orient",
        key="148963",
        published="2018-03-27T14:20:00+03:00",
        title=1,
        story=[("p", n) for n in range(4, 25, 2)],
    ),
    "002": dict(
        outlet="enabbaladi",
        key="215637",
        published="2018-03-31T13:05:00+03:00",
        title=1,
        teaser=3,
        caption=4,
        story=[("p", n) for n in range(6, 13)] + [("p", 14)],
    ),
    "003": dict(
        outlet="zamanalwsl",
        key="85512",
        published="2018-03-26T16:40:00+03:00",
        title_text="روسيا تعلن اتفاقاً حول دوما وجيش الإسلام ينفي التوصل إليه",
        story=[
            ("p", 1),
            ("p", 3),
            ("p", 5),
            ("p", 7),
            ("p", 9),
            ("p", 11),
            ("p", 13),
            ("p", 15),
            ("li", 17),
            ("li", 19),
            ("li", 21),
            ("li", 23),
            ("li", 25),
            ("p", 27),
            ("p", 29),
        ],
    ),
    "004": dict(
        outlet="euronews",
        key="2018/04/06/jaish-al-islam-seeks-deal-as-government-forces-storm-douma",
        published="2018-04-06T17:32:00+02:00",
        title=1,
        author="Ammar Kat",
        summary=11,
        related=[45, 47],
        more_topics=[53, 55, 57],
        story=[
            ("p", 15),
            ("p", 17),
            ("p", 19),
            ("h2", 21),
            ("p", 23),
            ("p", 25),
            ("h2", 27),
            ("p", 29),
            ("p", 31),
            ("p", 33),
            ("p", 35),
            ("p", 37),
            ("p", 39),
        ],
    ),
}


def build(seeds_dir: Path) -> list[dict]:
    articles = []
    for prefix, spec in SEEDS.items():
        path = next(seeds_dir.glob(f"{prefix}_*.txt"))
        lines = path.read_text(encoding="utf-8").split("\n")

        def line(n: int, lines: list[str] = lines) -> str:
            return lines[n - 1].strip()

        blocks = []
        for kind, first, *last in spec["story"]:
            text = "\n".join(
                line(n) for n in range(first, (last[0] if last else first) + 1) if line(n)
            )
            blocks.append({"kind": kind, "text": text})
        articles.append(
            {
                "seed": path.name,
                "outlet": spec["outlet"],
                "key": spec["key"],
                "published": spec["published"],
                "title": spec.get("title_text") or line(spec["title"]),
                "author": spec.get("author"),
                "caption": line(spec["caption"]) if "caption" in spec else None,
                "teaser": line(spec["teaser"]) if "teaser" in spec else None,
                "summary": line(spec["summary"]) if "summary" in spec else None,
                "ticker": [line(n) for n in spec.get("ticker", [])],
                "related": [line(n) for n in spec.get("related", [])],
                "more_topics": [line(n) for n in spec.get("more_topics", [])],
                "views": spec.get("views"),
                "blocks": blocks,
            }
        )
    return articles


if __name__ == "__main__":
    seeds = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "shared" / "seeds"
    )
    OUT.write_text(json.dumps(build(seeds), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
