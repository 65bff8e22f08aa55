"""Which copy is the original: by the article's own facts (dedup/order.py), never by arrival."""

from __future__ import annotations

from datetime import UTC, datetime

from dedup.order import original_order, published_instant


def test_published_is_compared_as_a_utc_instant_and_a_bare_date_as_its_last_instant():
    assert published_instant("2026-11-21T09:07:00+03:00") == datetime(
        2026, 11, 21, 6, 7, tzinfo=UTC
    )
    assert published_instant("2026-11-21T06:07:00") == datetime(2026, 11, 21, 6, 7, tzinfo=UTC)
    assert published_instant("2026-11-21") == datetime(2026, 11, 21, 23, 59, 59, 999999, tzinfo=UTC)
    assert published_instant("21/11/2026") is None and published_instant(None) is None


def test_earliest_published_first_then_outlet_then_canonical_url_then_id():
    original = ("2026-11-21T07:07:00+03:00", "euronews", "https://e.example/a", "e1")
    copy = ("2026-11-21T07:47:00+03:00", "enabbaladi", "https://b.example/a", "b1")
    same_day_undated = ("2026-11-21", "anapress", "https://a.example/a", "a1")
    undated = (None, "aaa", "https://a.example/b", "a2")
    tie = (
        "2026-11-21T04:07:00Z",
        "anapress",
        "https://a.example/c",
        "a3",
    )  # = the original's instant
    ordered = sorted(
        [undated, copy, same_day_undated, tie, original], key=lambda r: original_order(*r)
    )
    assert ordered == [tie, original, copy, same_day_undated, undated]
