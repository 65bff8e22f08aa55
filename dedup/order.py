"""Which copy of a story is the original: the one its own facts say came first, never the one that
happened to arrive first.

Dedup keeps the first document of a group and marks the others `duplicate_of` it (dedup/engine.py), so
the order documents are given in decides which copy is the original. That order is this key, made only
of the article's own facts, so the same rows in any order, from any executor and any crawl concurrency,
get the same decisions:

1. the earliest `published`, compared as a UTC instant (a time without an offset counts as UTC); a date
   without a time of day counts as the last instant of that date, so a copy with a known time on that
   date comes first; a document without a readable `published` comes after every dated one;
2. then the outlet id;
3. then the canonical URL (dedup/urls.py's key);
4. then the article id (made from the URL and the text: the last tie-break, never equal for two rows).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

_END_OF_DATE = time(23, 59, 59, 999999)
_UNDATED = datetime.max.replace(tzinfo=UTC)

OrderKey = tuple[bool, datetime, str, str, str]


def published_instant(published: str | None) -> datetime | None:
    """`published` as a UTC instant (a bare date: its last instant); None when there is none or it is
    not an ISO 8601 date."""
    if not published:
        return None
    try:
        if len(published) == 10:
            return datetime.combine(date.fromisoformat(published), _END_OF_DATE, UTC)
        when = datetime.fromisoformat(published)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def original_order(published: str | None, outlet: str, canonical: str, article_id: str) -> OrderKey:
    """Sort key: a document sorted earlier is the original of a group it shares with later ones."""
    instant = published_instant(published)
    return (instant is None, instant or _UNDATED, outlet, canonical, article_id)
