"""The living replica: what each outlet's site shows on a simulated day.

Every day each outlet publishes new articles at its own rate (a deterministic jitter around it, fewer on
Fridays for the Syrian outlets), Orient updates yesterday's first story (a revision: a new headline, so a
new slug in its URL, and the same <link rel=canonical>), and stories are syndicated across outlets (Enab
Baladi republishes Euronews' second story of the day, Zaman al-Wasl Anapress' first). A site lists the
articles of its last HISTORY_DAYS days, newest first, so feeds and sitemaps move on as real ones do.
Everything depends only on (outlet, day): the same date always gives the same site.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

from replica.catalog import OUTLETS, Block, ReplicaArticle, _generated_article

# new articles per day, on average (the real outlets publish more; these keep a demo run under a minute)
RATES = {"anapress": 6, "orient": 10, "euronews": 16, "enabbaladi": 12, "zamanalwsl": 5}
FRIDAY_SHARE = {"anapress": 0.5, "orient": 0.7, "enabbaladi": 0.5, "zamanalwsl": 0.6}
HISTORY_DAYS = 3  # days of articles a site lists (feeds, sitemaps, sections)
REVISING = (
    "orient",
)  # outlets that update a story under its id (the slug follows the new headline)
# (republisher, source, which of the source's stories of the day)
SYNDICATION = (("enabbaladi", "euronews", 1), ("zamanalwsl", "anapress", 0))
LOCAL = timezone(timedelta(hours=3))  # Damascus: the times the replica publishes at
UPDATE_LINE = "تحديث: أضيفت إلى هذا الخبر تفاصيل جديدة بعد نشره، وفق ما أفاد به مراسلنا في المنطقة."
_BASE_KEYS = {
    "anapress": 254711180000000,
    "orient": 700000,
    "enabbaladi": 800000,
    "zamanalwsl": 90000,
}


def _day_number(day: date) -> int:
    return (day - date(2000, 1, 1)).days


def count_on(outlet: str, day: date) -> int:
    """How many new articles the outlet publishes on that day (at least one)."""
    rng = random.Random(f"rate:{outlet}:{day.isoformat()}")
    rate = RATES[outlet] * rng.uniform(0.7, 1.3)
    if day.weekday() == 4:
        rate *= FRIDAY_SHARE.get(outlet, 1.0)
    return max(1, round(rate))


def _key(outlet: str, index: int, published: datetime) -> str:
    if outlet == "euronews":
        return f"{published:%Y/%m/%d}/syria-report-{index}"
    return str(_BASE_KEYS[outlet] + index)


def _own_articles(outlet: str, day: date) -> list[ReplicaArticle]:
    """The outlet's own new stories of the day, oldest first (index: unique per outlet and day)."""
    count = count_on(outlet, day)
    start = datetime.combine(day, time(6, 0), LOCAL)
    out = []
    for n in range(count):
        index = _day_number(day) * 100 + n
        published = start + timedelta(minutes=(17 * 60 * n) // count + 7)
        article = _generated_article(outlet, index, "0")
        out.append(
            replace(
                article,
                key=_key(outlet, index, published),
                published=published,
                extra={"day": day.isoformat(), "n": n},
            )
        )
    return out


def _syndicated(outlet: str, day: date) -> list[ReplicaArticle]:
    """Stories this outlet republishes from another one that day: the same text under its own URL."""
    out: list[ReplicaArticle] = []
    for republisher, source, n in SYNDICATION:
        if republisher != outlet:
            continue
        own = _own_articles(source, day)
        if n >= len(own):
            continue
        original = own[n]
        index = _day_number(day) * 100 + 90 + len(out)
        published = original.published + timedelta(minutes=40)
        out.append(
            replace(
                original,
                outlet=outlet,
                index=index,
                key=_key(outlet, index, published),
                published=published,
                author=None,
                extra={"day": day.isoformat(), "syndicated_from": f"{source}:{original.key}"},
            )
        )
    return out


def _revised(article: ReplicaArticle, on: date) -> ReplicaArticle:
    """The article as updated on the given day: a new headline and a closing paragraph."""
    when = datetime.combine(on, time(10, 30), LOCAL)
    return replace(
        article,
        title="محدّث: " + article.title,
        blocks=(*article.blocks, Block("p", UPDATE_LINE)),
        extra={**article.extra, "first_title": article.title, "modified": when},
    )


def articles_on(outlet: str, day: date) -> list[ReplicaArticle]:
    """What the outlet's site lists on that day: its last HISTORY_DAYS days, newest first, revisions applied."""
    if outlet not in RATES:
        raise ValueError(f"unknown replica outlet {outlet!r}; choose one of {list(OUTLETS)}")
    items: list[ReplicaArticle] = []
    for back in range(HISTORY_DAYS - 1, -1, -1):
        d = day - timedelta(days=back)
        todays = _own_articles(outlet, d) + _syndicated(outlet, d)
        items += sorted(todays, key=lambda a: a.published)
    if outlet in REVISING:
        for position, article in enumerate(items):
            published_on = date.fromisoformat(article.extra["day"])
            if (
                article.extra.get("n") == 0 and published_on < day
            ):  # each day's first story, updated next day
                items[position] = _revised(article, published_on + timedelta(days=1))
    return sorted(items, key=lambda a: a.published, reverse=True)
