"""The living replica: what each outlet's site shows on a simulated day.

Every day each outlet publishes new articles at its own rate (a deterministic jitter around it, fewer on
Fridays for the Syrian outlets), and stories are syndicated across outlets (Enab Baladi republishes
Euronews' second story of the day, Zaman al-Wasl Anapress' first). A site lists the articles of its last
HISTORY_DAYS days, newest first, so feeds and sitemaps move on as real ones do, and still serves those of
its last SERVED_DAYS days at their URLs (what a revisit fetches).

Stories change after they go out (EDITS): Orient rewrites each day's first headline the next day (a new
slug in its URL, the same <link rel=canonical>, a closing paragraph), Enab Baladi adds a paragraph to its
second story a week on, Anapress corrects the casualty figure of its second story a week on. Some
disappear the next day (DELETIONS): Zaman al-Wasl's second story answers 404, Euronews' third redirects
to the home page, Enab Baladi's third shows the site's "page not found" template with status 200 (a
soft 404: `not_found` in outlets.toml). Everything depends only on (outlet, day): the same date always
gives the same site.
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
SERVED_DAYS = 40  # days of articles a site still serves at their URLs (past the +30 days revisit)
# (outlet, which story of the day, days after it went out, what changes)
EDITS = (
    ("orient", 0, 1, "headline"),
    ("enabbaladi", 1, 7, "paragraph"),
    ("anapress", 1, 7, "number"),
)
# (outlet, which story of the day, days after it went out, how it is gone: 404, home, soft404)
DELETIONS = (
    ("zamanalwsl", 1, 1, "404"),
    ("euronews", 2, 1, "home"),
    ("enabbaladi", 2, 1, "soft404"),
)
REVISING = tuple(
    o for o, _, _, kind in EDITS if kind == "headline"
)  # the slug follows the headline
# (republisher, source, which of the source's stories of the day)
SYNDICATION = (("enabbaladi", "euronews", 1), ("zamanalwsl", "anapress", 0))
LOCAL = timezone(timedelta(hours=3))  # Damascus: the times the replica publishes at
UPDATE_LINE = "تحديث: أضيفت إلى هذا الخبر تفاصيل جديدة بعد نشره، وفق ما أفاد به مراسلنا في المنطقة."
ADDED_LINE = "وأضاف مصدر محلي أن فرق الدفاع المدني واصلت عملها في المنطقة حتى ساعات المساء."
FIGURE_LINE = "وبلغت حصيلة الضحايا {} شخصا بحسب مصادر طبية في المنطقة."
FIGURES = ("١٢", "١٥")  # as first published, as corrected
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
        if (outlet, n, "number") in _EDIT_KINDS:
            article = replace(
                article, blocks=(*article.blocks, Block("p", FIGURE_LINE.format(FIGURES[0])))
            )
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


def _edited(article: ReplicaArticle, kind: str, on: date) -> ReplicaArticle:
    """The article as changed on the given day."""
    when = datetime.combine(on, time(10, 30), LOCAL)
    extra = {**article.extra, "modified": when}
    if kind == "headline":
        return replace(
            article,
            title="محدّث: " + article.title,
            blocks=(*article.blocks, Block("p", UPDATE_LINE)),
            extra={**extra, "first_title": article.title},
        )
    if kind == "paragraph":
        return replace(article, blocks=(*article.blocks, Block("p", ADDED_LINE)), extra=extra)
    old, new = FIGURE_LINE.format(FIGURES[0]), FIGURE_LINE.format(FIGURES[1])
    blocks = tuple(Block(b.kind, new) if b.text == old else b for b in article.blocks)
    return replace(article, blocks=blocks, extra=extra)


_EDIT_KINDS = {(outlet, n, kind) for outlet, n, _, kind in EDITS}


def _as_of(article: ReplicaArticle, day: date) -> ReplicaArticle:
    """The article with every edit made by `day` applied."""
    published_on = date.fromisoformat(article.extra["day"])
    for outlet, n, after, kind in EDITS:
        if article.outlet == outlet and article.extra.get("n") == n:
            if published_on + timedelta(days=after) <= day:
                article = _edited(article, kind, published_on + timedelta(days=after))
    return article


def gone_how(article: ReplicaArticle, day: date) -> str | None:
    """How the article is gone on `day` (404, home, soft404), or None while it is there."""
    published_on = date.fromisoformat(article.extra["day"])
    for outlet, n, after, how in DELETIONS:
        if article.outlet == outlet and article.extra.get("n") == n:
            if published_on + timedelta(days=after) <= day:
                return how
    return None


def _published(outlet: str, day: date, days: int) -> list[ReplicaArticle]:
    """The outlet's stories of its last `days` days as they are on `day`, oldest first."""
    items: list[ReplicaArticle] = []
    for back in range(days - 1, -1, -1):
        d = day - timedelta(days=back)
        todays = _own_articles(outlet, d) + _syndicated(outlet, d)
        items += sorted(todays, key=lambda a: a.published)
    return [_as_of(a, day) for a in items]


def articles_on(outlet: str, day: date) -> list[ReplicaArticle]:
    """What the outlet's site lists on that day: its last HISTORY_DAYS days, newest first, edits applied,
    deleted stories left out."""
    if outlet not in RATES:
        raise ValueError(f"unknown replica outlet {outlet!r}; choose one of {list(OUTLETS)}")
    items = [a for a in _published(outlet, day, HISTORY_DAYS) if gone_how(a, day) is None]
    return sorted(items, key=lambda a: a.published, reverse=True)


def served_on(
    outlet: str, day: date
) -> tuple[list[ReplicaArticle], list[tuple[ReplicaArticle, str]]]:
    """What the site serves at article URLs on that day: its last SERVED_DAYS days' stories as they are
    (listed or not), and the deleted ones with how they are gone."""
    if outlet not in RATES:
        raise ValueError(f"unknown replica outlet {outlet!r}; choose one of {list(OUTLETS)}")
    there, gone = [], []
    for article in _published(outlet, day, SERVED_DAYS):
        how = gone_how(article, day)
        if how is None:
            there.append(article)
        else:
            gone.append((article, how))
    return there, gone
