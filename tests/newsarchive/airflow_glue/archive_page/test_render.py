"""The Archive page (newsarchive/airflow_glue/archive_page/render.py): its HTML from the health data, a row
and a chart per outlet, a failing try shown at once, the days without a snapshot (its data:
test_health.py; the probe behind the offline notice: tests/newsarchive/ops/test_reachability.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from archive.store import open_store
from newsarchive.airflow_glue.archive_page.health import (
    ArchiveHealth,
    DayPoint,
    GapRow,
    LastRun,
    OutletHealth,
    ProblemRow,
    SnapshotRow,
    collect,
)
from newsarchive.airflow_glue.archive_page.render import render
from tests.archive.test_snapshot import _article, write_warc

DAYS = tuple((date(2026, 11, 1) + timedelta(days=k)).isoformat() for k in range(30))


def _health() -> ArchiveHealth:
    week = DAYS[-7:]
    last = LastRun(DAYS[-1], "scheduled__x", "ok", 20, 19, {"http_500": 1}, 19, 2, 19)
    outlets = (
        OutletHealth("orient", tuple(DayPoint(d, 10 + k, "ok") for k, d in enumerate(week)), last),
        OutletHealth(
            "euronews",
            tuple(
                DayPoint(d, 0 if k == 3 else 5, "gap" if k == 3 else "ok")
                for k, d in enumerate(week)
            ),
            None,
        ),
    )
    gaps = (
        GapRow(
            week[3],
            "euronews",
            "crawl",
            "http_500",
            "every discovery URL failed <script>x</script>",
            "backfill__2026-11-27T03:00:00+00:00",
        ),
        GapRow(week[1], "euronews", "crawl", "dns", "no such host", "cli__2026-11-25__x"),
    )
    problems = (
        ProblemRow(
            week[3], "backfill__2026-11-27T03:00:00+00:00", "outlet euronews: 0 new articles"
        ),
    )
    snapshots = (
        SnapshotRow(DAYS[-1], 1, "scheduled__x", 123456, 60, "ok"),
        SnapshotRow(DAYS[-2], 2, "manual__y", 2048, 50, "failed", ("file missing",)),
    )
    return ArchiveHealth("s3://archive/x", DAYS, outlets, gaps, problems, snapshots)


def test_the_page_has_a_row_and_a_chart_per_outlet_and_links_runs():
    page = render(_health(), notices=("The outlets are unreachable",))
    assert page.count('class="outlet-row"') == 2
    for outlet in ("orient", "euronews"):
        chart = re.search(
            rf'<svg class="yield-chart" data-outlet="{outlet}".*?</svg>', page, re.S
        ).group(0)
        assert chart.count("<circle") == 7
    assert 'class="point gap" data-day="2026-11-27"' in page
    gap = re.search(
        r'<tr class="gap-row" data-outlet="euronews" data-day="2026-11-27">.*?</tr>', page, re.S
    ).group(0)
    assert 'href="/dags/news_archive/runs/backfill__2026-11-27T03%3A00%3A00%2B00%3A00"' in gap
    assert "http_500" in gap and "<script>" not in page and "&lt;script&gt;" in gap
    cli_gap = re.search(
        r'<tr class="gap-row" data-outlet="euronews" data-day="2026-11-25">.*?</tr>', page, re.S
    )
    assert "href" not in cli_gap.group(0)  # a CLI run has no DAG run to link to
    assert "http_500: 1" in page and "120.6 KiB" in page and "file missing" in page
    assert "The outlets are unreachable" in page


def test_the_page_shows_a_failing_try_at_once_and_the_days_without_a_snapshot(tmp_path):
    """From the first failed try: the outlet's row says retrying, with the cause and the next try's time,
    above the rest; the chart has a date axis, no line across a day without a snapshot and a red mark
    on it; the header names the latest run (any date)."""
    from datetime import UTC, datetime

    from archive.snapshot import publish_snapshot
    from newsarchive.ops import live_state

    store = open_store(tmp_path / "archive")
    days = [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)]  # the 22nd has no snapshot
    for k, day in enumerate(days):
        warc = write_warc(tmp_path / f"orient{k}.warc.gz", [1, 2])
        publish_snapshot(
            store, day, [_article(1), _article(2)], {"orient": warc}, run_id=f"scheduled__{day}"
        )
    now = datetime.now(UTC)  # the try after the snapshots were published (a backfill of the 24th)
    next_try = now + timedelta(seconds=131)
    live_state.write(
        store,
        live_state.transition(
            None,
            subject="orient",
            day="2026-11-24",
            run_id="scheduled__2026-11-24T03:00:00+00:00",
            stage="crawl",
            state="retrying",
            when=now,
            try_number=1,
            max_tries=3,
            reason="http_500",
            message="outlet orient: every discovery URL failed (3x http_500) <b>",
            next_try_at=next_try,
        ),
    )
    health = collect(store, active=["orient"], now=now)
    assert health.days[-1] == "2026-11-24" and health.missing == ("2026-11-22",)
    orient = health.outlets[0]
    assert orient.status.state == "retrying" and orient.last.day == "2026-11-23"
    page = render(health)
    row = re.search(r'<tr class="outlet-row" data-outlet="orient".*?</tr>', page, re.S).group(0)
    assert 'data-state="retrying"' in row and "<b>crawl http_500</b>" in row
    assert f"try 1 of 3; next try at {next_try:%H:%M:%S} UTC" in row and "&lt;b&gt;" in row
    assert re.search(
        r'<div class="banner failing" data-outlet="orient">orient: crawl http_500', page
    )
    chart = re.search(r'<svg class="yield-chart" data-outlet="orient".*?</svg>', page, re.S).group(
        0
    )
    assert chart.count("<polyline") == 1  # the 20th-21st; nothing drawn across the 22nd
    assert 'data-missing-day="2026-11-22"' in chart and "2026-11-22: no snapshot" in chart
    assert 'class="failing" data-live-day="2026-11-24"' in chart
    assert [t for t in re.findall(r'class="axis-label"[^>]*>([^<]+)<', chart)] == [
        "10-26",
        "11-10",
        "11-24",
    ]
    assert "latest run" in page and "scheduled__2026-11-24T03%3A00%3A00%2B00%3A00" in page
