"""spiders/retry_after.py: a Retry-After header in seconds or as an HTTP date, as the seconds to wait from
now; None when absent or unreadable."""

from __future__ import annotations

from datetime import UTC, datetime

from spiders.retry_after import parse_retry_after


def test_retry_after_takes_seconds_or_an_http_date():
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(b"120", now) == 120.0
    assert parse_retry_after(b"Sat, 21 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after(b"Sat, 21 Nov 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after(b"soon", now) is None and parse_retry_after(None, now) is None
