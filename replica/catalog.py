"""The articles the replica serves: the five seed stories plus deterministic generated ones."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

SEED_FILE = Path(__file__).with_name("seed_articles.json")
# Generated articles are dated back from this instant, one every 45 minutes.
EPOCH = datetime.fromisoformat("2026-11-20T09:00:00+03:00")
OUTLETS = ("anapress", "orient", "euronews", "enabbaladi", "zamanalwsl")


@dataclass(frozen=True)
class Block:
    kind: str  # p, h2, quote, li
    text: str


@dataclass(frozen=True)
class ReplicaArticle:
    outlet: str
    index: int  # 0 is the outlet's seed story
    key: str  # the outlet-specific part of the URL
    title: str
    published: datetime
    blocks: tuple[Block, ...]
    author: str | None = None
    caption: str | None = None
    teaser: str | None = None
    summary: str | None = None
    views: int = 0
    ticker: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    more_topics: tuple[str, ...] = ()
    seed: str | None = None
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def modified(self) -> datetime | None:
        """Every fourth story was updated two hours after it went out (a living replica's revision says when)."""
        if "modified" in self.extra:
            return self.extra["modified"]
        return self.published + timedelta(hours=2) if self.index % 4 == 1 else None

    @property
    def story_lines(self) -> list[str]:
        """Every line a perfect extractor keeps (paragraphs, subheadings, quoted statements)."""
        return [line for b in self.blocks for line in b.text.split("\n") if line.strip()]

    @property
    def furniture_lines(self) -> list[str]:
        """Lines of this page that are not the story and must not reach the archive."""
        lines = [*self.ticker, *self.related, *self.more_topics]
        lines += [x for x in (self.caption, self.teaser) if x]
        return lines


@cache
def _seeds() -> tuple[dict, ...]:
    return tuple(json.loads(SEED_FILE.read_text(encoding="utf-8")))


@cache
def _paragraph_pool() -> tuple[str, ...]:
    return tuple(
        b["text"]
        for s in _seeds()
        for b in s["blocks"]
        if b["kind"] == "p" and len(b["text"]) > 120
    )


def _seed_article(outlet: str) -> ReplicaArticle:
    s = next(s for s in _seeds() if s["outlet"] == outlet)
    return ReplicaArticle(
        outlet=outlet,
        index=0,
        key=s["key"],
        title=s["title"],
        published=datetime.fromisoformat(s["published"]),
        blocks=tuple(Block(b["kind"], b["text"]) for b in s["blocks"]),
        author=s["author"],
        caption=s["caption"],
        teaser=s["teaser"],
        summary=s["summary"],
        views=int(s["views"] or 0),
        ticker=tuple(s["ticker"]),
        related=tuple(s["related"]),
        more_topics=tuple(s["more_topics"]),
        seed=s["seed"],
    )


def _generated_title(rng: random.Random, paragraph: str, index: int) -> str:
    words = paragraph.replace("\n", " ").split()
    start = rng.randrange(0, max(1, len(words) - 9))
    return " ".join(words[start : start + rng.randint(6, 9)]).strip('،,.:"') + f" ({index})"


def _generated_article(outlet: str, index: int, seed_key: str) -> ReplicaArticle:
    rng = random.Random(f"{outlet}:{index}")
    pool = _paragraph_pool()
    paragraphs = rng.sample(pool, rng.randint(4, 7))
    blocks = [Block("p", p) for p in paragraphs]
    if rng.random() < 0.5:
        blocks.insert(
            2, Block("h2", _generated_title(rng, rng.choice(pool), index)[: -len(f" ({index})")])
        )
    published = EPOCH - timedelta(minutes=45 * index)
    if outlet == "euronews":
        key = f"{published:%Y/%m/%d}/syria-report-{index}"
    else:
        key = str(int(seed_key) + index * 13)
    caption = teaser = None
    if outlet in ("anapress", "enabbaladi"):
        caption = (
            f"صورة من {rng.choice(['دوما', 'الغوطة الشرقية', 'دمشق', 'إدلب'])} - أرشيف ({index})"
        )
    if outlet == "enabbaladi":
        teaser = paragraphs[0][:140].rsplit(" ", 1)[0] + "..."
    return ReplicaArticle(
        outlet=outlet,
        index=index,
        key=key,
        title=_generated_title(rng, paragraphs[0], index),
        published=published,
        blocks=tuple(blocks),
        author="فريق التحرير" if outlet == "euronews" else None,
        caption=caption,
        teaser=teaser,
        summary=paragraphs[-1][:90].rsplit(" ", 1)[0] if outlet == "euronews" else None,
        views=rng.randint(50, 5000),
    )


@dataclass
class Catalog:
    """All replica articles of every outlet, with cross-links (tickers, related lists).

    With a day, the living replica: what each site lists on that simulated day (replica/days.py);
    per_outlet is then not used."""

    per_outlet: int = 20
    day: date | None = None
    articles: dict[str, list[ReplicaArticle]] = field(init=False)
    # living: what sites serve beyond what they list (older stories), and what is gone, and how
    served: dict[str, list[ReplicaArticle]] = field(init=False, default_factory=dict)
    gone: dict[str, list[tuple[ReplicaArticle, str]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.per_outlet < 1:
            raise ValueError("per_outlet must be at least 1 (the seed story)")
        self.articles = {}
        if self.day is not None:
            from replica.days import articles_on, served_on

            self.articles = {outlet: articles_on(outlet, self.day) for outlet in OUTLETS}
            for outlet in OUTLETS:
                self.served[outlet], self.gone[outlet] = served_on(outlet, self.day)
            return
        for outlet in OUTLETS:
            seed = _seed_article(outlet)
            self.articles[outlet] = [seed] + [
                _generated_article(outlet, i, seed.key if seed.key.isdigit() else "0")
                for i in range(1, self.per_outlet)
            ]

    def neighbours(self, article: ReplicaArticle, count: int) -> list[ReplicaArticle]:
        """Other articles of the same outlet, for tickers and related lists (never the article)."""
        items = self.articles[article.outlet]
        if len(items) < 2:
            return []
        return [
            items[(article.index + k) % len(items)]
            for k in range(1, min(count, len(items) - 1) + 1)
        ]

    def all(self) -> list[ReplicaArticle]:
        return [a for items in self.articles.values() for a in items]


def headlines(catalog: Catalog, article: ReplicaArticle, count: int = 6) -> list[str]:
    """The other headlines a page shows around the story (ticker, most read, related)."""
    return [a.title for a in catalog.neighbours(article, count)]


def furniture_lines(catalog: Catalog, article: ReplicaArticle) -> list[str]:
    """Every line of the article's page that is furniture and must not reach the archive."""
    return article.furniture_lines + headlines(catalog, article)
